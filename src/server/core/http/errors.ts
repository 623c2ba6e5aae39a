import type { MessageKey, Params } from '../../../shared/i18n/index.js';

/**
 * An error meant for the caller: an HTTP status, a stable code, a catalogue message (translated
 * into the caller's language when the response is written) and, for bad input, the field.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly key: MessageKey,
    readonly params?: Params,
    readonly field?: string,
  ) {
    super(key);
  }
}

export const notFound = () => new AppError(404, 'not_found', 'error.not_found');
export const unauthenticated = () => new AppError(401, 'unauthenticated', 'error.unauthenticated');
export const forbidden = () => new AppError(403, 'forbidden', 'error.forbidden');
/** Bad input on a named field (400). */
export const invalid = (field: string, key: MessageKey, params?: Params) =>
  new AppError(400, 'invalid', key, params, field);
/** A request that conflicts with the current state (409), e.g. a duplicate code. */
export const conflict = (code: string, key: MessageKey, params?: Params, field?: string) =>
  new AppError(409, code, key, params, field);
