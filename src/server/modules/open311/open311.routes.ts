import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { AppError } from '../../core/http/errors.js';
import { translate, type Locale, type MessageKey, type Params } from '../../../shared/i18n/index.js';
import { ContactPhone } from '../../../shared/registry/organisations.schemas.js';
import { xmlDocument, type XmlContent } from './open311.xml.js';
import * as Q from './open311.queries.js';
import { partnerByKey, submitRequest } from './open311.service.js';

/**
 * Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), under /api/open311/v2, each endpoint
 * in .json and .xml: discovery, services (the public case categories), service definitions,
 * service requests (POST with a partner's api_key; GET public, only non-personal fields), tokens.
 * Errors leave in the spec's shape — [{ code, description }] or <errors><error>… — with its codes:
 * 400 bad input, 403 api_key, 404 not found.
 */
type Format = 'json' | 'xml';
const FORMATS: Format[] = ['json', 'xml'];

export const SPEC_URL = 'http://wiki.open311.org/GeoReport_v2';
/** When the endpoint list below last changed. */
export const CHANGESET = '2026-11-21T00:00:00Z';
/** How far GET requests reaches by default, and the longest range it answers. */
export const WINDOW_DAYS = 90;
/** The most requests one GET answers. */
export const MAX_ROWS = 1000;
const DAY = 86_400_000;

const CATEGORY_CODE = /^[a-z][a-z0-9_]{1,40}(\.[a-z][a-z0-9_]{1,40})?$/;
const REQUEST_ID = /^[A-Za-z0-9-]{1,40}$/;
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/** The spec's names for the fields the cases service reports problems with. */
const FIELD: Record<string, string> = {
  lng: 'long', lat: 'lat', categoryCode: 'service_code', description: 'description', address: 'address_string',
  reporterName: 'first_name', reporterPhone: 'phone',
};

const bad = (field: string, key: MessageKey, params?: Params) => new AppError(400, 'invalid', key, params, field);
const notFound = (key: MessageKey, params?: Params) => new AppError(404, 'not_found', key, params);
const apiKeyRefused = () => new AppError(403, 'forbidden', 'open311.api_key_invalid');

function formatOf(url: string): Format {
  return url.split('?')[0]!.toLowerCase().endsWith('.xml') ? 'xml' : 'json';
}

/** "name.json" → ["name", "json"]; an unknown extension is a 404 in the spec's format. */
function splitFile(file: string): [string, Format] {
  const dot = file.lastIndexOf('.');
  const ext = dot > 0 ? file.slice(dot + 1).toLowerCase() : '';
  if (ext !== 'json' && ext !== 'xml') throw notFound('open311.unknown_format');
  return [file.slice(0, dot), ext];
}

/** One document in the asked format: JSON as is, XML under `root` from `xml`. */
function send(reply: FastifyReply, format: Format, status: number, json: unknown, root: string, xml: XmlContent) {
  if (format === 'xml') return reply.status(status).type('text/xml; charset=utf-8').send(xmlDocument(root, xml));
  return reply.status(status).type('application/json; charset=utf-8').send(JSON.stringify(json));
}

function sendError(reply: FastifyReply, format: Format, status: number, description: string) {
  const error = { code: status, description };
  return send(reply, format, status, [error], 'errors', [{ error }]);
}

/** A query or form value as one trimmed string (the last of repeated ones), or undefined. */
function one(v: unknown): string | undefined {
  if (Array.isArray(v)) return one(v[v.length - 1]);
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function list(v: unknown): string[] | undefined {
  const s = one(v);
  return s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean);
}

/** An ISO 8601 date or date-time; without an offset it is Beijing time, the jurisdiction's. */
export function parseIsoDate(field: string, v: unknown): Date | undefined {
  const s = one(v);
  if (s === undefined) return undefined;
  const m = ISO_DATE.exec(s);
  if (!m) throw bad(field, 'open311.date_format');
  const offset = m[3] ? (m[3] === 'Z' ? 'Z' : `${m[3].slice(0, 3)}:${m[3].slice(-2)}`) : '+08:00';
  const d = new Date(`${m[1]}T${m[2] ?? '00:00:00'}${offset}`);
  if (Number.isNaN(d.getTime())) throw bad(field, 'open311.date_format');
  return d;
}

/** The window of GET requests: the last 90 days by default, never more than 90 days. */
export function requestWindow(start: Date | undefined, end: Date | undefined, now: Date): { from: Date; to: Date } {
  if (start && end) {
    if (start > end) throw bad('start_date', 'open311.date_order');
    if (end.getTime() - start.getTime() > WINDOW_DAYS * DAY) throw bad('end_date', 'open311.date_span', { days: WINDOW_DAYS });
    return { from: start, to: end };
  }
  if (start) return { from: start, to: new Date(start.getTime() + WINDOW_DAYS * DAY) };
  const to = end ?? now;
  return { from: new Date(to.getTime() - WINDOW_DAYS * DAY), to };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const nameIn = (locale: Locale, zh: string, en: string) => (locale === 'en' ? en : zh);

function presentService(s: Q.ServiceRow, locale: Locale) {
  const name = nameIn(locale, s.name_zh, s.name_en);
  const group = s.parent_name_zh ? nameIn(locale, s.parent_name_zh, s.parent_name_en!) : null;
  return {
    service_code: s.code,
    service_name: name,
    description: group ? `${group} · ${name}` : name,
    metadata: false,
    type: 'realtime',
    keywords: [s.name_zh, s.name_en, s.parent_name_zh, s.parent_name_en].filter(Boolean).join(','),
    group: group ?? name,
  };
}

function presentRequest(r: Q.RequestRow, locale: Locale) {
  const closed = Q.CLOSED_STATES.includes(r.state);
  return {
    service_request_id: r.number,
    status: closed ? 'closed' : 'open',
    status_notes: translate(locale, `case.state.${r.state}` as MessageKey),
    service_name: nameIn(locale, r.service_name_zh, r.service_name_en),
    service_code: r.service_code,
    description: r.description,
    agency_responsible: r.agency_zh,
    service_notice: null,
    requested_datetime: r.created_at.toISOString(),
    updated_datetime: r.updated_at.toISOString(),
    // When it is expected to be fulfilled: the deadline of its handling, once dispatched.
    expected_datetime: r.stage === 'handle' ? iso(r.stage_deadline) : null,
    address: r.address,
    address_id: null,
    zipcode: null,
    lat: r.lat,
    long: r.lng,
    media_url: null,
  };
}

const asRequests = (rows: Record<string, unknown>[]): XmlContent => rows.map((r) => ({ request: r as Record<string, XmlContent> }));

/** The fields of a POSTed request, form or JSON, checked in the spec's order of concerns. */
async function readPost(ctx: AppContext, body: Record<string, unknown>, partner: Q.PartnerRow) {
  const serviceCode = one(body.service_code);
  if (!serviceCode) throw bad('service_code', 'open311.service_code_required');
  if (!CATEGORY_CODE.test(serviceCode) || !(await Q.findService(ctx.db, serviceCode))) {
    throw bad('service_code', 'open311.service_code_unknown', { code: serviceCode.slice(0, 60) });
  }
  const description = one(body.description);
  if (!description) throw bad('description', 'open311.description_required');
  if (description.length > 2000) throw bad('description', 'open311.too_long', { maximum: 2000 });
  const addressString = one(body.address_string);
  if (addressString && addressString.length > 200) throw bad('address_string', 'open311.too_long', { maximum: 200 });

  const latText = one(body.lat);
  const longText = one(body.long);
  let point: { lng: number; lat: number };
  let address = addressString;
  if (latText !== undefined || longText !== undefined) {
    const lat = latText !== undefined && DECIMAL.test(latText) ? Number(latText) : NaN;
    const lng = longText !== undefined && DECIMAL.test(longText) ? Number(longText) : NaN;
    if (!(lat >= -90 && lat <= 90)) throw bad('lat', 'open311.lat_long_pair');
    if (!(lng >= -180 && lng <= 180)) throw bad('long', 'open311.lat_long_pair');
    point = { lng, lat };
  } else if (addressString) {
    const b = await Q.buildingByAddress(ctx.db, addressString, partner.unit_path);
    if (!b) throw bad('address_string', 'open311.address_unknown', { address: addressString.slice(0, 60) });
    point = { lng: b.lng!, lat: b.lat! };
  } else if (one(body.address_id)) {
    const id = one(body.address_id)!;
    const b = /^\d{1,18}$/.test(id) ? await Q.buildingById(ctx.db, id) : undefined;
    if (!b) throw bad('address_id', 'open311.address_id_unknown', { id: id.slice(0, 40) });
    point = { lng: b.lng!, lat: b.lat! };
    address = b.address?.slice(0, 200) ?? undefined;
  } else {
    throw bad('lat', 'open311.location_required');
  }

  const name = [one(body.first_name), one(body.last_name)].filter(Boolean).join(' ');
  if (name.length > 50) throw bad('first_name', 'open311.too_long', { maximum: 50 });
  const phoneText = one(body.phone);
  let phone: string | undefined;
  if (phoneText) {
    const parsed = ContactPhone.safeParse(phoneText);
    if (!parsed.success) throw bad('phone', 'organisation.phone_format');
    phone = parsed.data;
  }
  return { serviceCode, description, ...point, address, reporterName: name || undefined, reporterPhone: phone };
}

export async function open311Routes(api: Api, ctx: AppContext): Promise<void> {
  await api.register(async (o) => {
    // The spec's POST is a form; JSON is taken too. Scoped to these routes.
    o.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      const form: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body as string)) form[k] = v;
      done(null, form);
    });

    o.setErrorHandler((error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const format = formatOf(req.url);
      if (error instanceof AppError) {
        const reason = translate(req.locale, error.key, error.params);
        const field = error.field ? (FIELD[error.field] ?? error.field) : undefined;
        const description = field && error.status === 400 ? translate(req.locale, 'open311.error', { field, reason }) : reason;
        return sendError(reply, format, error.status, description);
      }
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, format, 413, translate(req.locale, 'error.body_too_large', { limit: o.initialConfig.bodyLimit ?? 0 }));
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return sendError(reply, format, 415, translate(req.locale, 'error.unsupported_media_type', { type: String(req.headers['content-type'] ?? '') }));
      }
      if (error instanceof SyntaxError || (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)) {
        return sendError(reply, format, 400, translate(req.locale, 'open311.bad_body'));
      }
      req.log.error({ err: error }, 'unhandled error');
      if (process.env.LINLI_DEBUG_ERRORS) console.error(error);
      return sendError(reply, format, 500, translate(req.locale, 'open311.internal'));
    });

    o.setNotFoundHandler((req, reply) => sendError(reply, formatOf(req.url), 404, translate(req.locale, 'open311.unknown_endpoint')));

    const config = { public: true };
    const tags = ['open311'];

    for (const format of FORMATS) {
      o.get(`/discovery.${format}`, { config, schema: { tags, summary: `GeoReport v2 service discovery (${format})` } }, async (req, reply) => {
        const endpoint = {
          specification: SPEC_URL,
          url: `${req.protocol}://${req.host}/api/open311/v2`,
          changeset: CHANGESET,
          type: 'production',
          formats: ['text/xml', 'application/json'],
        };
        const doc = { changeset: CHANGESET, contact: translate(req.locale, 'open311.contact'), key_service: translate(req.locale, 'open311.key_service') };
        return send(reply, format, 200, { ...doc, endpoints: [endpoint] }, 'discovery', {
          ...doc,
          endpoints: [{ endpoint: { ...endpoint, formats: endpoint.formats.map((f) => ({ format: f })) } }],
        });
      });

      o.get(`/services.${format}`, { config, schema: { tags, summary: `GeoReport v2 services: the case categories (${format})` } }, async (req, reply) => {
        const rows = (await Q.listServices(ctx.db)).map((s) => presentService(s, req.locale));
        return send(reply, format, 200, rows, 'services', rows.map((s) => ({ service: s })));
      });

      o.get(`/requests.${format}`, { config, schema: { tags, summary: `GeoReport v2 service requests: filters, the last 90 days by default, at most 1000 (${format})` } }, async (req, reply) => {
        const q = (req.query ?? {}) as Record<string, unknown>;
        const ids = list(q.service_request_id);
        let filter: Q.RequestFilter;
        if (ids) {
          // The spec: service_request_id overrides every other argument.
          if (ids.length === 0 || ids.length > MAX_ROWS || ids.some((id) => !REQUEST_ID.test(id))) throw bad('service_request_id', 'open311.request_id_format');
          filter = { numbers: ids, limit: MAX_ROWS };
        } else {
          const codes = list(q.service_code);
          if (codes && (codes.length === 0 || codes.some((c) => !CATEGORY_CODE.test(c)))) throw bad('service_code', 'open311.service_code_format');
          const statuses = list(q.status);
          if (statuses && (statuses.length === 0 || statuses.some((s) => s !== 'open' && s !== 'closed'))) throw bad('status', 'open311.status_value');
          const status = statuses && new Set(statuses).size === 1 ? (statuses[0] as 'open' | 'closed') : undefined;
          const { from, to } = requestWindow(parseIsoDate('start_date', q.start_date), parseIsoDate('end_date', q.end_date), ctx.clock.now());
          filter = { serviceCodes: codes, status, from, to, limit: MAX_ROWS };
        }
        const rows = (await Q.findRequests(ctx.db, filter)).map((r) => presentRequest(r, req.locale));
        return send(reply, format, 200, rows, 'service_requests', asRequests(rows));
      });

      o.post(`/requests.${format}`, { config, schema: { tags, summary: `GeoReport v2: create a service request with a partner's api_key (form or JSON) (${format})` } }, async (req, reply) => {
        const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
        const partner = await partnerByKey(ctx, one(body.api_key) ?? one((req.query as Record<string, unknown> | undefined)?.api_key));
        if (!partner) throw apiKeyRefused();
        const header = req.headers['idempotency-key'];
        const key = Array.isArray(header) ? header[0] : header;
        if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw bad('Idempotency-Key', 'case.idempotency_key_format');
        const input = await readPost(ctx, body, partner);
        const created = await submitRequest(ctx, partner, req.ip, input, key ?? null);
        const row = { service_request_id: created.serviceRequestId, token: created.token, service_notice: null, account_id: null };
        return send(reply, format, 200, [row], 'service_requests', asRequests([row]));
      });
    }

    o.get('/services/:file', { config, schema: { tags, summary: 'GeoReport v2 service definition: /services/{service_code}.json|.xml' } }, async (req, reply) => {
      const [code, format] = splitFile((req.params as { file: string }).file);
      const service = CATEGORY_CODE.test(code) ? await Q.findService(ctx.db, code) : undefined;
      if (!service) throw notFound('open311.service_code_unknown', { code: code.slice(0, 60) });
      // No extra attributes are asked for any service (metadata is false).
      return send(reply, format, 200, { service_code: service.code, attributes: [] }, 'service_definition', { service_code: service.code, attributes: [] });
    });

    o.get('/requests/:file', { config, schema: { tags, summary: 'GeoReport v2 one service request: /requests/{service_request_id}.json|.xml' } }, async (req, reply) => {
      const [id, format] = splitFile((req.params as { file: string }).file);
      if (!REQUEST_ID.test(id)) throw bad('service_request_id', 'open311.request_id_format');
      const rows = (await Q.findRequests(ctx.db, { numbers: [id], limit: 1 })).map((r) => presentRequest(r, req.locale));
      if (!rows.length) throw notFound('open311.request_not_found', { id });
      return send(reply, format, 200, rows, 'service_requests', asRequests(rows));
    });

    o.get('/tokens/:file', { config, schema: { tags, summary: 'GeoReport v2 the service request id behind a token: /tokens/{token}.json|.xml' } }, async (req, reply) => {
      const [token, format] = splitFile((req.params as { file: string }).file);
      const found = TOKEN.test(token) ? await Q.caseOfToken(ctx.db, token) : undefined;
      if (!found) throw notFound('open311.token_not_found', { token: token.slice(0, 64) });
      const row = { service_request_id: found.number, token: found.token };
      return send(reply, format, 200, [row], 'service_requests', asRequests([row]));
    });
  }, { prefix: '/open311/v2' });
}
