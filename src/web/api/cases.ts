import type { z } from 'zod';
import type * as S from '../../shared/cases.schemas.js';
import { apiHeaders, errorFrom, http, ApiError } from './client.js';
import { translate } from '../../shared/i18n/index.js';

export type CaseSummary = S.CaseSummary;
export type CaseDetail = S.CaseDetail;
export type CaseCounts = S.CaseCounts;
export type CaseList = S.CaseList;
export type CaseCategory = z.infer<typeof S.CaseCategoryView>;
export type Department = z.infer<typeof S.DepartmentView>;
export type ReportCaseInput = z.input<typeof S.ReportCaseInput>;
export type CaseListQuery = Partial<Omit<z.output<typeof S.CaseListQuery>, 'limit' | 'offset'>> & { limit?: number; offset?: number };
export type ApiCaseAction = S.ApiCaseAction;
export type CaseState = CaseSummary['state'];

export const casesApi = {
  categories: () => http.get<{ items: CaseCategory[] }>('/api/case-categories').then((r) => r.items),
  list: (q: CaseListQuery) => http.get<{ items: CaseSummary[]; total: number; totalCapped: boolean }>('/api/cases', q),
  counts: () => http.get<CaseCounts>('/api/cases/counts'),
  detail: (id: string) => http.get<CaseDetail>(`/api/cases/${id}`),
  departments: (id: string) => http.get<{ items: Department[] }>(`/api/cases/${id}/departments`).then((r) => r.items),
  act: <A extends ApiCaseAction>(id: string, action: A, body: S.ActionBody<A>) => http.post<CaseDetail>(`/api/cases/${id}/actions/${action}`, body),
  /** Report a case; the same Idempotency-Key (one per form) makes a retry or a double tap answer the same case. */
  report: async (input: ReportCaseInput, idempotencyKey: string): Promise<CaseDetail> => {
    let res: Response;
    try {
      res = await fetch('/api/cases', {
        method: 'POST',
        credentials: 'same-origin',
        headers: apiHeaders({ Accept: 'application/json', 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey }),
        body: JSON.stringify(input),
      });
    } catch {
      throw new ApiError(0, 'network', translate(document.documentElement.lang === 'en' ? 'en' : 'zh-CN', 'ui.error.network'));
    }
    if (!res.ok) throw await errorFrom(res);
    return (await res.json()) as CaseDetail;
  },
};

export type AttachmentView = S.AttachmentView;
export type CaseAttachment = S.CaseAttachmentView;

/**
 * Upload one photo (the raw bytes as the body; POST /api/attachments) with upload progress (XHR:
 * fetch reports none). The same Idempotency-Key answers the same attachment, so a retry after a
 * lost answer never stores the photo twice. `abort` stops it.
 */
export function uploadAttachment(
  blob: Blob, idempotencyKey: string, onProgress?: (fraction: number) => void,
): { done: Promise<AttachmentView>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<AttachmentView>((resolve, reject) => {
    xhr.open('POST', '/api/attachments');
    xhr.withCredentials = true;
    for (const [k, v] of Object.entries(apiHeaders({ Accept: 'application/json', 'Idempotency-Key': idempotencyKey }))) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('Content-Type', blob.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
    const network = () => new ApiError(0, 'network', translate(document.documentElement.lang === 'en' ? 'en' : 'zh-CN', 'ui.error.network'));
    xhr.onerror = () => reject(network());
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'aborted'));
    xhr.onload = () => {
      const res = new Response(xhr.responseText || null, { status: xhr.status, headers: { 'Content-Type': xhr.getResponseHeader('Content-Type') ?? '' } });
      if (xhr.status >= 200 && xhr.status < 300) resolve(res.json() as Promise<AttachmentView>);
      else errorFrom(res).then(reject, reject);
    };
    xhr.send(blob);
  });
  return { done, abort: () => xhr.abort() };
}

export const caseKeys = {
  all: ['cases'] as const,
  categories: ['cases', 'categories'] as const,
  counts: ['cases', 'counts'] as const,
  list: (q: CaseListQuery) => ['cases', 'list', q] as const,
  detail: (id: string) => ['cases', 'detail', id] as const,
  departments: (id: string) => ['cases', 'departments', id] as const,
};
