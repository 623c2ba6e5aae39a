import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestApp, signedIn, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { createPartnerKey, keyHash } from './open311.service.js';

/**
 * Open311 GeoReport v2 conformance, from the spec (http://wiki.open311.org/GeoReport_v2): every
 * endpoint in .json and .xml, POST as the spec's form and as JSON, GET requests' filters and its
 * 90-day / 1000-row rules, and errors as [{code, description}] / <errors><error> with the spec's codes.
 */
let t: TestApp;
let tree: Tree;
let keyA: string; // a partner reporting into community A1
let keyB: string; // a partner reporting into community B1
let partnerA: { partnerId: string; userId: string };
const BASE = '/api/open311/v2';
const IN_G1 = { lat: '30.552', long: '114.272' };
const GARBAGE = 'city_appearance.exposed_garbage';
const ADDRESS = '汉阳区钟家村 1 号';
const audit = { actorId: null, actorUsername: null, ip: '127.0.0.1' };

type Res = Awaited<ReturnType<TestApp['app']['inject']>>;
const get = (url: string, lang = 'zh-CN') => t.app.inject({ method: 'GET', url: BASE + url, headers: { 'accept-language': lang } });
const postForm = (url: string, form: Record<string, string>, headers: Record<string, string> = {}) => t.app.inject({
  method: 'POST', url: BASE + url, payload: new URLSearchParams(form).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en', ...headers },
});
const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) => t.app.inject({
  method: 'POST', url: BASE + url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json', 'accept-language': 'en', ...headers },
});

/** The texts of every <name> element (no nesting of the same name in these documents). */
const tags = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]!);
const isJson = (r: Res) => expect(r.headers['content-type']).toMatch(/^application\/json/);
const isXml = (r: Res) => {
  expect(r.headers['content-type']).toMatch(/^text\/xml/);
  expect(r.body.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
};
/** An error in the spec's JSON form, with its code. */
function jsonError(r: Res, status: number): string {
  expect(r.statusCode).toBe(status);
  isJson(r);
  const body = r.json();
  expect(Array.isArray(body)).toBe(true);
  expect(body[0].code).toBe(status);
  expect(typeof body[0].description).toBe('string');
  return body[0].description;
}
function xmlError(r: Res, status: number): string {
  expect(r.statusCode).toBe(status);
  isXml(r);
  expect(r.body).toMatch(/<errors><error><code>\d+<\/code><description>[^<]*<\/description><\/error><\/errors>$/);
  expect(tags(r.body, 'code')).toEqual([String(status)]);
  return tags(r.body, 'description')[0]!;
}

async function create(form: Record<string, string> = {}, key = keyA) {
  const r = await postForm('/requests.json', { api_key: key, service_code: GARBAGE, description: '小区门口垃圾堆积', ...IN_G1, ...form });
  expect(r.statusCode, r.body).toBe(200);
  return r.json()[0] as { service_request_id: string; token: string };
}

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  // A building whose address a partner may give instead of a point (inside grid A1g1).
  const g = tree.gridA1g1;
  await t.db.insertInto('building').values({
    unit_id: g.id, unit_path: g.path, region_code: g.region_code, name: '钟家村 1 号楼', address: ADDRESS, lng: 114.273, lat: 30.553,
  }).execute();
  const a = await createPartnerKey(t.ctx, audit, { name: '市民通 App', unitId: tree.commA1.id });
  const b = await createPartnerKey(t.ctx, audit, { name: '晴川热线', unitId: tree.commB1.id });
  keyA = a.apiKey;
  keyB = b.apiKey;
  partnerA = a;
});
afterAll(() => t.close());

describe('partner keys', () => {
  it('keeps only a SHA-256 of the key, with the partner name, unit and a service account that cannot sign in', async () => {
    const row = await t.db.selectFrom('open311_partner').selectAll().where('id', '=', partnerA.partnerId).executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(keyHash(keyA));
    expect(row.key_hash).not.toContain(keyA);
    expect(row).toMatchObject({ name: '市民通 App', unit_id: tree.commA1.id, is_active: true });
    const user = await t.db.selectFrom('app_user').select(['username', 'is_active', 'password_hash']).where('id', '=', partnerA.userId).executeTakeFirstOrThrow();
    expect(user.is_active).toBe(false);
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: user.password_hash } });
    expect(login.statusCode).not.toBe(200);
    const audited = await t.db.selectFrom('audit_log').select('action').where('resource_id', '=', partnerA.partnerId).where('action', '=', 'open311.partner_create').execute();
    expect(audited).toHaveLength(1);
  });

  it('refuses a partner without a name or with an unknown unit', async () => {
    await expect(createPartnerKey(t.ctx, audit, { name: ' ', unitId: tree.commA1.id })).rejects.toMatchObject({ status: 400, field: 'name' });
    await expect(createPartnerKey(t.ctx, audit, { name: 'x', unitId: '999999' })).rejects.toMatchObject({ status: 404, field: 'unitId' });
  });
});

describe('discovery', () => {
  it('lists the v2 endpoint with both formats (JSON)', async () => {
    const r = await get('/discovery.json');
    expect(r.statusCode).toBe(200);
    isJson(r);
    const d = r.json();
    expect(d).toMatchObject({ changeset: expect.any(String), contact: expect.any(String), key_service: expect.any(String) });
    expect(d.endpoints[0]).toMatchObject({ specification: 'http://wiki.open311.org/GeoReport_v2', type: 'production', formats: ['text/xml', 'application/json'] });
    expect(d.endpoints[0].url).toMatch(/\/api\/open311\/v2$/);
  });

  it('in XML: discovery/endpoints/endpoint/formats/format', async () => {
    const r = await get('/discovery.xml');
    expect(r.statusCode).toBe(200);
    isXml(r);
    expect(r.body).toMatch(/<discovery><changeset>[^<]+<\/changeset><contact>[^<]+<\/contact><key_service>[^<]+<\/key_service><endpoints><endpoint>/);
    expect(tags(r.body, 'specification')).toEqual(['http://wiki.open311.org/GeoReport_v2']);
    expect(tags(r.body, 'format')).toEqual(['text/xml', 'application/json']);
  });
});

describe('services', () => {
  it('lists the leaf case categories with the spec fields, grouped by their class, in the caller language', async () => {
    const r = await get('/services.json');
    expect(r.statusCode).toBe(200);
    isJson(r);
    const list = r.json() as Record<string, unknown>[];
    const garbage = list.find((s) => s.service_code === GARBAGE);
    expect(garbage).toEqual({
      service_code: GARBAGE, service_name: '暴露垃圾', description: '市容环境 · 暴露垃圾', metadata: false, type: 'realtime',
      keywords: '暴露垃圾,Exposed rubbish,市容环境,City appearance', group: '市容环境',
    });
    // Classes with subcategories are groups, not services; private classes are not offered.
    expect(list.some((s) => s.service_code === 'city_appearance')).toBe(false);
    expect(list.some((s) => String(s.service_code).startsWith('dispute'))).toBe(false);
    expect(list.some((s) => s.service_code === 'livelihood.social_assistance')).toBe(false);
    for (const s of list) expect(Object.keys(s).sort()).toEqual(['description', 'group', 'keywords', 'metadata', 'service_code', 'service_name', 'type']);
    const en = (await get('/services.json', 'en')).json() as Record<string, unknown>[];
    expect(en.find((s) => s.service_code === GARBAGE)).toMatchObject({ service_name: 'Exposed rubbish', group: 'City appearance' });
  });

  it('in XML: services/service with the same fields', async () => {
    const r = await get('/services.xml');
    expect(r.statusCode).toBe(200);
    isXml(r);
    const json = (await get('/services.json')).json() as unknown[];
    expect(tags(r.body, 'service')).toHaveLength(json.length);
    expect(r.body).toContain(`<service><service_code>${GARBAGE}</service_code><service_name>暴露垃圾</service_name><description>市容环境 · 暴露垃圾</description>`
      + '<metadata>false</metadata><type>realtime</type><keywords>暴露垃圾,Exposed rubbish,市容环境,City appearance</keywords><group>市容环境</group></service>');
  });

  it('services/{code}: the definition (no attributes), 404 for an unknown or private code, in both formats', async () => {
    const j = await get(`/services/${GARBAGE}.json`);
    expect(j.statusCode).toBe(200);
    expect(j.json()).toEqual({ service_code: GARBAGE, attributes: [] });
    const x = await get(`/services/${GARBAGE}.xml`);
    isXml(x);
    expect(x.body).toContain(`<service_definition><service_code>${GARBAGE}</service_code><attributes></attributes></service_definition>`);
    expect(jsonError(await get('/services/no_such.thing.json', 'en'), 404)).toBe('service_code "no_such.thing" was not found');
    xmlError(await get('/services/no_such.thing.xml'), 404);
    jsonError(await get('/services/dispute.family.json'), 404);
    jsonError(await get(`/services/${GARBAGE}.yaml`), 404);
  });
});

describe('POST requests', () => {
  it('403 in the spec format without an api_key, with a wrong one, or for a disabled partner', async () => {
    const form = { service_code: GARBAGE, description: '垃圾', ...IN_G1 };
    expect(jsonError(await postForm('/requests.json', form), 403)).toBe('api_key was not provided or is invalid');
    xmlError(await postForm('/requests.xml', { ...form, api_key: 'wrong' }), 403);
    const off = await createPartnerKey(t.ctx, audit, { name: '停用的合作方', unitId: tree.commA1.id });
    await t.db.updateTable('open311_partner').set({ is_active: false }).where('id', '=', off.partnerId).execute();
    jsonError(await postForm('/requests.json', { ...form, api_key: off.apiKey }), 403);
  });

  it('creates a case from the spec form with lat/long: service_request_id and token at once (JSON)', async () => {
    const r = await postForm('/requests.json', {
      api_key: keyA, jurisdiction_id: 'hanyang', service_code: GARBAGE, description: '小区门口垃圾堆积', ...IN_G1,
      first_name: '明', last_name: '王', phone: '13800138000', email: 'wang@example.com', device_id: 'abc', account_id: '7',
    });
    expect(r.statusCode, r.body).toBe(200);
    isJson(r);
    const [row] = r.json();
    expect(Object.keys(row).sort()).toEqual(['account_id', 'service_notice', 'service_request_id', 'token']);
    expect(row.service_request_id).toMatch(/^HY-20261120-\d{4}$/);
    expect(row.token).toMatch(/^[A-Za-z0-9_-]{16,64}$/);

    // Reported through the cases service: source open311, placed in its grid, the partner in the timeline.
    const c = await t.db.selectFrom('cases').selectAll().where('number', '=', row.service_request_id).executeTakeFirstOrThrow();
    expect(c).toMatchObject({ source: 'open311', state: 'reported', unit_id: tree.gridA1g1.id, reporter_user_id: partnerA.userId, reporter_name: '明 王', stage: 'accept' });
    expect(c.reporter_phone_enc).not.toContain('13800138000');
    const events = await t.db.selectFrom('case_event').selectAll().where('case_id', '=', c.id).execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'report', actor_name: '市民通 App', actor_id: partnerA.userId, to_state: 'reported' });
    const audited = await t.db.selectFrom('audit_log').select(['action', 'actor_id']).where('resource_type', '=', 'case').where('resource_id', '=', c.id).execute();
    expect(audited).toEqual([{ action: 'case.report', actor_id: partnerA.userId }]);

    // tokens/{token} answers with the id, in both formats.
    const tj = await get(`/tokens/${row.token}.json`);
    expect(tj.statusCode).toBe(200);
    expect(tj.json()).toEqual([{ service_request_id: row.service_request_id, token: row.token }]);
    const tx = await get(`/tokens/${row.token}.xml`);
    isXml(tx);
    expect(tx.body).toContain(`<service_requests><request><service_request_id>${row.service_request_id}</service_request_id><token>${row.token}</token></request></service_requests>`);
  });

  it('answers in XML: service_requests/request', async () => {
    const r = await postForm('/requests.xml', { api_key: keyA, service_code: GARBAGE, description: 'XML <report> & more', ...IN_G1 });
    expect(r.statusCode, r.body).toBe(200);
    isXml(r);
    expect(r.body).toMatch(/<service_requests><request><service_request_id>HY-\d{8}-\d{4}<\/service_request_id><token>[A-Za-z0-9_-]+<\/token><service_notice><\/service_notice><account_id><\/account_id><\/request><\/service_requests>$/);
    const id = tags(r.body, 'service_request_id')[0]!;
    const c = await t.db.selectFrom('cases').select('description').where('number', '=', id).executeTakeFirstOrThrow();
    expect(c.description).toBe('XML <report> & more');
  });

  it('takes JSON too, and an address_string that matches a building: its point places the case', async () => {
    const r = await postJson('/requests.json', { api_key: keyA, service_code: 'street_order.noise', description: '夜间噪声', address_string: ' 汉阳区钟家村1号 ' });
    expect(r.statusCode, r.body).toBe(200);
    const c = await t.db.selectFrom('cases').selectAll().where('number', '=', r.json()[0].service_request_id).executeTakeFirstOrThrow();
    expect(c).toMatchObject({ lng: 114.273, lat: 30.553, unit_id: tree.gridA1g1.id, address: '汉阳区钟家村1号' });
  });

  it('takes an address_id: the building id', async () => {
    const b = await t.db.selectFrom('building').select('id').where('address', '=', ADDRESS).executeTakeFirstOrThrow();
    const r = await postForm('/requests.json', { api_key: keyA, service_code: GARBAGE, description: '垃圾', address_id: b.id });
    expect(r.statusCode, r.body).toBe(200);
    const c = await t.db.selectFrom('cases').selectAll().where('number', '=', r.json()[0].service_request_id).executeTakeFirstOrThrow();
    expect(c).toMatchObject({ lng: 114.273, lat: 30.553, address: ADDRESS });
  });

  it('400 in the spec format naming the field: no location, unknown address, half a point, no grid, outside the partner area', async () => {
    const base = { api_key: keyA, service_code: GARBAGE, description: '垃圾' };
    expect(jsonError(await postForm('/requests.json', base), 400)).toBe('lat: one of lat and long, address_string or address_id is required');
    xmlError(await postForm('/requests.xml', base), 400);
    expect(jsonError(await postForm('/requests.json', { ...base, address_string: '不存在的地址 99 号' }), 400)).toBe('address_string: address_string "不存在的地址 99 号" matches no building');
    xmlError(await postForm('/requests.xml', { ...base, address_string: '不存在的地址 99 号' }), 400);
    expect(jsonError(await postForm('/requests.json', { ...base, address_id: '424242' }), 400)).toMatch(/^address_id:/);
    expect(jsonError(await postForm('/requests.json', { ...base, lat: '30.552' }), 400)).toMatch(/^long:/);
    expect(jsonError(await postForm('/requests.json', { ...base, lat: 'north', long: '114.272' }), 400)).toMatch(/^lat:/);
    expect(jsonError(await postForm('/requests.json', { ...base, lat: '95', long: '114.272' }), 400)).toMatch(/^lat:/);
    // Inside no grid; inside a grid but outside partner B's community.
    expect(jsonError(await postForm('/requests.json', { ...base, lat: '10', long: '10' }), 400)).toMatch(/^long:/);
    expect(jsonError(await postForm('/requests.json', { ...base, ...IN_G1, api_key: keyB }), 400)).toMatch(/^long:/);
  });

  it('400 for a missing or unknown service_code (private categories are not services), description, bad phone, bad body', async () => {
    const base = { api_key: keyA, description: '垃圾', ...IN_G1 };
    expect(jsonError(await postForm('/requests.json', base), 400)).toBe('service_code: service_code was not provided');
    expect(jsonError(await postForm('/requests.json', { ...base, service_code: 'no_such.thing' }), 400)).toBe('service_code: service_code "no_such.thing" was not found');
    xmlError(await postForm('/requests.xml', { ...base, service_code: 'no_such.thing' }), 400);
    jsonError(await postForm('/requests.json', { ...base, service_code: 'dispute.family' }), 400);
    jsonError(await postForm('/requests.json', { ...base, service_code: 'city_appearance' }), 400);
    expect(jsonError(await postForm('/requests.json', { ...base, service_code: GARBAGE, description: '' }), 400)).toMatch(/^description:/);
    expect(jsonError(await postForm('/requests.json', { ...base, service_code: GARBAGE, description: 'x'.repeat(2001) }), 400)).toMatch(/^description:/);
    expect(jsonError(await postForm('/requests.json', { ...base, service_code: GARBAGE, phone: 'call me' }), 400)).toMatch(/^phone:/);
    expect(jsonError(await postForm('/requests.json', { ...base, service_code: GARBAGE, first_name: 'x'.repeat(51) }), 400)).toMatch(/^first_name:/);
    jsonError(await t.app.inject({ method: 'POST', url: `${BASE}/requests.json`, payload: '{not json', headers: { 'content-type': 'application/json' } }), 400);
    xmlError(await t.app.inject({ method: 'POST', url: `${BASE}/requests.xml`, payload: '<x/>', headers: { 'content-type': 'application/xml' } }), 415);
    // Nothing above was stored.
    const n = await t.db.selectFrom('cases').select(sql<string>`count(*)`.as('n')).where('description', '=', '垃圾').where('source', '=', 'open311').executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1); // the address_id report only
  });

  it('an Idempotency-Key makes a retry answer the same request and token; another body with it is 409', async () => {
    const form = { api_key: keyA, service_code: GARBAGE, description: '重试的上报', ...IN_G1 };
    const one = await postForm('/requests.json', form, { 'idempotency-key': 'partner-a-1' });
    const two = await postForm('/requests.json', form, { 'idempotency-key': 'partner-a-1' });
    expect(one.statusCode).toBe(200);
    expect(two.json()).toEqual(one.json());
    expect(await t.db.selectFrom('cases').select('id').where('description', '=', '重试的上报').execute()).toHaveLength(1);
    jsonError(await postForm('/requests.json', { ...form, description: '另一份' }, { 'idempotency-key': 'partner-a-1' }), 409);
    // Keys are per partner: partner B's same key is its own.
    const b = await postForm('/requests.json', { ...form, api_key: keyB, lat: '30.5', long: '114.2' }, { 'idempotency-key': 'partner-a-1' });
    jsonError(b, 400); // outside every grid — but not a 409: another partner's key space
  });
});

describe('GET requests', () => {
  let open1: { service_request_id: string; token: string };
  let noise: { service_request_id: string; token: string };
  let rejected: { service_request_id: string };
  let merged: { service_request_id: string };
  let closed: { service_request_id: string };
  let old: { service_request_id: string };

  beforeAll(async () => {
    open1 = await create({ description: '公开列表里的事件', first_name: '秘密', last_name: '姓名', phone: '13912345678' });
    noise = await create({ service_code: 'street_order.noise', description: '噪声' });
    rejected = await create({ description: '将被驳回' });
    merged = await create({ description: '将被合并' });
    closed = await create({ description: '已办结' });
    old = await create({ description: '100 天前' });
    // Reject through the real loop; the rest set directly.
    const comm = await signedIn(t.app, 'commA1');
    const id = (n: string) => t.db.selectFrom('cases').select('id').where('number', '=', n).executeTakeFirstOrThrow().then((r) => r.id);
    const res = await comm.post(`/api/cases/${await id(rejected.service_request_id)}/actions/reject`, { reason: '不属于受理范围' });
    expect(res.statusCode, res.body).toBe(200);
    await t.db.updateTable('cases').set({ state: 'merged', merged_into: await id(open1.service_request_id) }).where('number', '=', merged.service_request_id).execute();
    await t.db.updateTable('cases').set({ state: 'closed', closed_at: t.clock.now(), stage: null, stage_started_at: null, stage_deadline: null }).where('number', '=', closed.service_request_id).execute();
    await t.db.updateTable('cases').set({ state: 'in_progress', stage: 'handle', stage_started_at: t.clock.now(), stage_deadline: new Date('2026-11-25T09:00:00+08:00') })
      .where('number', '=', noise.service_request_id).execute();
    await t.db.updateTable('cases').set({ created_at: new Date(t.clock.now().getTime() - 100 * 86_400_000) }).where('number', '=', old.service_request_id).execute();
  });

  it('lists the last 90 days by default with the spec fields and nothing personal (JSON)', async () => {
    const r = await get('/requests.json');
    expect(r.statusCode).toBe(200);
    isJson(r);
    const rows = r.json() as Record<string, unknown>[];
    const ids = rows.map((x) => x.service_request_id);
    expect(ids).toContain(open1.service_request_id);
    expect(ids).not.toContain(old.service_request_id);
    const mine = rows.find((x) => x.service_request_id === open1.service_request_id)!;
    expect(Object.keys(mine).sort()).toEqual(['address', 'address_id', 'agency_responsible', 'description', 'expected_datetime', 'lat', 'long', 'media_url',
      'requested_datetime', 'service_code', 'service_name', 'service_notice', 'service_request_id', 'status', 'status_notes', 'updated_datetime', 'zipcode'].sort());
    expect(mine).toMatchObject({
      status: 'open', status_notes: '待受理', service_code: GARBAGE, service_name: '暴露垃圾', description: '公开列表里的事件',
      agency_responsible: '第一网格', lat: 30.552, long: 114.272, requested_datetime: '2026-11-20T01:00:00.000Z',
    });
    expect(mine.expected_datetime).toBeNull(); // not dispatched yet
    for (const secret of ['秘密', '姓名', '13912345678', '市民通']) expect(r.body).not.toContain(secret);
    // Newest first.
    const times = rows.map((x) => String(x.requested_datetime));
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('in XML: service_requests/request with the same fields', async () => {
    const r = await get(`/requests.xml?service_request_id=${open1.service_request_id}`);
    expect(r.statusCode).toBe(200);
    isXml(r);
    expect(tags(r.body, 'request')).toHaveLength(1);
    expect(r.body).toContain(`<service_requests><request><service_request_id>${open1.service_request_id}</service_request_id><status>open</status><status_notes>待受理</status_notes>`);
    expect(tags(r.body, 'lat')).toEqual(['30.552']);
    expect(tags(r.body, 'long')).toEqual(['114.272']);
    expect(tags(r.body, 'media_url')).toEqual(['']);
    expect(r.body).not.toContain('秘密');
  });

  it('status: open is any not-closed state; closed, rejected and merged are closed', async () => {
    const ids = [open1, noise, rejected, merged, closed].map((x) => x.service_request_id).join(',');
    const all = (await get(`/requests.json?service_request_id=${ids}`)).json() as { service_request_id: string; status: string; status_notes: string }[];
    const status = Object.fromEntries(all.map((x) => [x.service_request_id, x.status]));
    expect(status).toEqual({
      [open1.service_request_id]: 'open', [noise.service_request_id]: 'open',
      [rejected.service_request_id]: 'closed', [merged.service_request_id]: 'closed', [closed.service_request_id]: 'closed',
    });
    expect(all.find((x) => x.service_request_id === rejected.service_request_id)!.status_notes).toBe('不予受理');
    const open = (await get('/requests.json?status=open')).json().map((x: { service_request_id: string }) => x.service_request_id);
    expect(open).toEqual(expect.arrayContaining([open1.service_request_id, noise.service_request_id]));
    expect(open).not.toEqual(expect.arrayContaining([rejected.service_request_id]));
    const shut = (await get('/requests.xml?status=closed')).body;
    expect(tags(shut, 'service_request_id').sort()).toEqual([rejected, merged, closed].map((x) => x.service_request_id).sort());
    expect(tags(shut, 'status')).toEqual(['closed', 'closed', 'closed']);
    expect((await get('/requests.json?status=open,closed')).json().length).toBe((await get('/requests.json')).json().length);
    jsonError(await get('/requests.json?status=pending'), 400);
    xmlError(await get('/requests.xml?status=pending'), 400);
  });

  it('service_request_id: a comma list, overriding every other argument', async () => {
    const r = await get(`/requests.json?service_request_id=${open1.service_request_id},${old.service_request_id}&status=closed&service_code=nothing_here`);
    expect(r.json().map((x: { service_request_id: string }) => x.service_request_id).sort()).toEqual([open1.service_request_id, old.service_request_id].sort());
    jsonError(await get('/requests.json?service_request_id=a%20b'), 400);
  });

  it('service_code: one or a comma list', async () => {
    const noiseOnly = (await get('/requests.json?service_code=street_order.noise')).json() as { service_code: string }[];
    expect(noiseOnly.length).toBeGreaterThanOrEqual(2);
    expect(noiseOnly.every((x) => x.service_code === 'street_order.noise')).toBe(true);
    const both = (await get(`/requests.json?service_code=street_order.noise,${GARBAGE}`)).json() as unknown[];
    expect(both.length).toBeGreaterThan(noiseOnly.length);
    expect((await get('/requests.json?service_code=greenery.fallen_tree')).json()).toEqual([]);
    expect((await get('/requests.xml?service_code=greenery.fallen_tree')).body).toBe('<?xml version="1.0" encoding="utf-8"?>\n<service_requests></service_requests>');
    jsonError(await get('/requests.json?service_code=Bad-Code'), 400);
  });

  it('start_date / end_date: ISO 8601, at most 90 days apart; one alone reaches 90 days from it', async () => {
    const ids = async (q: string) => ((await get(`/requests.json?${q}`)).json() as { service_request_id: string }[]).map((x) => x.service_request_id);
    expect(await ids('start_date=2026-08-01T00:00:00Z&end_date=2026-08-31T00:00:00Z')).toEqual([old.service_request_id]);
    expect(await ids('start_date=2026-08-01T00:00:00%2B08:00')).toEqual([old.service_request_id]);
    expect(await ids('end_date=2026-08-31')).toEqual([old.service_request_id]);
    const today = await ids('start_date=2026-11-20&end_date=2026-11-21');
    expect(today).toContain(open1.service_request_id);
    expect(today).not.toContain(old.service_request_id);
    expect(await ids('start_date=2026-11-20T09:00:01%2B08:00&end_date=2026-11-21T00:00:00Z')).toEqual([]);
    expect(jsonError(await get('/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-11-20T00:00:00Z', 'en'), 400)).toBe('end_date: start_date and end_date may not span more than 90 days');
    expect(jsonError(await get('/requests.json?start_date=2026-11-20&end_date=2026-11-01', 'en'), 400)).toBe('start_date: start_date must not be after end_date');
    expect(jsonError(await get('/requests.json?start_date=yesterday'), 400)).toMatch(/^start_date：/);
    xmlError(await get('/requests.xml?end_date=2026-13-45T99:00:00Z'), 400);
  });

  it('requests/{id}: one request in both formats; 404 for an unknown id', async () => {
    const j = await get(`/requests/${noise.service_request_id}.json`);
    expect(j.statusCode).toBe(200);
    expect(j.json()).toHaveLength(1);
    expect(j.json()[0]).toMatchObject({
      service_request_id: noise.service_request_id, service_code: 'street_order.noise', status: 'open', status_notes: '办理中', expected_datetime: '2026-11-25T01:00:00.000Z',
    });
    const x = await get(`/requests/${noise.service_request_id}.xml`);
    isXml(x);
    expect(tags(x.body, 'service_request_id')).toEqual([noise.service_request_id]);
    expect(jsonError(await get('/requests/HY-19990101-0001.json', 'en'), 404)).toBe('service_request_id "HY-19990101-0001" was not found');
    xmlError(await get('/requests/HY-19990101-0001.xml'), 404);
  });

  it('cases of private categories never show, whatever the source', async () => {
    const comm = await signedIn(t.app, 'commA1');
    const res = await comm.post('/api/cases', { categoryCode: 'dispute.family', description: '家庭纠纷', lng: 114.272, lat: 30.552 });
    expect(res.statusCode, res.body).toBe(201);
    const number = res.json().number as string;
    jsonError(await get(`/requests/${number}.json`), 404);
    expect((await get(`/requests.json?service_request_id=${number}`)).json()).toEqual([]);
    expect((await get('/requests.json')).body).not.toContain('家庭纠纷');
    // Cases from other sources are public requests too.
    const patrol = await comm.post('/api/cases', { categoryCode: GARBAGE, description: '巡查发现', lng: 114.272, lat: 30.552, reporterName: '张三' });
    const pub = await get(`/requests/${patrol.json().number}.json`);
    expect(pub.json()[0]).toMatchObject({ description: '巡查发现', status: 'open' });
    expect(pub.body).not.toContain('张三');
  });

  it('tokens/{token}: 404 for an unknown token, in both formats', async () => {
    jsonError(await get('/tokens/AAAAAAAAAAAAAAAAAAAAAAAA.json'), 404);
    xmlError(await get('/tokens/AAAAAAAAAAAAAAAAAAAAAAAA.xml'), 404);
    jsonError(await get('/tokens/short.json'), 404);
  });

  it('unknown endpoints answer 404 in the spec format', async () => {
    jsonError(await get('/nothing.json'), 404);
    xmlError(await get('/nothing.xml'), 404);
  });

  it('answers at most 1000 requests, newest first', async () => {
    await sql`INSERT INTO cases (number, category_id, description, source, state, lng, lat, unit_id, unit_path, region_code,
        handling_unit_id, handling_path, handling_level, reporter_user_id, created_at, updated_at)
      SELECT 'BULK-' || g, category_id, 'bulk ' || g, source, state, lng, lat, unit_id, unit_path, region_code,
        handling_unit_id, handling_path, handling_level, reporter_user_id, created_at - g * interval '1 minute', updated_at
      FROM cases, generate_series(1, 1001) g WHERE number = ${open1.service_request_id}`.execute(t.db);
    const r = await get('/requests.json');
    const rows = r.json() as { service_request_id: string }[];
    expect(rows).toHaveLength(1000);
    expect(rows.some((x) => x.service_request_id === open1.service_request_id)).toBe(true);
    expect(rows.some((x) => x.service_request_id === 'BULK-1001')).toBe(false);
    const x = await get('/requests.xml');
    expect(tags(x.body, 'request')).toHaveLength(1000);
  });
});
