import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { fieldLabel, translate, type Locale, type MessageKey, type Params } from '../../../shared/i18n/index.js';
import { AppError } from './errors.js';

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

function typeName(locale: Locale, t: unknown): string {
  const name = String(t) === 'int' ? 'integer' : String(t);
  const key = `type.${name}`;
  return ['string', 'number', 'boolean', 'object', 'array', 'integer'].includes(name)
    ? translate(locale, key as MessageKey)
    : name;
}

/** Turn one zod issue into "<field>: <reason>" in the caller's language. */
export function describeIssue(locale: Locale, issue: ValidationIssue, context: string | undefined): { field: string; message: string } {
  const pathParts = issue.instancePath.split('/').filter(Boolean);
  let field = pathParts.join('.');
  const p = issue.params;
  let reason: { key: MessageKey; params?: Params };
  switch (issue.keyword) {
    case 'invalid_type':
      // zod leaves the input out of its issues; its message says "received undefined" for a missing value.
      reason = p.input === undefined && (issue.message === undefined || /received undefined/.test(issue.message))
        ? { key: 'validation.required' }
        : { key: 'validation.invalid_type', params: { expected: typeName(locale, p.expected) } };
      break;
    case 'too_small':
      reason = p.origin === 'string'
        ? { key: 'validation.too_short_string', params: { minimum: Number(p.minimum) } }
        : p.origin === 'array' || p.origin === 'set'
          ? { key: 'validation.too_small_array', params: { minimum: Number(p.minimum) } }
          : { key: 'validation.too_small_number', params: { minimum: Number(p.minimum) } };
      if (p.origin === 'string' && Number(p.minimum) === 1) reason = { key: 'validation.required' };
      break;
    case 'too_big':
      reason = p.origin === 'string'
        ? { key: 'validation.too_long_string', params: { maximum: Number(p.maximum) } }
        : p.origin === 'array' || p.origin === 'set'
          ? { key: 'validation.too_big_array', params: { maximum: Number(p.maximum) } }
          : { key: 'validation.too_big_number', params: { maximum: Number(p.maximum) } };
      break;
    case 'invalid_format':
      reason = { key: 'validation.invalid_format' };
      break;
    case 'invalid_value':
      reason = { key: 'validation.invalid_value', params: { values: Array.isArray(p.values) ? p.values.join(', ') : '' } };
      break;
    case 'unrecognized_keys': {
      const keys = Array.isArray(p.keys) ? (p.keys as string[]) : [];
      field = [...pathParts, keys[0] ?? ''].filter(Boolean).join('.');
      reason = { key: 'validation.unrecognized_keys', params: { keys: keys.join(', ') } };
      break;
    }
    case 'custom':
      // A refinement may carry a catalogue key as its message.
      reason = { key: typeof p.messageKey === 'string' ? (p.messageKey as MessageKey) : 'validation.invalid', params: p.messageParams as Params | undefined };
      break;
    default:
      reason = { key: 'validation.invalid' };
  }
  if (!field) field = context ?? 'body';
  const label = fieldLabel(locale, field);
  return {
    field,
    message: translate(locale, 'error.validation', { field: label, reason: translate(locale, reason.key, reason.params) }),
  };
}

/** Every error leaves as { error: { code, message, field? } } in the caller's language. Bad input is never a 500. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const locale = request.locale;
  const send = (status: number, code: string, message: string, field?: string) => {
    const body: ErrorBody = { error: field ? { code, message, field } : { code, message } };
    void reply.status(status).send(body);
  };
  if (error instanceof AppError) {
    const field = error.field;
    const base = translate(locale, error.key, error.params);
    const message = field && error.status === 400
      ? translate(locale, 'error.validation', { field: fieldLabel(locale, field), reason: base })
      : base;
    return send(error.status, error.code, message, field);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issue = error.validation[0] as unknown as ValidationIssue;
    const { field, message } = describeIssue(locale, issue, error.validationContext);
    return send(400, 'invalid', message, field);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return send(413, 'body_too_large', translate(locale, 'error.body_too_large', { limit: request.server.initialConfig.bodyLimit ?? 0 }), 'body');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return send(415, 'unsupported_media_type', translate(locale, 'error.unsupported_media_type', { type: String(request.headers['content-type'] ?? '') }));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return send(400, 'invalid_json', translate(locale, 'error.invalid_json'), 'body');
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return send(400, 'invalid_json', translate(locale, 'error.invalid_json'), 'body');
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return send(error.statusCode, String(error.code ?? 'bad_request').toLowerCase(), error.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  if (process.env.LINLI_DEBUG_ERRORS) console.error(error);
  return send(500, 'internal', translate(locale, 'error.internal'));
}
