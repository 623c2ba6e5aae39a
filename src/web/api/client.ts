import { DEFAULT_LOCALE, translate, type Locale } from '../../shared/i18n/index.js';

/** An error answered by the API: { error: { code, message, field? } }, message already in the caller's language. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let currentLocale: Locale = DEFAULT_LOCALE;

/** Every request asks for answers (and error messages) in this language. */
export function setApiLocale(locale: Locale): void {
  currentLocale = locale;
}

export function apiHeaders(extra?: Record<string, string>): Record<string, string> {
  return { 'Accept-Language': currentLocale, ...extra };
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** Turn a failed response into an ApiError (also when the body is not the API's JSON). */
export async function errorFrom(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: a proxy error page, an empty body …
  }
  const e = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | null)?.error;
  if (e && typeof e.message === 'string') {
    return new ApiError(res.status, typeof e.code === 'string' ? e.code : 'error', e.message, typeof e.field === 'string' ? e.field : undefined);
  }
  return new ApiError(res.status, 'http_' + res.status, translate(currentLocale, 'ui.error.http', { status: res.status }));
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: apiHeaders(body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', translate(currentLocale, 'ui.error.network'));
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const http = {
  get: <T>(path: string, query?: Query) => request<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
  delete: <T = void>(path: string) => request<T>('DELETE', path),
};
