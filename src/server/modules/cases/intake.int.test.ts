/**
 * Case intake without re-reading: POST /api/cases answers from the rows it wrote, and takes the
 * categories and the tree from the process's copies (core/reference.ts). These tests hold the answer to
 * what a read would say, and the copies to what the tables say after any change, made by any process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, signedIn, type Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { png } from '../../core/storage/test-images.js';
import { referenceOf } from '../../core/reference.js';
import { atlasOf } from '../hierarchy/hierarchy.atlas.js';
import { locatePoint } from '../hierarchy/hierarchy.service.js';
import { ensureStandardDepartments } from './departments.service.js';

let t: TestApp;
let tree: Tree;
let resident: Client;
let worker1: Client;
let comm: Client;

const IN_G1 = { lng: 114.272, lat: 30.552 };
const GARBAGE = 'city_appearance.exposed_garbage';

async function ok<T = any>(res: LightMyRequestResponse, status = 200): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json();
}
const report = (c: Client, body: Record<string, unknown> = {}) =>
  c.post('/api/cases', { categoryCode: GARBAGE, description: '小区门口垃圾堆积', ...IN_G1, ...body });

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await ensureStandardDepartments(t.db, tree.district);
  await makeUser(t.ctx, 'resident1', 'resident', tree.gridA1g1, { displayName: '李居民' });
  await makeUser(t.ctx, 'worker1', 'grid_worker', tree.gridA1g1);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  resident = await signedIn(t.app, 'resident1');
  worker1 = await signedIn(t.app, 'worker1');
  comm = await signedIn(t.app, 'commA1');
});
afterAll(() => t.close());

describe('the answer to a report', () => {
  it('is the case as a read of it says, for every kind of report', async () => {
    const photo = await ok(await t.app.inject({
      method: 'POST', url: '/api/attachments', payload: png(40, 30),
      headers: { cookie: resident.cookie!, 'content-type': 'image/png' },
    }), 201);
    const bodies: [Client, Record<string, unknown>][] = [
      [resident, { address: '钟家村路 5 号', reporterPhone: '13812345678', attachmentIds: [photo.id] }],
      [worker1, { urgency: 'urgent' }],
      // A street-level category: handled above the grid it happened in.
      [worker1, { categoryCode: 'emergency.road_collapse', description: '路面塌陷', urgency: 'critical' }],
    ];
    for (const [client, body] of bodies) {
      const posted = await ok(await report(client, body), 201);
      const read = await ok(await client.get(`/api/cases/${posted.id}`));
      expect(posted).toEqual(read);
    }
  });

  it('in English too, and a replay answers the same case read back', async () => {
    worker1.lang = 'en';
    try {
      const key = { 'idempotency-key': 'intake-replay-1' };
      const body = { categoryCode: GARBAGE, description: 'rubbish at the gate', ...IN_G1 };
      const first = await ok(await worker1.request('POST', '/api/cases', body, key), 201);
      expect(first.category.name).toBe('Exposed rubbish');
      const again = await ok(await worker1.request('POST', '/api/cases', body, key), 201);
      expect(again).toEqual(await ok(await worker1.get(`/api/cases/${first.id}`)));
      expect(again.id).toBe(first.id);
    } finally {
      worker1.lang = 'zh-CN';
    }
  });

  it('writes the case, its audit row and the dispatchers\' notifications in one statement, and hands the channel what it wrote', async () => {
    const posted = await ok(await report(worker1), 201);
    const rows = await t.db.selectFrom('notification').innerJoin('app_user', 'app_user.id', 'notification.user_id')
      .select(['app_user.username', 'notification.kind', 'notification.id']).where('case_id', '=', posted.id).execute();
    expect(rows.map((r) => [r.username, r.kind])).toEqual([['commA1', 'case.reported']]);
    const delivered = await t.db.selectFrom('notification_delivery').select('channel').where('notification_id', '=', rows[0]!.id).execute();
    expect(delivered).toEqual([{ channel: 'log' }]);
    // The audit row of the same statement names the case it wrote, and where it lies.
    const audited = await t.db.selectFrom('audit_log').select(['action', 'resource_type', 'unit_path', 'actor_username'])
      .where('resource_id', '=', posted.id).where('resource_type', '=', 'case').execute();
    expect(audited).toEqual([{ action: 'case.report', resource_type: 'case', unit_path: tree.gridA1g1.path, actor_username: 'worker1' }]);
    // The reporter is not told of their own report, even when they are a dispatcher of the place.
    const own = await ok(await report(comm), 201);
    expect(await t.db.selectFrom('notification').select('id').where('case_id', '=', own.id).execute()).toEqual([]);
  });
});

describe('reference data in memory', () => {
  it('places a point as the tables do, everywhere in and around the tree', async () => {
    const atlas = await atlasOf(t.ctx, null);
    for (let lng = 114.268; lng <= 114.281; lng += 0.0005) {
      for (let lat = 30.548; lat <= 30.556; lat += 0.0005) {
        expect(atlas.place(lng, lat)).toEqual(await locatePoint(t.db, lng, lat));
      }
    }
    expect(atlas.ancestorAt(tree.microA1g1m1.path, 'street')).toMatchObject({ id: tree.streetA.id });
    expect(atlas.ancestorAt(tree.gridA1g1.path, 'grid')).toMatchObject({ id: tree.gridA1g1.id });
    expect(atlas.ancestorAt(tree.gridB1g1.path, 'province')).toBeUndefined();
  });

  it('sees a change made by anyone (here straight in the database, as another process would) on the next request', async () => {
    await ok(await report(worker1), 201); // the copies are warm
    const before = await referenceOf(t.ctx).version();

    // A category switched off: refused on the field.
    await t.db.updateTable('case_category').set({ is_active: false }).where('code', '=', GARBAGE).execute();
    expect(await referenceOf(t.ctx).version()).not.toBe(before);
    const refused = await report(worker1);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.field).toBe('categoryCode');
    await t.db.updateTable('case_category').set({ is_active: true }).where('code', '=', GARBAGE).execute();

    // A grid renamed: the answer carries the new name.
    await t.db.updateTable('unit').set({ name: '钟家村第一网格' }).where('id', '=', tree.gridA1g1.id).execute();
    expect((await ok(await report(worker1), 201)).unit.name).toBe('钟家村第一网格');

    // A grid redrawn: the old point is in no grid any more, a point of the new outline is in it.
    const moved = { type: 'Polygon', coordinates: [[[114.26, 30.55], [114.264, 30.55], [114.264, 30.554], [114.26, 30.554], [114.26, 30.55]]] };
    await sql`UPDATE unit SET boundary = ${JSON.stringify(moved)}::jsonb WHERE id = ${tree.gridA1g1.id}`.execute(t.db);
    const outside = await report(worker1);
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error.field).toBe('lng');
    expect((await ok(await report(worker1, { lng: 114.262, lat: 30.552 }), 201)).unit.id).toBe(tree.gridA1g1.id);
  });

  it('a change rolled back leaves the version as it was', async () => {
    const before = await referenceOf(t.ctx).version();
    await t.db.transaction().execute(async (trx) => {
      await trx.updateTable('unit').set({ name: 'x' }).where('id', '=', tree.gridB1g1.id).execute();
      await sql`SELECT 1`.execute(trx);
      throw new Error('undo');
    }).catch(() => {});
    expect(await referenceOf(t.ctx).version()).toBe(before);
  });
});
