import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { useChannels } from '../notifications/notifications.service.js';
import { LogChannel } from '../notifications/notification.channels.js';
import { tick } from './cases.watch.js';
import { warnAt } from './cases.rules.js';

let t: TestApp;
let tree: Tree;
const IN_G1 = { lng: 114.272, lat: 30.552 };
const at = (s: string) => new Date(s);

async function ok(res: { statusCode: number; body: string; json(): any }, status = 200) {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json();
}
function moveTo(iso: string) {
  t.clock.advance(at(iso).getTime() - t.clock.now().getTime());
  return t.clock.now();
}
const row = (id: string) => t.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
async function told(id: string): Promise<string[]> {
  const rows = await t.db.selectFrom('notification').innerJoin('app_user', 'app_user.id', 'notification.user_id')
    .select(['notification.kind', 'app_user.username']).where('case_id', '=', id).where('kind', 'like', 'case.%o%')
    .orderBy('notification.id').execute();
  return rows.filter((r) => r.kind.startsWith('case.overdue') || r.kind === 'case.auto_escalated').map((r) => `${r.kind}:${r.username}`);
}
const events = async (id: string) => (await t.db.selectFrom('case_event').select(['action', 'actor_id', 'from_state', 'to_state', 'detail'])
  .where('case_id', '=', id).orderBy('id').execute());

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  useChannels(t.ctx, [new LogChannel(() => {})]);
  await makeUser(t.ctx, 'resident1', 'resident', tree.gridA1g1);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'worker1', 'grid_worker', tree.gridA1g1);
  await makeUser(t.ctx, 'streetA', 'street_staff', tree.streetA);
  await makeUser(t.ctx, 'districtS', 'district_staff', tree.district);
});
afterAll(() => t.close());

describe('the overdue watch', () => {
  let id: string;

  it('green → yellow at 80 % of the working time → red past the deadline; nothing over the weekend; told once', async () => {
    // Friday 16:00 Beijing: dispatched with 1 working day → due Monday 17:30; 80 % of its 8.5 working
    // hours is Monday 15:48.
    moveTo('2026-11-20T16:00:00+08:00');
    const resident = await signedIn(t.app, 'resident1');
    const comm = await signedIn(t.app, 'commA1');
    id = (await ok(await resident.post('/api/cases', { categoryCode: 'city_appearance.exposed_garbage', description: '垃圾', ...IN_G1 }), 201)).id;
    await ok(await comm.post(`/api/cases/${id}/actions/accept`, {}));
    await ok(await comm.post(`/api/cases/${id}/actions/dispatch`, { unitId: tree.gridA1g1.id }));
    let c = await row(id);
    expect(c.stage_deadline).toEqual(at('2026-11-23T17:30:00+08:00'));
    expect(c.stage_warn_at).toEqual(at('2026-11-23T15:48:00+08:00'));

    expect(await tick(t.ctx, t.clock.now())).toMatchObject({ recoloured: 0, escalated: 0 });
    // Saturday noon and Sunday night: the weekend does not age it.
    expect((await tick(t.ctx, moveTo('2026-11-21T12:00:00+08:00'))).recoloured).toBe(0);
    expect((await tick(t.ctx, moveTo('2026-11-22T23:59:00+08:00'))).recoloured).toBe(0);
    expect((await tick(t.ctx, moveTo('2026-11-23T15:47:00+08:00'))).recoloured).toBe(0);
    expect((await row(id)).overdue_level).toBe('green');

    expect((await tick(t.ctx, moveTo('2026-11-23T15:49:00+08:00'))).recoloured).toBe(1);
    c = await row(id);
    expect(c).toMatchObject({ overdue_level: 'yellow', state: 'dispatched', version: 3 });
    // The handler (the grid's worker) and the supervisors above (the street) are told.
    expect(await told(id)).toEqual(['case.overdue_yellow:worker1', 'case.overdue_yellow:streetA']);
    expect((await events(id)).at(-1)).toMatchObject({ action: 'overdue_yellow', actor_id: null, from_state: 'dispatched', to_state: 'dispatched' });

    // A second tick (and two processes at once) change nothing.
    expect(await tick(t.ctx, t.clock.now())).toMatchObject({ recoloured: 0, escalated: 0 });
    await Promise.all([tick(t.ctx, t.clock.now()), tick(t.ctx, t.clock.now())]);
    expect(await told(id)).toHaveLength(2);

    // Past the deadline: red, told once even with two watches running at once.
    const now = moveTo('2026-11-23T17:31:00+08:00');
    const [a, b] = await Promise.all([tick(t.ctx, now), tick(t.ctx, now)]);
    expect(a.recoloured + b.recoloured).toBe(1);
    expect((await row(id)).overdue_level).toBe('red');
    expect((await told(id)).slice(2)).toEqual(['case.overdue_red:worker1', 'case.overdue_red:streetA']);
    expect((await events(id)).filter((e) => e.action.startsWith('overdue_')).map((e) => e.action)).toEqual(['overdue_yellow', 'overdue_red']);
    const worker = await signedIn(t.app, 'worker1');
    const inbox = await ok(await worker.get('/api/notifications'));
    expect(inbox.items[0]).toMatchObject({ kind: 'case.overdue_red', message: expect.stringContaining('2026-11-23 17:30') });
  });

  it('escalates a red case by itself past the grace (4 working hours), level by level, never above the district', async () => {
    // Due Monday 17:30; 4 working hours later is Tuesday 14:30.
    expect((await tick(t.ctx, moveTo('2026-11-24T14:29:00+08:00'))).escalated).toBe(0);
    expect((await tick(t.ctx, moveTo('2026-11-24T14:31:00+08:00'))).escalated).toBe(1);
    let c = await row(id);
    expect(c).toMatchObject({
      state: 'accepted', stage: 'accept', handling_unit_id: tree.commA1.id, handling_level: 'community', overdue_level: 'green', version: 4,
      stage_started_at: at('2026-11-24T14:31:00+08:00'), stage_deadline: at('2026-11-24T16:31:00+08:00'),
    });
    const orders = await t.db.selectFrom('work_order').select('state').where('case_id', '=', id).execute();
    expect(orders.map((o) => o.state)).toEqual(['cancelled']);
    expect((await events(id)).at(-1)).toMatchObject({
      action: 'auto_escalate', actor_id: null, from_state: 'dispatched', to_state: 'accepted',
      detail: { fromLevel: 'grid', toLevel: 'community', unit: { id: tree.commA1.id }, graceHours: 4 },
    });
    const audit = await t.db.selectFrom('audit_log').selectAll().where('resource_id', '=', id).where('action', '=', 'case.auto_escalate').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_id: null, actor_username: 'system', result: 'success' });
    expect((await told(id)).at(-1)).toBe('case.auto_escalated:commA1');
    // Idempotent: the next tick changes nothing.
    expect(await tick(t.ctx, t.clock.now())).toMatchObject({ recoloured: 0, escalated: 0 });

    // Community → street (Thursday), street → district (Friday), and no further.
    await tick(t.ctx, moveTo('2026-11-26T12:00:00+08:00'));
    c = await row(id);
    expect(c).toMatchObject({ handling_unit_id: tree.streetA.id, handling_level: 'street', state: 'accepted', overdue_level: 'green' });
    expect((await told(id)).at(-1)).toBe('case.auto_escalated:streetA');
    await tick(t.ctx, moveTo('2026-11-27T12:00:00+08:00'));
    expect(await row(id)).toMatchObject({ handling_unit_id: tree.district.id, handling_level: 'district' });
    expect((await told(id)).at(-1)).toBe('case.auto_escalated:districtS');
    const r = await tick(t.ctx, moveTo('2026-12-02T12:00:00+08:00'));
    expect(r.escalated).toBe(0);
    expect(await row(id)).toMatchObject({ handling_level: 'district', overdue_level: 'red' });
    expect(await tick(t.ctx, t.clock.now())).toMatchObject({ recoloured: 0, escalated: 0 });
    expect((await events(id)).filter((e) => e.action === 'auto_escalate')).toHaveLength(3);
  });

  it('fills the 80 % point of open stages that have none (rows from before the column existed)', async () => {
    const resident = await signedIn(t.app, 'resident1');
    const { id: other } = await ok(await resident.post('/api/cases', { categoryCode: 'city_appearance.exposed_garbage', description: '旧数据', ...IN_G1 }), 201);
    await t.db.updateTable('cases').set({ stage_warn_at: null }).where('id', '=', other).execute();
    const r = await tick(t.ctx, t.clock.now());
    expect(r.backfilled).toBe(1);
    const c = await row(other);
    expect(c.stage_warn_at).toEqual(warnAt(c.stage_started_at!, c.stage_deadline!, c.stage_limit_unit!));
  });
});

describe('the watch loop', () => {
  it('runs a pass as soon as it starts and stops after the pass in flight', async () => {
    const { startWatch } = await import('./cases.watch.js');
    const open = await t.db.selectFrom('cases').select('id').where('state', '=', 'reported').executeTakeFirstOrThrow();
    await t.db.updateTable('cases').set({ stage_warn_at: null }).where('id', '=', open.id).execute();
    const watch = startWatch(t.ctx);
    await watch.stop();
    expect((await row(open.id)).stage_warn_at).not.toBeNull();
  });
});
