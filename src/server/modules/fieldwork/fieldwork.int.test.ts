import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { idCheckChar } from '../../../shared/validation/id-number.js';

let t: TestApp;
let tree: Tree;
let hh1: string; // grid A1g1, 1栋 0101: an elderly person living alone
let hh2: string; // grid A1g1, 1栋 0102
let hhOther: string; // grid A1g2 (same community, another grid)
let hhB: string; // grid B1g1 (another street)
let zhang: string; // the resident of hh1
let gridAId: string;
const ZHANG_ID = '42010519400612003' + idCheckChar('42010519400612003');
const ZHANG_PHONE = '13812345678';
// The test clock starts at 2026-11-20 09:00 Beijing.
const at = (hoursAgo: number) => new Date(t.clock.now().getTime() - hoursAgo * 3600_000).toISOString();

async function household(unit: { id: string; path: string }, building: string, room: string, lng: number, lat: number): Promise<string> {
  let b = await t.db.selectFrom('building').select('id').where('name', '=', building).where('unit_id', '=', unit.id).executeTakeFirst();
  b ??= await t.db.insertInto('building').values({ unit_id: unit.id, unit_path: unit.path, region_code: '420105', name: building, lng, lat, floors: 6 })
    .returning('id').executeTakeFirstOrThrow();
  const h = await t.db.insertInto('household').values({ building_id: b.id, unit_id: unit.id, unit_path: unit.path, region_code: '420105', room, floor: 1 })
    .returning('id').executeTakeFirstOrThrow();
  return h.id;
}
const tagId = async (code: string) => (await t.db.selectFrom('care_tag').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;
const count = async (table: 'visit' | 'patrol' | 'diary_entry') => Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  hh1 = await household(tree.microA1g1m1, '1栋', '0101', 114.2710, 30.5510);
  hh2 = await household(tree.microA1g1m1, '1栋', '0102', 114.2710, 30.5510);
  hhOther = await household(tree.gridA1g2, '5栋', '0101', 114.2760, 30.5510);
  hhB = await household(tree.gridB1g1, '9栋', '0501', 114.30, 30.56);
  gridAId = await makeUser(t.ctx, 'gridA', 'grid_worker', tree.gridA1g1, { displayName: '黄艳娇' });
  await makeUser(t.ctx, 'gridA2', 'grid_worker', tree.gridA1g2);
  await makeUser(t.ctx, 'gridB', 'grid_worker', tree.gridB1g1);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'streetB', 'street_staff', tree.streetB);
  await makeUser(t.ctx, 'district', 'district_staff', tree.district);
  await makeUser(t.ctx, 'volunteer', 'volunteer', tree.commA1);
  const g = await signedIn(t.app, 'gridA');
  const res = await g.post('/api/residents', { householdId: hh1, name: '张秀英', idNumber: ZHANG_ID, phone: ZHANG_PHONE, relation: 'head', tagIds: [await tagId('living_alone')] });
  expect(res.statusCode).toBe(201);
  zhang = res.json().id;
});
afterAll(() => t.close());

describe('visit rules', () => {
  it('are set by staff for their subtree, refused to grid workers, and checked for their shape', async () => {
    expect((await new Client(t.app).post('/api/visit-rules', { unitId: tree.district.id, name: 'x', kind: 'all_households', intervalDays: 3 })).statusCode).toBe(401);
    const d = await signedIn(t.app, 'district');
    const bad = await d.post('/api/visit-rules', { unitId: tree.district.id, name: '独居老人', kind: 'tag', intervalDays: 7 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('tagCode');
    const g = await signedIn(t.app, 'gridA');
    expect((await g.post('/api/visit-rules', { unitId: tree.gridA1g1.id, name: 'x', kind: 'all_households', intervalDays: 3 })).statusCode).toBe(403);
    const streetB = await signedIn(t.app, 'streetB');
    const outside = await streetB.post('/api/visit-rules', { unitId: tree.commA1.id, name: 'x', kind: 'all_households', intervalDays: 3 });
    expect(outside.statusCode).toBe(404);
    for (const body of [
      { unitId: tree.district.id, name: '独居老人每周', kind: 'tag', tagCode: 'living_alone', intervalDays: 7 },
      { unitId: tree.district.id, name: '每季度全覆盖', kind: 'all_households', intervalDays: 90 },
      { unitId: tree.district.id, name: '每天入户', kind: 'daily_quota', perDay: 2 },
    ]) expect((await d.post('/api/visit-rules', body)).statusCode).toBe(201);
    const rules = (await g.get('/api/visit-rules')).json().items;
    expect(rules.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['独居老人每周', '每季度全覆盖', '每天入户']));
    expect(rules.every((r: { abilities: { update: boolean } }) => r.abilities.update === false)).toBe(true);

    // A community's own rule: changed at the version read, then removed; a stale version is 409.
    const c = await signedIn(t.app, 'commA1');
    const mine = (await c.post('/api/visit-rules', { unitId: tree.commA1.id, name: '退役军人每月', kind: 'tag', tagCode: 'veteran', intervalDays: 30 })).json();
    expect(mine).toMatchObject({ version: 1, abilities: { update: true }, unit: { id: tree.commA1.id } });
    const changed = await c.patch(`/api/visit-rules/${mine.id}`, { version: 1, intervalDays: 60 });
    expect(changed.json()).toMatchObject({ intervalDays: 60, version: 2 });
    const stale = await c.patch(`/api/visit-rules/${mine.id}`, { version: 1, active: false });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.field).toBe('version');
    const districtRule = rules.find((r: { name: string }) => r.name === '每季度全覆盖');
    expect((await c.patch(`/api/visit-rules/${districtRule.id}`, { version: 1, intervalDays: 1 })).statusCode).toBe(404);
    expect((await c.delete(`/api/visit-rules/${mine.id}`)).statusCode).toBe(204);
    expect((await c.get(`/api/visit-rules?unitId=${tree.commA1.id}`)).json().items.map((r: { id: string }) => r.id)).not.toContain(mine.id);
    const audit = await t.db.selectFrom('audit_log').select('action').where('resource_type', '=', 'visit_rule').orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['visit_rule.create', 'visit_rule.create', 'visit_rule.create', 'visit_rule.create', 'visit_rule.update', 'visit_rule.delete']);
  });
});

describe('visits', () => {
  const visit = (over: Record<string, unknown> = {}) => ({ householdId: hh1, kind: 'care', occurredAt: at(1), metResidentIds: [zhang], findings: '身体尚好，需要代购药品', ...over });

  it('climb the ladder: 401, 400 naming the field, 403, 404 for another grid’s household', async () => {
    expect((await new Client(t.app).post('/api/visits', visit())).statusCode).toBe(401);
    const g = await signedIn(t.app, 'gridA');
    const missing = await g.post('/api/visits', { householdId: hh1, kind: 'care' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.field).toBe('occurredAt');
    const future = await g.post('/api/visits', visit({ occurredAt: new Date(t.clock.now().getTime() + 3600_000).toISOString() }));
    expect(future.statusCode).toBe(400);
    expect(future.json().error).toMatchObject({ field: 'occurredAt', message: expect.stringContaining('5 分钟') });
    const old = await g.post('/api/visits', visit({ occurredAt: at(24 * 40) }));
    expect(old.json().error.field).toBe('occurredAt');
    const v = await signedIn(t.app, 'volunteer');
    expect((await v.post('/api/visits', visit())).statusCode).toBe(403);
    const other = await g.post('/api/visits', visit({ householdId: hhB, metResidentIds: [] }));
    expect(other.statusCode).toBe(404);
    expect(other.json().error.field).toBe('householdId');
    expect((await g.post('/api/visits', visit({ householdId: hhOther, metResidentIds: [] }))).statusCode).toBe(404);
    const stranger = await g.post('/api/visits', visit({ householdId: hh2 }));
    expect(stranger.json().error.field).toBe('metResidentIds.0');
    expect(await count('visit')).toBe(0);
  });

  it('move the household’s next due date', async () => {
    const g = await signedIn(t.app, 'gridA');
    const before = (await g.get(`/api/fieldwork/visit-status?unitId=${tree.gridA1g1.id}`)).json();
    const one = before.items.find((h: { householdId: string }) => h.householdId === hh1);
    expect(one).toMatchObject({ state: 'due', nextDueDate: '2026-11-20', intervalDays: 7, special: true, lastVisitAt: null });
    expect(one.tags.map((x: { code: string }) => x.code)).toEqual(['living_alone']);
    expect(before.items.find((h: { householdId: string }) => h.householdId === hh2)).toMatchObject({ intervalDays: 90, state: 'due' });
    const res = await g.request('POST', '/api/visits', visit(), { 'idempotency-key': 'visit-1' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ householdId: hh1, kind: 'care', visitor: { name: '黄艳娇' }, metResidents: [{ id: zhang, name: '张秀英' }] });
    const after = (await g.get(`/api/fieldwork/visit-status?buildingId=${before.items[0].buildingId}`)).json();
    expect(after.items.find((h: { householdId: string }) => h.householdId === hh1)).toMatchObject({ state: 'ok', nextDueDate: '2026-11-27', lastVisitAt: at(1) });
  });

  it('answer a replay with the same visit, and refuse the key with another body', async () => {
    const g = await signedIn(t.app, 'gridA');
    const first = (await g.get('/api/visits')).json().items[0];
    const again = await g.request('POST', '/api/visits', visit({ occurredAt: first.occurredAt }), { 'idempotency-key': 'visit-1' });
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.id);
    expect(await count('visit')).toBe(1);
    const other = await g.request('POST', '/api/visits', visit({ occurredAt: first.occurredAt, findings: '另一份内容' }), { 'idempotency-key': 'visit-1' });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.field).toBe('Idempotency-Key');
    // The same key from another account is another record's key.
    const c = await signedIn(t.app, 'commA1');
    const theirs = await c.request('POST', '/api/visits', visit({ occurredAt: first.occurredAt }), { 'idempotency-key': 'visit-1' });
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json().id).not.toBe(first.id);
    expect(await count('visit')).toBe(2);
  });

  it('refuse a stale resident update with 409 naming the field, writing nothing', async () => {
    const g = await signedIn(t.app, 'gridA');
    const visitsBefore = await count('visit');
    const r = await t.db.selectFrom('resident').select(['version', 'phone_hash']).where('id', '=', zhang).executeTakeFirstOrThrow();
    const stale = await g.post('/api/visits', visit({
      occurredAt: at(0.5), kind: 'information',
      householdUpdate: { usage: 'rented' },
      residentUpdates: [{ residentId: zhang, version: r.version + 5, phone: '13900001111' }],
    }));
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.field).toBe('residentUpdates.0.version');
    expect(await count('visit')).toBe(visitsBefore);
    const now = await t.db.selectFrom('resident').select(['version', 'phone_hash']).where('id', '=', zhang).executeTakeFirstOrThrow();
    expect(now).toEqual(r);
    expect((await t.db.selectFrom('household').select('usage').where('id', '=', hh1).executeTakeFirstOrThrow()).usage).toBe('owner_occupied');
    const badPhone = await g.post('/api/visits', visit({ occurredAt: at(0.5), residentUpdates: [{ residentId: zhang, version: r.version, phone: '12' }] }));
    expect(badPhone.statusCode).toBe(400);
    expect(badPhone.json().error.field).toBe('residentUpdates.0.phone');

    const ok = await g.post('/api/visits', visit({
      occurredAt: at(0.5), kind: 'information', residentUpdates: [{ residentId: zhang, version: r.version, phone: '13900001111' }],
    }));
    expect(ok.statusCode).toBe(201);
    expect(ok.json().changes).toEqual({ residents: [zhang], household: [] });
    const updated = (await g.get(`/api/residents/${zhang}`)).json();
    expect(updated).toMatchObject({ version: r.version + 1, phone: '139****1111' });
    const history = await t.db.selectFrom('resident_history').select('kind').where('resident_id', '=', zhang).execute();
    expect(history.map((h) => h.kind)).toEqual(['update']);
    const audit = await t.db.selectFrom('audit_log').select('action').where('action', 'in', ['visit.create', 'resident.update']).execute();
    expect(audit.filter((a) => a.action === 'resident.update')).toHaveLength(1);
  });

  it('are out of reach of another grid', async () => {
    const mine = (await (await signedIn(t.app, 'gridA')).get('/api/visits')).json().items[0];
    const b = await signedIn(t.app, 'gridB');
    expect((await b.get(`/api/visits/${mine.id}`)).statusCode).toBe(404);
    expect((await b.get('/api/visits')).json()).toEqual({ items: [], total: 0 });
    expect((await b.get(`/api/fieldwork/visit-status?unitId=${tree.gridA1g1.id}`)).statusCode).toBe(404);
  });
});

describe('patrols and the field diary', () => {
  it('store a patrol sent whole at its end, once', async () => {
    const g = await signedIn(t.app, 'gridA');
    const start = t.clock.now().getTime() - 2 * 3600_000;
    const route = Array.from({ length: 120 }, (_, i) => [114.27 + i * 0.00005, 30.551, start + i * 30_000]);
    const body = { startedAt: new Date(start).toISOString(), endedAt: new Date(start + 3600_000).toISOString(), route, notes: '1栋楼道堆物' };
    const bad = await g.post('/api/patrols', { ...body, route: [[114.27, 30.55, start - 3600_000]] });
    expect(bad.json().error.field).toBe('route.0');
    const backwards = await g.post('/api/patrols', { ...body, endedAt: new Date(start - 60_000).toISOString() });
    expect(backwards.json().error.field).toBe('endedAt');
    const res = await g.request('POST', '/api/patrols', body, { 'idempotency-key': 'patrol-1' });
    expect(res.statusCode).toBe(201);
    const p = res.json();
    expect(p).toMatchObject({ minutes: 60, unit: { id: tree.gridA1g1.id }, notes: '1栋楼道堆物' });
    expect(p.distanceM).toBeGreaterThan(550);
    expect(p.distanceM).toBeLessThan(600);
    expect(p.pointCount).toBeLessThan(120);
    const again = await g.request('POST', '/api/patrols', body, { 'idempotency-key': 'patrol-1' });
    expect(again.json().id).toBe(p.id);
    expect(await count('patrol')).toBe(1);
    expect((await (await signedIn(t.app, 'gridB')).get(`/api/patrols/${p.id}`)).statusCode).toBe(404);
  });

  it('store diary entries tied to a household and people in the grid', async () => {
    const g = await signedIn(t.app, 'gridA');
    const outside = await g.post('/api/diary-entries', { occurredAt: at(1), body: '楼下路灯坏了', householdId: hhB });
    expect(outside.statusCode).toBe(404);
    const res = await g.request('POST', '/api/diary-entries', { occurredAt: at(1), body: '张婆婆说想参加社区老年大学', householdId: hh1, residentIds: [zhang] }, { 'idempotency-key': 'd-1' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ household: { id: hh1, room: '0101', buildingName: '1栋' }, residents: [{ id: zhang, name: '张秀英' }], unit: { id: tree.microA1g1m1.id } });
    expect((await g.get('/api/diary-entries')).json().total).toBe(1);
  });
});

describe('the day', () => {
  it('builds the checklist: due households nearest first, visited ones ticked, the quota', async () => {
    const g = await signedIn(t.app, 'gridA');
    const res = await g.get('/api/checklist?lng=114.2711&lat=30.5511');
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c.quota).toEqual({ perDay: 2, done: 2, met: true });
    const building = c.visits.buildings[0];
    expect(building.buildingName).toBe('1栋');
    expect(building.distanceM).toBeLessThan(30);
    expect(building.items.map((i: { householdId: string; ticked: boolean }) => [i.householdId, i.ticked])).toEqual([[hh2, false], [hh1, true]]);
    expect(c.visits.buildings.flatMap((b: { items: { householdId: string }[] }) => b.items.map((i) => i.householdId))).not.toContain(hhOther);
    expect(c.omitted).toHaveLength(1);
    expect((await (await signedIn(t.app, 'streetB')).get('/api/checklist')).statusCode).toBe(403);
  });

  it('gives the phone only its own grid, masked', async () => {
    const g = await signedIn(t.app, 'gridA');
    const res = await g.get('/api/fieldwork/offline-pack');
    expect(res.statusCode).toBe(200);
    const pack = res.json();
    expect(pack.grids.map((u: { id: string }) => u.id)).toEqual([tree.gridA1g1.id]);
    expect(pack.households.map((h: { householdId: string }) => h.householdId).sort()).toEqual([hh1, hh2].sort());
    expect(pack.residents.map((r: { id: string }) => r.id)).toEqual([zhang]);
    expect(pack.residents[0]).toMatchObject({ idNumber: `420105********${ZHANG_ID.slice(-4)}`, phone: '139****1111' });
    expect(res.body).not.toContain(ZHANG_ID);
    expect(res.body).not.toContain('13900001111');
    expect(res.body).not.toContain(ZHANG_PHONE);
    const b = (await (await signedIn(t.app, 'gridB')).get('/api/fieldwork/offline-pack')).json();
    expect(b.households.map((h: { householdId: string }) => h.householdId)).toEqual([hhB]);
    expect(b.residents).toEqual([]);
  });
});

describe('supervision', () => {
  it('counts exactly the recorded work, per worker and per grid', async () => {
    const q = `unitId=${tree.commA1.id}&from=2026-11-01&to=2026-11-30`;
    expect((await (await signedIn(t.app, 'gridA')).get(`/api/fieldwork/compliance?${q}`)).statusCode).toBe(403);
    expect((await (await signedIn(t.app, 'streetB')).get(`/api/fieldwork/compliance?${q}`)).statusCode).toBe(404);
    const c = await signedIn(t.app, 'commA1');
    const wrong = await c.get(`/api/fieldwork/compliance?unitId=${tree.commA1.id}&from=2026-11-30&to=2026-11-01`);
    expect(wrong.json().error.field).toBe('to');
    const res = await c.get(`/api/fieldwork/compliance?${q}`);
    expect(res.statusCode).toBe(200);
    const view = res.json();
    const worker = view.workers.find((w: { id: string }) => w.id === gridAId);
    const visitsByA = await t.db.selectFrom('visit').select(['household_id']).where('visitor_id', '=', gridAId).execute();
    expect(worker.grid.id).toBe(tree.gridA1g1.id);
    // 20 days (1–20 November, today the 20th): hh1 20/7 + hh2 20/90 = 3.08
    expect(worker.figures).toEqual({
      households: 2, specialHouseholds: 1, visitsDone: visitsByA.length, householdsVisited: 1, visitsDue: 3, overdueSpecial: 0,
      quotaDaysMet: 1, days: 20, patrols: 1, patrolHours: 1, patrolDistanceM: expect.any(Number), casesFound: 0, diaryEntries: 1,
    });
    const grid = view.grids.find((x: { grid: { id: string } }) => x.grid.id === tree.gridA1g1.id);
    // The community staff's visit counts for the grid, not for the worker.
    expect(grid).toMatchObject({ workers: 1, figures: { visitsDone: visitsByA.length + 1, households: 2 } });
    expect(view.grids.find((x: { grid: { id: string } }) => x.grid.id === tree.gridA1g2.id).figures).toMatchObject({ households: 1, visitsDone: 0 });

    const day = await c.get(`/api/fieldwork/workers/${gridAId}/day?date=2026-11-20`);
    expect(day.statusCode).toBe(200);
    expect(day.json()).toMatchObject({ worker: { name: '黄艳娇' }, date: '2026-11-20' });
    expect(day.json().visits).toHaveLength(visitsByA.length);
    expect(day.json().patrols).toHaveLength(1);
    expect((await (await signedIn(t.app, 'gridB')).get(`/api/fieldwork/workers/${gridAId}/day?date=2026-11-20`)).statusCode).toBe(404);
  });

  it('exports the figures as xlsx, audited', async () => {
    const c = await signedIn(t.app, 'commA1');
    const res = await c.get(`/api/fieldwork/compliance.xlsx?unitId=${tree.commA1.id}&from=2026-11-01&to=2026-11-30`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(res.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const audit = await t.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'fieldwork.export').execute();
    expect(audit).toHaveLength(1);
  });

  it('sees a special household turn overdue once its interval passes', async () => {
    t.clock.advance(8 * 86_400_000);
    const c = await signedIn(t.app, 'commA1');
    const status = (await c.get(`/api/fieldwork/visit-status?unitId=${tree.gridA1g1.id}&state=overdue`)).json();
    expect(status.items.map((h: { householdId: string; daysOverdue: number }) => [h.householdId, h.daysOverdue])).toEqual([[hh1, 1]]);
    const view = (await c.get(`/api/fieldwork/compliance?unitId=${tree.commA1.id}&from=2026-11-01&to=2026-11-30`)).json();
    expect(view.workers.find((w: { id: string }) => w.id === gridAId).figures.overdueSpecial).toBe(1);
  });
});
