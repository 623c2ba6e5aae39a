import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { deliver, deliverLeftOver, notify, useChannels } from './notifications.service.js';
import { LogChannel, type NotificationChannel } from './notification.channels.js';

let t: TestApp;
let tree: Tree;
let alice: Client;
let bob: Client;
let aliceId: string;
let bobId: string;
const lines: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  aliceId = await makeUser(t.ctx, 'alice', 'community_staff', tree.commA1);
  bobId = await makeUser(t.ctx, 'bob', 'grid_worker', tree.gridA1g1);
  useChannels(t.ctx, [new LogChannel((l) => lines.push(l))]);
  alice = await signedIn(t.app, 'alice');
  bob = await signedIn(t.app, 'bob');
});
afterAll(() => t.close());

async function send(userIds: string[], number: string): Promise<string[]> {
  const pending = await t.db.transaction().execute((trx) =>
    notify(trx, t.ctx, { userIds, kind: 'case.dispatched', key: 'notification.case.dispatched', params: { number } }));
  await deliver(t.ctx, pending);
  return pending.map((p) => p.id);
}

describe('notifications', () => {
  it('401 without a session', async () => {
    expect((await new Client(t.app).get('/api/notifications')).statusCode).toBe(401);
  });

  it('writes one per recipient; the log channel records “logged”, never “sent”', async () => {
    const ids = await send([aliceId, bobId, aliceId], 'HY-1');
    expect(ids).toHaveLength(2);
    const deliveries = await t.db.selectFrom('notification_delivery').selectAll().where('notification_id', 'in', ids).execute();
    expect(deliveries.map((d) => [d.channel, d.status, d.error])).toEqual([['log', 'logged', null], ['log', 'logged', null]]);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'notification', channel: 'log', kind: 'case.dispatched', key: 'notification.case.dispatched' });
  });

  it('a failing channel is recorded as failed with its error, and the notification stays', async () => {
    const broken: NotificationChannel = { name: 'sms', deliver: async () => { throw new Error('provider unreachable'); } };
    useChannels(t.ctx, [broken]);
    const [id] = await send([bobId], 'HY-2');
    useChannels(t.ctx, [new LogChannel((l) => lines.push(l))]);
    const d = await t.db.selectFrom('notification_delivery').selectAll().where('notification_id', '=', id!).executeTakeFirstOrThrow();
    expect(d).toMatchObject({ channel: 'sms', status: 'failed', error: 'provider unreachable' });
  });

  it('only the owner reads them, in their language, unread first; marks one and all read', async () => {
    await send([aliceId], 'HY-3');
    let page = (await alice.get('/api/notifications')).json();
    expect(page).toMatchObject({ total: 2, unread: 2 });
    expect(page.items[0]).toMatchObject({ kind: 'case.dispatched', message: '事件 HY-3 已派给您，请及时接单办理', readAt: null, case: null });
    alice.lang = 'en';
    page = (await alice.get('/api/notifications')).json();
    expect(page.items[0].message).toBe('Case HY-3 has been dispatched to you; please claim and handle it');
    alice.lang = 'zh-CN';

    const older = page.items[1].id;
    // Bob cannot see or mark Alice's: 404.
    expect((await bob.get('/api/notifications')).json().items.map((n: { id: string }) => n.id)).not.toContain(older);
    expect((await bob.post(`/api/notifications/${older}/read`, {})).statusCode).toBe(404);
    expect((await alice.post('/api/notifications/99999999/read', {})).statusCode).toBe(404);
    expect((await alice.post('/api/notifications/abc/read', {})).statusCode).toBe(400);

    const read = await alice.post(`/api/notifications/${older}/read`, {});
    expect(read.statusCode).toBe(200);
    expect(read.json().readAt).not.toBeNull();
    page = (await alice.get('/api/notifications')).json();
    expect(page.unread).toBe(1);
    expect(page.items.map((n: { id: string }) => n.id).at(-1)).toBe(older);
    expect((await alice.get('/api/notifications?unread=true')).json()).toMatchObject({ total: 1, unread: 1 });
    expect((await alice.get('/api/notifications?limit=0')).json().error.field).toBe('limit');

    const all = await alice.post('/api/notifications/read-all', {});
    expect(all.json()).toEqual({ updated: 1, unread: 0 });
    expect((await alice.get('/api/notifications')).json().unread).toBe(0);
    expect((await bob.get('/api/notifications')).json().unread).toBe(2);
  });

  it('delivers, once, what a stopped server committed but never delivered', async () => {
    const [pending] = await t.db.transaction().execute((trx) =>
      notify(trx, t.ctx, { userIds: [bobId], kind: 'case.claimed', key: 'notification.case.claimed', params: { number: 'HY-4' } }));
    const id = pending!.id;
    const rows = () => t.db.selectFrom('notification_delivery').select(['channel', 'status']).where('notification_id', '=', id!).execute();
    // Not yet: the request that wrote it may still be delivering it.
    await deliverLeftOver(t.ctx, t.clock.now());
    expect(await rows()).toEqual([]);
    const later = new Date(t.clock.now().getTime() + 2 * 60_000);
    const [a, b] = await Promise.all([deliverLeftOver(t.ctx, later), deliverLeftOver(t.ctx, later)]);
    expect(a + b).toBeGreaterThanOrEqual(1);
    expect(await rows()).toEqual([{ channel: 'log', status: 'logged' }]);
    await deliverLeftOver(t.ctx, later);
    expect(await rows()).toHaveLength(1);
  });
});
