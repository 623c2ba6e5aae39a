import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { addDepartmentMember, ensureStandardDepartments } from './departments.service.js';
import * as Q from './cases.queries.js';
import { loadActor } from '../../core/auth/load-actor.js';
import type { CaseListQuery } from '../../../shared/cases.schemas.js';

let t: TestApp;
let tree: Tree;
let resident: Client;
let comm: Client;
let worker1: Client;
let worker2: Client;
let street: Client;
let urban: Client;
let housing: Client;
let ecology: Client;
let depts: Record<string, string>;

/** A point inside grid A1g1 and one inside A1g2 (see buildTree). */
const IN_G1 = { lng: 114.272, lat: 30.552 };
const IN_G2 = { lng: 114.277, lat: 30.552 };
const GARBAGE = 'city_appearance.exposed_garbage';

async function ok<T = any>(res: { statusCode: number; body: string; json(): any }, status = 200): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json();
}
const act = (c: Client, id: string, action: string, body: Record<string, unknown> = {}) => c.post(`/api/cases/${id}/actions/${action}`, body);
const step = async (c: Client, id: string, action: string, body: Record<string, unknown> = {}) => ok(await act(c, id, action, body));
const report = async (c: Client, body: Record<string, unknown> = {}) =>
  ok(await c.post('/api/cases', { categoryCode: GARBAGE, description: '小区门口垃圾堆积', ...IN_G1, ...body }), 201);
const actionsOf = async (c: Client, id: string) => (await ok(await c.get(`/api/cases/${id}`))).actions;
const listIds = async (c: Client, query = '') => (await ok(await c.get(`/api/cases?limit=200${query}`))).items.map((x: { id: string }) => x.id);

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'resident1', 'resident', tree.gridA1g1, { displayName: '李居民' });
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'worker1', 'grid_worker', tree.gridA1g1);
  await makeUser(t.ctx, 'worker2', 'grid_worker', tree.gridA1g2);
  await makeUser(t.ctx, 'streetA', 'street_staff', tree.streetA);
  depts = await ensureStandardDepartments(t.db, tree.district);
  for (const [user, code] of [['urban', 'urban_management'], ['housing', 'housing'], ['ecology', 'ecology']] as const) {
    const id = await makeUser(t.ctx, user, 'department_handler', tree.district);
    await addDepartmentMember(t.db, depts[code]!, id);
  }
  await signInAll();
});

/** Sign everyone in (again, after the clock has moved past the sessions' idle time). */
async function signInAll() {
  resident = await signedIn(t.app, 'resident1');
  comm = await signedIn(t.app, 'commA1');
  worker1 = await signedIn(t.app, 'worker1');
  worker2 = await signedIn(t.app, 'worker2');
  street = await signedIn(t.app, 'streetA');
  urban = await signedIn(t.app, 'urban');
  housing = await signedIn(t.app, 'housing');
  ecology = await signedIn(t.app, 'ecology');
}

/** Move the test clock to a Beijing wall-clock time (or by ms) and sign in again. */
async function moveClock(to: string | number) {
  t.clock.advance(typeof to === 'number' ? to : new Date(to).getTime() - t.clock.now().getTime());
  await signInAll();
}
afterAll(() => t.close());

describe('POST /api/cases', () => {
  it('401 without a session', async () => {
    expect((await new Client(t.app).post('/api/cases', { categoryCode: GARBAGE, description: 'x', ...IN_G1 })).statusCode).toBe(401);
  });

  it('400 naming the field: category, description, place outside every grid, source, hotline fields', async () => {
    const base = { categoryCode: GARBAGE, description: '垃圾', ...IN_G1 };
    const none = await resident.post('/api/cases', { ...base, categoryCode: undefined });
    expect(none.json().error).toMatchObject({ field: 'categoryCode', message: '事件类型：必填' });
    const unknown = await resident.post('/api/cases', { ...base, categoryCode: 'no_such.thing' });
    expect(unknown.json().error).toMatchObject({ field: 'categoryCode', message: '事件类型：事件类型不存在或已停用' });
    const empty = await resident.post('/api/cases', { ...base, description: '  ' });
    expect(empty.json().error.field).toBe('description');
    const outside = await resident.post('/api/cases', { ...base, lng: 114.5, lat: 30.9 });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error).toMatchObject({ field: 'lng', message: '经度：该位置不在任何网格内，请确认定位' });
    const source = await resident.post('/api/cases', { ...base, source: 'hotline' });
    expect(source.json().error).toMatchObject({ field: 'source' });
    const hotline = await comm.post('/api/cases', { ...base, hotlineOrderNo: '12345-1' });
    expect(hotline.json().error).toMatchObject({ field: 'hotlineOrderNo' });
    const open311 = await comm.post('/api/cases', { ...base, source: 'open311' });
    expect(open311.json().error.field).toBe('source');
    resident.lang = 'en';
    const en = await resident.post('/api/cases', { ...base, lng: 114.5, lat: 30.9 });
    expect(en.json().error.message).toBe('Longitude: This place lies in no grid; check the location');
    resident.lang = 'zh-CN';
  });

  it('403 for a role that may not report; 400 on lng outside the reporter’s own area', async () => {
    expect((await urban.post('/api/cases', { categoryCode: GARBAGE, description: 'x', ...IN_G1 })).statusCode).toBe(403);
    const res = await worker2.post('/api/cases', { categoryCode: GARBAGE, description: 'x', ...IN_G1 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ field: 'lng', message: '经度：该位置不在您可以上报的范围内' });
  });

  it('places the case in its grid, starts it at the category’s level and numbers it by district and day', async () => {
    const c = await report(resident, { address: '钟家村路 5 号', reporterPhone: '13812345678' });
    expect(c.number).toMatch(/^HY-20261120-\d{4}$/);
    expect(c).toMatchObject({
      state: 'reported', stage: 'accept', source: 'resident', urgency: 'normal', overdueLevel: 'green',
      unit: { id: tree.gridA1g1.id, level: 'grid' }, handlingUnit: { id: tree.gridA1g1.id, level: 'grid' },
      category: { code: GARBAGE, name: '暴露垃圾' },
      reporter: { name: '李居民', phone: '138****5678', isMe: true },
      actions: [],
    });
    expect(c.timeline).toMatchObject([{ action: 'report', fromState: null, toState: 'reported', actor: '李居民' }]);
    // The phone is stored only encrypted, with its blind index.
    const row = await t.db.selectFrom('cases').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row.reporter_phone_enc).not.toContain('13812345678');
    expect(row.reporter_phone_hash).toBe(t.ctx.cipher.blindIndex('13812345678'));
    // A street-level category starts at the street (大事不出社区 the other way round).
    const collapse = await report(worker1, { categoryCode: 'emergency.road_collapse', description: '路面塌陷', urgency: 'critical' });
    expect(collapse).toMatchObject({ source: 'patrol', handlingUnit: { id: tree.streetA.id, level: 'street' }, stageLimitUnit: 'clock_hours' });
  });
});

describe('the closed loop by API', () => {
  it('report → accept → dispatch to the grid → claim → feed back → verify → close → dissatisfied → reopened → closed → satisfied', async () => {
    const c = await report(resident);
    const id = c.id;
    expect(await actionsOf(comm, id)).toEqual(['accept', 'reject', 'merge']);
    expect(await actionsOf(worker1, id)).toEqual([]);

    // A resident may see their case but not accept it: 403 with the machine's reason.
    const notMine = await act(resident, id, 'accept');
    expect(notMine.statusCode).toBe(403);
    expect(notMine.json().error.message).toBe('您不能对该事件执行此操作');

    let v = await step(comm, id, 'accept', { version: 1 });
    expect(v).toMatchObject({ state: 'accepted', stage: 'accept', version: 2 });
    // A stale version is refused.
    const stale = await act(comm, id, 'dispatch', { version: 1, unitId: tree.gridA1g1.id });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'conflict', field: 'version' });
    // Dispatch needs a target inside the handling unit.
    expect((await act(comm, id, 'dispatch', {})).json().error).toMatchObject({ field: 'unitId', message: '所属单元：请选择派往的单元或部门' });
    expect((await act(comm, id, 'dispatch', { unitId: tree.gridA1g2.id })).json().error).toMatchObject({ field: 'unitId' });

    v = await step(comm, id, 'dispatch', { unitId: tree.gridA1g1.id, note: '请尽快清理' });
    expect(v).toMatchObject({ state: 'dispatched', stage: 'handle', workOrders: [{ assignee: { kind: 'unit', unit: { id: tree.gridA1g1.id } }, state: 'dispatched', lead: true }] });
    expect(await actionsOf(worker1, id)).toEqual(['claim', 'return', 'escalate', 'request_extension']);

    // Wrong state: 409 naming the state.
    const early = await act(worker1, id, 'feed_back', { note: '已清理' });
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({ code: 'wrong_state', message: '事件处于“待接单”状态，现在不能执行此操作' });

    await step(worker1, id, 'claim');
    v = await step(worker1, id, 'feed_back', { note: '已清理完毕' });
    expect(v).toMatchObject({ state: 'handled', stage: 'verify' });
    expect(await actionsOf(worker1, id)).toEqual(['verify_pass', 'verify_fail']);
    await step(worker1, id, 'verify_pass', { note: '现场已干净' });
    v = await step(comm, id, 'close');
    expect(v).toMatchObject({ state: 'closed', stage: 'rate', rating: null });
    expect(await actionsOf(resident, id)).toEqual(['rate']);

    // 不满意 → 二次办理: back to the grid that handled it.
    v = await step(resident, id, 'rate', { rating: 'dissatisfied', comment: '第二天又堆满了' });
    expect(v).toMatchObject({ state: 'dispatched', stage: 'handle', reopenCount: 1, rating: null });
    expect(v.workOrders.at(-1)).toMatchObject({ assignee: { kind: 'unit', unit: { id: tree.gridA1g1.id } }, state: 'dispatched' });
    await step(worker1, id, 'claim');
    await step(worker1, id, 'feed_back', { note: '已清理并设置提示牌' });
    await step(worker1, id, 'verify_pass');
    await step(comm, id, 'close');
    v = await step(resident, id, 'rate', { rating: 'satisfied' });
    expect(v).toMatchObject({ state: 'closed', stage: null, rating: 'satisfied', reopenCount: 1, actions: [] });
    const again = await act(resident, id, 'rate', { rating: 'satisfied' });
    expect(again.statusCode).toBe(409);

    // Every step has its timeline row and its audit row.
    const expected = ['report', 'accept', 'dispatch', 'claim', 'feed_back', 'verify_pass', 'close', 'rate', 'claim', 'feed_back', 'verify_pass', 'close', 'rate'];
    expect(v.timeline.map((e: { action: string }) => e.action)).toEqual(expected);
    expect(v.timeline[7]).toMatchObject({ fromState: 'closed', toState: 'dispatched', detail: { rating: 'dissatisfied', reopened: true }, note: '第二天又堆满了' });
    const audits = await t.db.selectFrom('audit_log').select('action').where('resource_type', '=', 'case').where('resource_id', '=', id).orderBy('id').execute();
    expect(audits.map((a) => a.action)).toEqual(expected.map((a) => `case.${a}`));
  });

  it('escalates grid → community → street; the street whistles two departments; the lead feeds back after the other reported back', async () => {
    const { id } = await report(resident, { categoryCode: 'eight_disorders.posters', description: '楼道小广告反复出现' });
    await step(comm, id, 'accept');
    await step(comm, id, 'dispatch', { unitId: tree.gridA1g1.id });
    await step(worker1, id, 'claim');
    let v = await step(worker1, id, 'escalate', { reason: '涉及多栋楼，需社区协调' });
    expect(v).toMatchObject({ state: 'accepted', handlingUnit: { id: tree.commA1.id, level: 'community' }, stage: 'accept' });
    expect(v.workOrders[0].state).toBe('returned');
    // A community cannot whistle.
    const whistle = await act(comm, id, 'whistle', { departmentIds: [depts.urban_management], leadDepartmentId: depts.urban_management });
    expect(whistle.statusCode).toBe(409);
    expect(whistle.json().error).toMatchObject({ code: 'whistle_level', message: '只有街道或区级可以吹哨调度部门' });
    v = await step(comm, id, 'escalate', { reason: '需街道调度执法力量' });
    expect(v).toMatchObject({ state: 'accepted', handlingUnit: { id: tree.streetA.id, level: 'street' } });
    expect(await actionsOf(comm, id)).toEqual([]);
    expect(await actionsOf(street, id)).toEqual(['merge', 'dispatch', 'whistle', 'escalate']);

    const served = (await ok(await street.get(`/api/cases/${id}/departments`))).items.map((d: { code: string }) => d.code);
    expect(served).toContain('urban_management');
    const bad = await act(street, id, 'whistle', { departmentIds: [depts.urban_management, depts.housing], leadDepartmentId: depts.ecology });
    expect(bad.json().error.field).toBe('leadDepartmentId');

    v = await step(street, id, 'whistle', { departmentIds: [depts.urban_management, depts.housing], leadDepartmentId: depts.urban_management, note: '城管牵头，住建配合' });
    expect(v.state).toBe('dispatched');
    expect(v.workOrders.filter((o: { state: string }) => o.state === 'dispatched').map((o: any) => [o.assignee.department.code, o.lead]))
      .toEqual([['urban_management', true], ['housing', false]]);

    // The co-department claims first: the handling has started.
    expect(await actionsOf(housing, id)).toEqual(['claim', 'return']);
    v = await step(housing, id, 'claim');
    expect(v.state).toBe('in_progress');
    expect(await actionsOf(urban, id)).toEqual(['claim', 'return', 'escalate', 'request_extension']);
    await step(urban, id, 'claim');
    const tooSoon = await act(urban, id, 'feed_back', { note: '已清理' });
    expect(tooSoon.statusCode).toBe(409);
    expect(tooSoon.json().error.code).toBe('co_orders_open');
    v = await step(housing, id, 'feed_back', { note: '已督促物业加装公告栏' });
    expect(v.state).toBe('in_progress');
    expect(v.timeline.at(-1)).toMatchObject({ action: 'report_back', fromState: 'in_progress', toState: 'in_progress' });
    v = await step(urban, id, 'feed_back', { note: '已清理并立案处罚' });
    expect(v.state).toBe('handled');
    await step(worker1, id, 'verify_pass');
    v = await step(street, id, 'close');
    expect(v.state).toBe('closed');
  });

  it('supervises from above, takes an extension request one level up, and merges a duplicate', async () => {
    const { id } = await report(resident);
    await step(comm, id, 'accept');
    await step(comm, id, 'dispatch', { unitId: tree.gridA1g1.id });
    await step(worker1, id, 'claim');
    let v = await step(worker1, id, 'request_extension', { amount: 2, reason: '需协调清运车辆' });
    expect(v.extensionRequests).toMatchObject([{ amount: 2, unit: 'working_days', state: 'pending' }]);
    expect((await act(worker1, id, 'request_extension', { amount: 1, reason: '再延' })).json().error.code).toBe('extension_pending');
    const before = v.stageDeadline;
    // The community is above the grid but holds no case.supervise; the street decides.
    expect((await act(comm, id, 'decide_extension', { approve: true })).statusCode).toBe(403);
    v = await step(street, id, 'decide_extension', { approve: true, note: '同意' });
    expect(v.extensionRequests[0].state).toBe('approved');
    expect(new Date(v.stageDeadline).getTime()).toBeGreaterThan(new Date(before).getTime());
    v = await step(street, id, 'supervise', { mark: 'red', comment: '群众反映强烈，限期办结' });
    expect(v.supervision).toBe('red');
    expect(await listIds(street, '&list=supervised')).toContain(id);

    const dup = await report(resident, { description: '门口垃圾没人管' });
    v = await step(comm, dup.id, 'merge', { targetId: id, note: '同一处垃圾' });
    expect(v).toMatchObject({ state: 'merged', mergedInto: { id } });
    const target = await ok(await comm.get(`/api/cases/${id}`));
    expect(target.timeline.at(-1)).toMatchObject({ action: 'merge', detail: { merged: dup.number } });
    expect((await act(comm, dup.id, 'merge', { targetId: id })).statusCode).toBe(409);
  });
});

describe('the other turns of the loop', () => {
  it('rejects with a reason, returns to the dispatcher (退单), fails a verification, records a follow-up call', async () => {
    const junk = await report(resident, { description: '测试' });
    expect((await act(comm, junk.id, 'reject', {})).json().error.field).toBe('reason');
    let v = await step(comm, junk.id, 'reject', { reason: '非本辖区职责' });
    expect(v).toMatchObject({ state: 'rejected', stage: null, actions: [] });
    expect(v.timeline.at(-1)).toMatchObject({ action: 'reject', note: '非本辖区职责' });

    const { id } = await report(worker1, { description: '巡查发现垃圾' });
    await step(comm, id, 'accept');
    await step(comm, id, 'dispatch', { unitId: tree.gridA1g1.id });
    v = await step(worker1, id, 'return', { reason: '位置不在本网格' });
    expect(v).toMatchObject({ state: 'accepted', stage: 'accept', handlingUnit: { id: tree.gridA1g1.id } });
    expect(v.workOrders.map((o: { state: string }) => o.state)).toEqual(['returned']);
    await step(comm, id, 'dispatch', { unitId: tree.gridA1g1.id });
    await step(worker1, id, 'claim');
    await step(worker1, id, 'feed_back', { note: '已处理' });
    v = await step(worker1, id, 'verify_fail', { reason: '仍有残留' });
    expect(v).toMatchObject({ state: 'in_progress', stage: 'handle' });
    expect(v.workOrders.map((o: { state: string }) => o.state)).toEqual(['returned', 'done', 'claimed']);
    await step(worker1, id, 'feed_back', { note: '已彻底清理' });
    await step(worker1, id, 'verify_pass');
    v = await step(comm, id, 'close');
    // A patrol report is not rated by its reporter; the community calls back (回访) instead.
    expect(v).toMatchObject({ state: 'closed', stage: null, actions: ['follow_up'] });
    v = await step(street, id, 'follow_up', { outcome: 'reached', satisfaction: 'satisfied', note: '居民表示满意' });
    expect(v.timeline.at(-1)).toMatchObject({ action: 'follow_up', fromState: 'closed', toState: 'closed', detail: { outcome: 'reached', satisfaction: 'satisfied' } });
  });
});

describe('scope', () => {
  let g2Case: string;
  let whistled: string;
  beforeAll(async () => {
    g2Case = (await report(worker2, { ...IN_G2, description: '第二网格的垃圾' })).id;
    whistled = (await report(worker1, { categoryCode: 'emergency.pipe_burst', description: '水管爆裂' })).id;
    await step(street, whistled, 'accept');
    await step(street, whistled, 'whistle', { departmentIds: [depts.water, depts.urban_management], leadDepartmentId: depts.water });
  });

  it('a grid worker cannot see or act on another grid’s case: 404', async () => {
    expect((await worker1.get(`/api/cases/${g2Case}`)).statusCode).toBe(404);
    expect((await act(worker1, g2Case, 'accept')).statusCode).toBe(404);
    expect(await listIds(worker1)).not.toContain(g2Case);
    expect(await listIds(worker2)).toContain(g2Case);
    expect(await listIds(comm)).toContain(g2Case);
  });

  it('a department sees only what was dispatched to it', async () => {
    expect(await listIds(urban)).toContain(whistled);
    expect((await urban.get(`/api/cases/${whistled}`)).statusCode).toBe(200);
    expect((await urban.get(`/api/cases/${g2Case}`)).statusCode).toBe(404);
    expect(await listIds(ecology)).toEqual([]);
    expect((await ecology.get(`/api/cases/${whistled}`)).statusCode).toBe(404);
    expect((await act(ecology, whistled, 'claim')).statusCode).toBe(404);
  });

  it('work lists and their counts', async () => {
    const counts = await ok(await comm.get('/api/cases/counts'));
    expect(counts.to_accept).toBe((await ok(await comm.get('/api/cases?list=to_accept'))).total);
    expect(counts.to_accept).toBeGreaterThanOrEqual(1);
    expect(await listIds(comm, '&list=to_accept')).toContain(g2Case);
    expect(await listIds(worker1, '&list=to_accept')).toEqual([]);
    expect(await listIds(urban, '&list=mine')).toContain(whistled);
    const mine = await ok(await resident.get('/api/cases/counts'));
    expect(mine.reported_by_me).toBeGreaterThanOrEqual(4);
    expect(mine.to_accept).toBe(0);
    const bad = await comm.get('/api/cases?list=everything');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('list');
  });

  it('totals and menu counts stop at the cap: the list says there are more', async () => {
    const all = await ok(await comm.get('/api/cases?list=all'));
    expect(all.totalCapped).toBe(false);
    expect(all.total).toBeGreaterThanOrEqual(3);
    const actor = (await loadActor(t.db, t.ctx.permissions, (await t.db.selectFrom('app_user').select('id').where('username', '=', 'commA1').executeTakeFirstOrThrow()).id))!;
    const query = { list: 'all', limit: 20, offset: 0, sort: 'newest' } as CaseListQuery;
    const capped = await Q.listCases(t.db, actor, [], query, null, t.clock.now(), 2);
    expect(capped).toMatchObject({ total: 2, capped: true });
    expect(capped.rows.length).toBe(Math.min(all.total, 20));
    // A page inside the first cap + 1 matches comes from the same walk as the total.
    const first = await Q.listCases(t.db, actor, [], { ...query, limit: 1 }, null, t.clock.now(), 2);
    expect(first).toMatchObject({ total: 2, capped: true });
    expect(first.rows.map((r) => r.id)).toEqual([all.items[0].id]);
    const second = await Q.listCases(t.db, actor, [], { ...query, limit: 1, offset: 1 }, null, t.clock.now(), 2);
    expect(second.rows.map((r) => r.id)).toEqual([all.items[1].id]);
    const exact = await Q.listCases(t.db, actor, [], query, null, t.clock.now(), all.total);
    expect(exact).toMatchObject({ total: all.total, capped: false });
    const counts = await ok(await comm.get('/api/cases/counts'));
    expect(counts.reported_by_me + counts.to_accept).toBeGreaterThan(0);
    const lists = ['to_accept', 'reported_by_me'] as const;
    const cappedCounts = await Q.countLists(t.db, actor, [], lists, t.clock.now(), 1);
    for (const l of lists) expect(cappedCounts[l]).toBe(Math.min(counts[l], 1));
  });
});

describe('idempotency', () => {
  it('the same key and body store one case and answer the same; another body is refused', async () => {
    const body = { categoryCode: GARBAGE, description: '同一次上报', ...IN_G1 };
    const first = await ok(await resident.request('POST', '/api/cases', body, { 'idempotency-key': 'phone-42-retry' }), 201);
    const second = await ok(await resident.request('POST', '/api/cases', { ...body }, { 'idempotency-key': 'phone-42-retry' }), 201);
    expect(second.id).toBe(first.id);
    expect(second.number).toBe(first.number);
    const stored = await t.db.selectFrom('cases').select(sql<string>`count(*)`.as('n')).where('idempotency_key', '=', 'phone-42-retry').executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(1);
    const other = await resident.request('POST', '/api/cases', { ...body, description: '另一次上报' }, { 'idempotency-key': 'phone-42-retry' });
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toMatchObject({ code: 'idempotency_mismatch', field: 'Idempotency-Key' });
    // The key is the caller's own: another account with the same key reports its own case.
    const theirs = await ok(await worker1.request('POST', '/api/cases', body, { 'idempotency-key': 'phone-42-retry' }), 201);
    expect(theirs.id).not.toBe(first.id);
    const badKey = await resident.request('POST', '/api/cases', body, { 'idempotency-key': 'has space' });
    expect(badKey.json().error.field).toBe('Idempotency-Key');
  });
});

describe('deadlines with the working-time calendar', () => {
  it('counts working hours over the weekend, clock hours when urgent, and turns red when overdue', async () => {
    // Friday 2026-11-20 16:00 Beijing.
    await moveClock('2026-11-20T16:00:00+08:00');
    const normal = await report(resident);
    // 2 working hours: 1.5 h on Friday, 0.5 h on Monday morning.
    expect(normal.stageDeadline).toBe(new Date('2026-11-23T09:30:00+08:00').toISOString());
    const urgent = await report(resident, { urgency: 'urgent' });
    expect(urgent).toMatchObject({ stageLimitUnit: 'clock_hours', stageDeadline: new Date('2026-11-20T18:00:00+08:00').toISOString() });
    await step(comm, normal.id, 'accept');
    const dispatched = await step(comm, normal.id, 'dispatch', { unitId: tree.gridA1g1.id });
    // Handle: 1 working day → the close of Monday.
    expect(dispatched).toMatchObject({ stage: 'handle', stageDeadline: new Date('2026-11-23T17:30:00+08:00').toISOString(), stageLimitUnit: 'working_days' });

    // Saturday noon: the urgent case is past its 2 clock hours; the weekend does not age the other.
    await moveClock(20 * 3600_000);
    expect((await ok(await comm.get(`/api/cases/${urgent.id}`))).overdueLevel).toBe('red');
    expect((await ok(await comm.get(`/api/cases/${normal.id}`))).overdueLevel).toBe('green');
    // Monday 16:40 (more than 80 % of the working day gone): yellow; Tuesday: red.
    await moveClock('2026-11-23T16:40:00+08:00');
    expect((await ok(await comm.get(`/api/cases/${normal.id}`))).overdueLevel).toBe('yellow');
    await moveClock(18 * 3600_000);
    expect((await ok(await comm.get(`/api/cases/${normal.id}`))).overdueLevel).toBe('red');
    const overdue = await listIds(comm, '&list=overdue');
    expect(overdue).toEqual(expect.arrayContaining([normal.id, urgent.id]));
    expect((await ok(await comm.get('/api/cases/counts'))).overdue).toBe(overdue.length);
  });
});

describe('the timeline', () => {
  it('cannot be changed or deleted', async () => {
    const row = await t.db.selectFrom('case_event').select('id').orderBy('id').executeTakeFirstOrThrow();
    await expect(t.db.updateTable('case_event').set({ note: 'changed' }).where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom('case_event').where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
    await expect(sql`truncate case_event cascade`.execute(t.db)).rejects.toThrow(/append-only/);
  });
});
