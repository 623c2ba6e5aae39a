import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, type Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { useChannels } from '../notifications/notifications.service.js';
import { LogChannel } from '../notifications/notification.channels.js';
import { addDepartmentMember, ensureStandardDepartments } from './departments.service.js';

let t: TestApp;
let tree: Tree;
const ids: Record<string, string> = {};
const c: Record<string, Client> = {};
let depts: Record<string, string>;
const IN_G1 = { lng: 114.272, lat: 30.552 };

async function ok(res: { statusCode: number; body: string; json(): any }, status = 200) {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json();
}
const step = async (who: string, id: string, action: string, body: Record<string, unknown> = {}) =>
  ok(await c[who]!.post(`/api/cases/${id}/actions/${action}`, body));

/** kind → the usernames told, for one case, since notification id `after`. */
async function told(caseId: string, after = '0'): Promise<Record<string, string[]>> {
  const rows = await t.db.selectFrom('notification').innerJoin('app_user', 'app_user.id', 'notification.user_id')
    .select(['notification.kind', 'app_user.username']).where('notification.case_id', '=', caseId).where('notification.id', '>', after)
    .orderBy('app_user.username').execute();
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.kind] ??= []).push(r.username);
  return out;
}
async function lastId(): Promise<string> {
  const r = await t.db.selectFrom('notification').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
  return String(r?.m ?? '0');
}

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  useChannels(t.ctx, [new LogChannel(() => {})]);
  ids.resident1 = await makeUser(t.ctx, 'resident1', 'resident', tree.gridA1g1);
  ids.commA1 = await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  ids.commA2 = await makeUser(t.ctx, 'commA2', 'community_staff', tree.commA2);
  ids.worker1 = await makeUser(t.ctx, 'worker1', 'grid_worker', tree.gridA1g1);
  ids.worker1b = await makeUser(t.ctx, 'worker1b', 'grid_worker', tree.gridA1g1);
  ids.worker2 = await makeUser(t.ctx, 'worker2', 'grid_worker', tree.gridA1g2);
  ids.streetA = await makeUser(t.ctx, 'streetA', 'street_staff', tree.streetA);
  ids.streetB = await makeUser(t.ctx, 'streetB', 'street_staff', tree.streetB);
  ids.districtS = await makeUser(t.ctx, 'districtS', 'district_staff', tree.district);
  depts = await ensureStandardDepartments(t.db, tree.district);
  ids.urban = await makeUser(t.ctx, 'urban', 'department_handler', tree.district);
  await addDepartmentMember(t.db, depts.urban_management!, ids.urban);
  for (const u of ['resident1', 'commA1', 'worker1', 'streetA', 'urban']) c[u] = await signedIn(t.app, u);
});
afterAll(() => t.close());

describe('the steps of the loop notify whom they concern', () => {
  it('dispatch → handlers; claim, feed back → dispatchers; verify → grid workers; close → reporter; reopen → handler and supervisors', async () => {
    const { id } = await ok(await c.resident1!.post('/api/cases', { categoryCode: 'city_appearance.exposed_garbage', description: '垃圾', ...IN_G1 }), 201);
    // A new case: the staff who accept at its grid (the community's; not commA2, not the street).
    expect(await told(id)).toEqual({ 'case.reported': ['commA1'] });
    await step('commA1', id, 'accept');
    let mark = await lastId();
    await step('commA1', id, 'dispatch', { unitId: tree.gridA1g1.id });
    expect(await told(id, mark)).toEqual({ 'case.dispatched': ['worker1', 'worker1b'] });
    mark = await lastId();
    await step('worker1', id, 'claim');
    // The community dispatches for its grids; the street and district above do not get it.
    expect(await told(id, mark)).toEqual({ 'case.claimed': ['commA1'] });
    mark = await lastId();
    await step('worker1', id, 'feed_back', { note: '已清理' });
    // The handler is not told of their own step; the other worker of the grid verifies.
    expect(await told(id, mark)).toEqual({ 'case.handled': ['commA1'], 'case.verify_needed': ['worker1b'] });
    mark = await lastId();
    await step('worker1', id, 'verify_pass');
    expect(await told(id, mark)).toEqual({ 'case.verified': ['commA1'] });
    mark = await lastId();
    await step('commA1', id, 'close');
    expect(await told(id, mark)).toEqual({ 'case.closed': ['resident1'] });
    mark = await lastId();
    await step('resident1', id, 'rate', { rating: 'dissatisfied' });
    expect(await told(id, mark)).toEqual({ 'case.reopened': ['streetA', 'worker1', 'worker1b'] });

    mark = await lastId();
    await step('streetA', id, 'supervise', { mark: 'red', comment: '限期办结' });
    expect(await told(id, mark)).toEqual({ 'case.supervised': ['worker1', 'worker1b'] });
    const inbox = await ok(await c.worker1!.get('/api/notifications'));
    expect(inbox.items[0]).toMatchObject({ kind: 'case.supervised', case: { id }, message: expect.stringContaining('红牌') });

    await step('worker1', id, 'claim');
    mark = await lastId();
    await step('worker1', id, 'request_extension', { amount: 1, reason: '需协调' });
    expect(await told(id, mark)).toEqual({ 'case.extension_requested': ['streetA'] });
    mark = await lastId();
    await step('streetA', id, 'decide_extension', { approve: false });
    expect(await told(id, mark)).toEqual({ 'case.extension_refused': ['worker1'] });
    mark = await lastId();
    await step('worker1', id, 'escalate', { reason: '需社区协调' });
    expect(await told(id, mark)).toEqual({ 'case.escalated': ['commA1'] });
  });

  it('a whistle tells the departments’ members; reject tells the reporter', async () => {
    const { id } = await ok(await c.resident1!.post('/api/cases', { categoryCode: 'emergency.pipe_burst', description: '水管爆裂', ...IN_G1 }), 201);
    await step('streetA', id, 'accept');
    const mark = await lastId();
    await step('streetA', id, 'dispatch', { departmentId: depts.urban_management });
    expect(await told(id, mark)).toEqual({ 'case.dispatched': ['urban'] });
    const junk = await ok(await c.resident1!.post('/api/cases', { categoryCode: 'city_appearance.exposed_garbage', description: '测试', ...IN_G1 }), 201);
    await step('commA1', junk.id, 'reject', { reason: '重复' });
    expect((await told(junk.id))['case.rejected']).toEqual(['resident1']);
  });
});
