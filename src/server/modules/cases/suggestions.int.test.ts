import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { addDepartmentMember, ensureStandardDepartments } from './departments.service.js';
import { caseText } from '../../demo/case-texts.js';
import { Random } from '../../demo/random.js';
import { MIN_CLOSED_CASES } from './suggestions.service.js';
import type { CaseRow } from './cases.queries.js';

let t: TestApp;
let tree: Tree;
let depts: Record<string, string>;
let resident: Client;
let comm: Client;
let commB: Client;
let street: Client;
let worker1: Client;
let ecology: Client;
let urban: Client;
let reporterId: string;

/** Points inside grid A1g1 and A1g2 (see buildTree). */
const IN_G1 = { lng: 114.272, lat: 30.552 };
const IN_G2 = { lng: 114.277, lat: 30.552 };
const PARKING = 'eight_disorders.parking';
const GARBAGE = 'city_appearance.exposed_garbage';
const EBIKE = 'safety_hazard.ebike_charging';
const BURNING = 'city_appearance.open_burning';

async function ok<T = any>(res: { statusCode: number; body: string; json(): any }, status = 200): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json();
}
const step = async (c: Client, id: string, action: string, body: Record<string, unknown> = {}) => ok(await c.post(`/api/cases/${id}/actions/${action}`, body));

let serial = 0;
type Place = { id: string; path: string; region_code: string };
/** A case row written directly (the loop itself is tested in cases.int.test.ts). */
async function insertCase(o: {
  code: string; text: string; grid: Place; handling?: Place & { level: 'grid' | 'community' | 'street' | 'district' };
  state?: CaseRow['state']; lng?: number; lat?: number; createdAt?: Date; handler?: { unit?: Place; department?: string }; mergedInto?: string;
}): Promise<string> {
  const cat = await t.db.selectFrom('case_category').select('id').where('code', '=', o.code).executeTakeFirstOrThrow();
  const h = o.handling ?? { ...o.grid, level: 'grid' as const };
  const created = o.createdAt ?? t.clock.now();
  const state = o.state ?? 'closed';
  const { id } = await t.db.insertInto('cases').values({
    number: `T-${++serial}`, category_id: cat.id, description: o.text, source: 'patrol', urgency: 'normal', state,
    lng: o.lng ?? IN_G1.lng, lat: o.lat ?? IN_G1.lat, unit_id: o.grid.id, unit_path: o.grid.path, region_code: o.grid.region_code,
    handling_unit_id: h.id, handling_path: h.path, handling_level: h.level, reporter_user_id: reporterId,
    closed_at: state === 'closed' ? new Date(created.getTime() + 3_600_000) : null,
    merged_into: o.mergedInto ?? null,
    created_at: created, updated_at: created,
  }).returning('id').executeTakeFirstOrThrow();
  if (o.handler) {
    await t.db.insertInto('work_order').values({
      case_id: id, lead: true, state: 'done', finished_at: created,
      ...(o.handler.unit
        ? { assignee_kind: 'unit', assignee_unit_id: o.handler.unit.id, assignee_unit_path: o.handler.unit.path }
        : { assignee_kind: 'department', assignee_department_id: o.handler.department! }),
    }).execute();
  }
  return id;
}

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'resident1', 'resident', tree.gridA1g1, { displayName: '李居民' });
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  // The cases written directly were reported by someone none of the signed-in callers is.
  reporterId = await makeUser(t.ctx, 'someone', 'volunteer', tree.district);
  await makeUser(t.ctx, 'streetA', 'street_staff', tree.streetA);
  await makeUser(t.ctx, 'commB1', 'community_staff', tree.commB1);
  await makeUser(t.ctx, 'worker1', 'grid_worker', tree.gridA1g1);
  depts = await ensureStandardDepartments(t.db, tree.district);
  for (const [user, code] of [['ecology', 'ecology'], ['urban', 'urban_management']] as const) {
    const id = await makeUser(t.ctx, user, 'department_handler', tree.district);
    await addDepartmentMember(t.db, depts[code]!, id);
  }
  // What community A1 has closed: parking → traffic police, rubbish → its grid, e-bikes → the community.
  const r = new Random(42);
  const community = { ...tree.commA1, level: 'community' as const };
  for (let i = 0; i < 16; i++) {
    await insertCase({ code: PARKING, text: caseText(r, PARKING), grid: tree.gridA1g1, handler: { department: depts.traffic_police! } });
    await insertCase({ code: GARBAGE, text: caseText(r, GARBAGE), grid: tree.gridA1g1, handler: { unit: tree.gridA1g1 } });
    await insertCase({ code: EBIKE, text: caseText(r, EBIKE), grid: tree.gridA1g2, handling: community, handler: { unit: tree.commA1 } });
  }
  // Community A2 has closed too few of its own.
  for (let i = 0; i < 3; i++) await insertCase({ code: GARBAGE, text: caseText(r, GARBAGE), grid: tree.gridA2g1 });
  resident = await signedIn(t.app, 'resident1');
  comm = await signedIn(t.app, 'commA1');
  commB = await signedIn(t.app, 'commB1');
  street = await signedIn(t.app, 'streetA');
  worker1 = await signedIn(t.app, 'worker1');
  ecology = await signedIn(t.app, 'ecology');
  urban = await signedIn(t.app, 'urban');
});
afterAll(() => t.close());

describe('POST /api/cases/suggest', () => {
  it('401 → 400 naming the field → 403', async () => {
    expect((await new Client(t.app).post('/api/cases/suggest', { description: '乱停车' })).statusCode).toBe(401);
    const none = await resident.post('/api/cases/suggest', {});
    expect(none.statusCode).toBe(400);
    expect(none.json().error.field).toBe('description');
    const half = await resident.post('/api/cases/suggest', { description: '乱停车', lng: IN_G1.lng });
    expect(half.json().error).toMatchObject({ field: 'lat', message: '纬度：经度和纬度须同时提供' });
    resident.lang = 'en';
    const outside = await resident.post('/api/cases/suggest', { description: '乱停车', lng: 114.5, lat: 30.9 });
    expect(outside.json().error).toMatchObject({ field: 'lng', message: 'Longitude: This place lies in no grid; check the location' });
    resident.lang = 'zh-CN';
    const unit = await resident.post('/api/cases/suggest', { description: '乱停车', unitId: tree.commB1.id });
    expect(unit.json().error).toMatchObject({ field: 'unitId' });
    // A department handler reports nothing.
    expect((await urban.post('/api/cases/suggest', { description: '乱停车' })).statusCode).toBe(403);
  });

  it('suggests the top three categories, sorted, confidences summing to at most 1; no handlers for a resident', async () => {
    const s = await ok(await resident.post('/api/cases/suggest', { description: '小区门口消防通道有车乱停，堵住了路', ...IN_G1 }));
    expect(s.categories).toHaveLength(3);
    expect(s.categories[0]).toMatchObject({ code: PARKING, name: '车乱停' });
    const conf = s.categories.map((c: { confidence: number }) => c.confidence);
    expect([...conf].sort((a, b) => b - a)).toEqual(conf);
    expect(conf.reduce((a: number, b: number) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(s.handlers).toEqual([]);
    expect(s.trainedOn).toMatchObject({ count: 48, unit: { id: tree.commA1.id, level: 'community' } });
  });

  it('suggests valid handlers to a dispatcher there: a grid case goes to its grid or a department, never the community', async () => {
    const s = await ok(await comm.post('/api/cases/suggest', { description: '楼道里有人给电动车充电，拉了飞线', ...IN_G1 }));
    expect(s.categories[0].code).toBe(EBIKE);
    // An e-bike case starts at the grid (its category's level): the community is not a target of it.
    expect(s.handlers.length).toBeGreaterThan(0);
    expect(s.handlers.map((h: { id: string }) => h.id)).not.toContain(tree.commA1.id);
    const parking = await ok(await comm.post('/api/cases/suggest', { description: '人行道上乱停车', ...IN_G1 }));
    expect(parking.handlers[0]).toMatchObject({ kind: 'department', id: depts.traffic_police, name: '交通警察大队' });
    expect(parking.handlers.reduce((a: number, h: { confidence: number }) => a + h.confidence, 0)).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('falls back to the street when the community has closed too few', async () => {
    const s = await ok(await street.post('/api/cases/suggest', { description: '路边垃圾堆了好几天', unitId: tree.gridA2g1.id }));
    expect(s.trainedOn).toMatchObject({ count: 48 + 3, unit: { id: tree.streetA.id, level: 'street' } });
    expect(s.categories[0].code).toBe(GARBAGE);
    expect(3).toBeLessThan(MIN_CLOSED_CASES);
  });

  it('retrains as cases close: a case closed through the loop changes the next suggestion', async () => {
    const text = '空地上焚烧塑料垃圾，浓烟滚滚';
    const before = await ok(await comm.post('/api/cases/suggest', { description: text, ...IN_G1 }));
    expect(before.categories.map((c: { code: string }) => c.code)).not.toContain(BURNING);
    const c = await ok(await resident.post('/api/cases', { categoryCode: BURNING, description: '有人在空地焚烧塑料，浓烟很大', ...IN_G1 }), 201);
    await step(comm, c.id, 'accept');
    await step(comm, c.id, 'dispatch', { departmentId: depts.ecology });
    await step(ecology, c.id, 'claim');
    await step(ecology, c.id, 'feed_back', { note: '已制止' });
    await step(worker1, c.id, 'verify_pass');
    const closed = await step(comm, c.id, 'close');
    expect(closed.state).toBe('closed');
    const after = await ok(await comm.post('/api/cases/suggest', { description: text, ...IN_G1 }));
    expect(after.trainedOn.count).toBe(before.trainedOn.count + 1);
    expect(after.categories[0].code).toBe(BURNING);
    expect(after.handlers[0]).toMatchObject({ kind: 'department', id: depts.ecology });
  });
});

describe('GET /api/cases/:id/suggestion and /dispatch-targets', () => {
  let gridCase: string;
  let commCase: string;
  let otherCase: string;
  beforeAll(async () => {
    gridCase = (await ok(await resident.post('/api/cases', { categoryCode: PARKING, description: '单元门口有车长期占用消防通道', ...IN_G1 }), 201)).id;
    // Construction noise starts at the community.
    commCase = (await ok(await comm.post('/api/cases', { categoryCode: 'construction.construction_noise', description: '工地半夜打桩', ...IN_G2 }), 201)).id;
    otherCase = await insertCase({ code: PARKING, text: '乱停车', grid: tree.gridB1g1, state: 'reported' });
  });

  it('404 for a case out of sight; 403 for targets when not its dispatcher', async () => {
    for (const path of ['suggestion', 'dispatch-targets', 'duplicates']) {
      expect((await comm.get(`/api/cases/${otherCase}/${path}`)).statusCode).toBe(404);
      expect((await resident.get(`/api/cases/${otherCase}/${path}`)).statusCode).toBe(404);
    }
    expect((await worker1.get(`/api/cases/${gridCase}/dispatch-targets`)).statusCode).toBe(403);
    expect((await resident.get(`/api/cases/${gridCase}/dispatch-targets`)).statusCode).toBe(403);
    expect((await new Client(t.app).get(`/api/cases/${gridCase}/dispatch-targets`)).statusCode).toBe(401);
  });

  it('lists the handling unit’s subtree without micro-grids, and the departments serving it', async () => {
    const grid = await ok(await comm.get(`/api/cases/${gridCase}/dispatch-targets`));
    expect(grid.units.map((u: { id: string }) => u.id)).toEqual([tree.gridA1g1.id]);
    expect(grid.departments).toHaveLength(12);
    expect(grid.departments[0]).toMatchObject({ unit: { id: tree.district.id } });
    const community = await ok(await comm.get(`/api/cases/${commCase}/dispatch-targets`));
    expect(community.units.map((u: { id: string }) => u.id)).toEqual([tree.commA1.id, tree.gridA1g1.id, tree.gridA1g2.id]);
    // Every target is accepted by the dispatch step itself.
    await step(comm, commCase, 'accept');
    const done = await step(comm, commCase, 'dispatch', { unitId: community.units[2].id });
    expect(done.state).toBe('dispatched');
  });

  it('suggests for a case: handlers among its targets for its dispatcher, categories only for others', async () => {
    const s = await ok(await comm.get(`/api/cases/${gridCase}/suggestion`));
    expect(s.categories[0].code).toBe(PARKING);
    expect(s.handlers[0]).toMatchObject({ kind: 'department', id: depts.traffic_police });
    const targets = await ok(await comm.get(`/api/cases/${gridCase}/dispatch-targets`));
    const valid = new Set([...targets.units.map((u: { id: string }) => u.id), ...targets.departments.map((d: { id: string }) => d.id)]);
    for (const h of s.handlers) expect(valid.has(h.id)).toBe(true);
    const mine = await ok(await resident.get(`/api/cases/${gridCase}/suggestion`));
    expect(mine.categories[0].code).toBe(PARKING);
    expect(mine.handlers).toEqual([]);
  });
});

describe('likely duplicates', () => {
  const days = (n: number) => new Date(t.clock.now().getTime() - n * 86_400_000);
  // About 50 m and 100 m east of IN_G1, 300 m east (too far).
  const east = (m: number) => ({ lng: IN_G1.lng + m / (111_320 * Math.cos((IN_G1.lat * Math.PI) / 180)), lat: IN_G1.lat });
  let base: string;
  let near50: string;
  let near100: string;
  let elsewhere: string;

  beforeAll(async () => {
    const cat = 'eight_disorders.debris';
    base = (await ok(await resident.post('/api/cases', { categoryCode: cat, description: '楼下乱倒装修垃圾', ...IN_G1 }), 201)).id;
    near100 = await insertCase({ code: cat, text: '路边有人倒建筑垃圾', grid: tree.gridA1g1, state: 'accepted', ...east(100), createdAt: days(2) });
    near50 = await insertCase({ code: cat, text: '绿化带堆了装修废料', grid: tree.gridA1g1, state: 'dispatched', ...east(50), createdAt: days(1) });
    await insertCase({ code: cat, text: '太远', grid: tree.gridA1g1, state: 'reported', ...east(300) });
    await insertCase({ code: cat, text: '已办结', grid: tree.gridA1g1, state: 'closed', ...east(20) });
    await insertCase({ code: cat, text: '已合并', grid: tree.gridA1g1, state: 'merged', mergedInto: near50, ...east(20) });
    await insertCase({ code: cat, text: '太久以前', grid: tree.gridA1g1, state: 'reported', ...east(20), createdAt: days(40) });
    await insertCase({ code: GARBAGE, text: '别的类型', grid: tree.gridA1g1, state: 'reported', ...east(10) });
    // Near, open, same category, but recorded in community B1: out of commA1's sight.
    elsewhere = await insertCase({ code: cat, text: '晴川社区的事件', grid: tree.gridB1g1, state: 'reported', ...east(30) });
  });

  it('on the case page: open, same category, near, recent, visible; nearest first', async () => {
    const res = await ok(await comm.get(`/api/cases/${base}/duplicates`));
    expect(res.items.map((x: { case: { id: string } }) => x.case.id)).toEqual([near50, near100]);
    expect(res.items[0].distanceM).toBeGreaterThan(40);
    expect(res.items[0].distanceM).toBeLessThan(60);
    expect(res.items[1].distanceM).toBeGreaterThan(90);
    expect(res.items[1].distanceM).toBeLessThan(110);
    expect(res.items[0].case).toMatchObject({ number: expect.any(String), description: '绿化带堆了装修废料', state: 'dispatched' });
    // commB1 sees its own case near the point, not A1's (404 for A1's case itself).
    expect((await commB.get(`/api/cases/${base}/duplicates`)).statusCode).toBe(404);
  });

  it('before reporting: a resident sees only number, category, state, distance and date of others’ cases', async () => {
    expect((await new Client(t.app).post('/api/cases/likely-duplicates', { categoryCode: 'eight_disorders.debris', ...IN_G1 })).statusCode).toBe(401);
    const bad = await resident.post('/api/cases/likely-duplicates', { categoryCode: 'no_such.code', ...IN_G1 });
    expect(bad.json().error).toMatchObject({ field: 'categoryCode' });
    expect((await resident.post('/api/cases/likely-duplicates', { categoryCode: 'eight_disorders.debris', lng: IN_G1.lng })).json().error.field).toBe('lat');
    const res = await ok(await resident.post('/api/cases/likely-duplicates', { categoryCode: 'eight_disorders.debris', ...IN_G1 }));
    expect(res.items).toHaveLength(4);
    // Their own report in full; the others bare.
    const own = res.items.find((x: { case: { id: string } | null }) => x.case?.id === base);
    expect(own.distanceM).toBe(0);
    const others = res.items.filter((x: { case: unknown }) => x.case === null);
    expect(others).toHaveLength(3);
    for (const o of others) {
      expect(Object.keys(o).sort()).toEqual(['case', 'category', 'distanceM', 'number', 'reportedAt', 'state']);
      expect(JSON.stringify(o)).not.toMatch(/装修|晴川|description|reporter/);
    }
    const distances = res.items.map((x: { distanceM: number }) => x.distanceM);
    expect([...distances].sort((a, b) => a - b)).toEqual(distances);
  });

  it('before reporting: staff get the summaries of the cases in their scope', async () => {
    const res = await ok(await comm.post('/api/cases/likely-duplicates', { categoryCode: 'eight_disorders.debris', ...IN_G1 }));
    const inScope = res.items.filter((x: { case: unknown }) => x.case !== null).map((x: { case: { id: string } }) => x.case.id);
    expect(inScope.sort()).toEqual([base, near50, near100].sort());
    const bare = res.items.find((x: { case: unknown }) => x.case === null);
    expect(bare).toBeDefined();
    expect(elsewhere).toBeDefined();
  });

  it('the panel’s one-click merge works with the data it shows', async () => {
    const res = await ok(await comm.get(`/api/cases/${base}/duplicates`));
    const merged = await step(comm, base, 'merge', { targetId: res.items[0].case.id });
    expect(merged).toMatchObject({ state: 'merged', mergedInto: { id: near50 } });
    // A merged case is no longer anyone's duplicate.
    const again = await ok(await comm.get(`/api/cases/${near100}/duplicates`));
    expect(again.items.map((x: { case: { id: string } }) => x.case.id)).toEqual([near50]);
  });
});
