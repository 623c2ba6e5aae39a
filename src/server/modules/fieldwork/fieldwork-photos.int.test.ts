import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { png } from '../../core/storage/test-images.js';
import { sweepUnattached } from '../cases/attachments.service.js';

/**
 * Photos on patrols and field diary entries (attachments owned by a patrol or a diary entry), and the
 * patrol a case is found on (patrolId, or the patrol's own key while it has not reached the server).
 */

let t: TestApp;
let tree: Tree;
let dataDir: string;
let gridA: Client; // grid worker of A1g1
let gridA2: Client; // grid worker of A1g2 (same community, another grid)
let commA1: Client;
let streetB: Client;
const IN_G1 = { lng: 114.272, lat: 30.552 };
const GARBAGE = 'city_appearance.exposed_garbage';
// The test clock starts at 2026-11-20 09:00 Beijing.
const at = (minutesAgo: number) => new Date(t.clock.now().getTime() - minutesAgo * 60_000).toISOString();

async function ok<T = any>(res: LightMyRequestResponse, status = 200): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json();
}
const upload = async (c: Client, bytes: Buffer = png(40, 30)): Promise<{ id: string; url: string }> => ok(await t.app.inject({
  method: 'POST', url: '/api/attachments', payload: bytes,
  headers: { 'content-type': 'application/octet-stream', ...(c.cookie ? { cookie: c.cookie } : {}) },
}), 201);
const patrolBody = (over: Record<string, unknown> = {}) => ({
  startedAt: at(60), endedAt: at(5),
  route: [[114.271, 30.551, Date.parse(at(55))], [114.2715, 30.5515, Date.parse(at(30))], [114.272, 30.552, Date.parse(at(10))]],
  notes: '巡查小区', ...over,
});
const report = (c: Client, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  c.request('POST', '/api/cases', { categoryCode: GARBAGE, description: '楼道堆放杂物', ...IN_G1, ...body }, headers);
const count = async (table: 'patrol' | 'diary_entry' | 'cases') => Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
const ownerOf = (id: string) => t.db.selectFrom('attachment').select(['case_id', 'patrol_id', 'diary_entry_id', 'unit_path', 'attached_at']).where('id', '=', id).executeTakeFirstOrThrow();

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-fieldwork-photos-'));
  t = await createTestApp({ LINLI_DATA_DIR: dataDir, LINLI_MFA_REQUIRED_ROLES: '' });
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'gridA', 'grid_worker', tree.gridA1g1, { displayName: '黄艳娇' });
  await makeUser(t.ctx, 'gridA2', 'grid_worker', tree.gridA1g2);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'streetB', 'street_staff', tree.streetB);
  gridA = await signedIn(t.app, 'gridA');
  gridA2 = await signedIn(t.app, 'gridA2');
  commA1 = await signedIn(t.app, 'commA1');
  streetB = await signedIn(t.app, 'streetB');
});
afterAll(async () => {
  await t.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('photos on a patrol', () => {
  it('are linked when the patrol is stored, listed with it, and served to who may read it', async () => {
    const [a, b] = [await upload(gridA), await upload(gridA, png(8, 6))];
    const body = patrolBody({ attachmentIds: [a.id, b.id] });
    const created = await ok(await gridA.request('POST', '/api/patrols', body, { 'idempotency-key': 'patrol-photos-1' }), 201);
    expect(created.photos.map((p: { id: string }) => p.id)).toEqual([a.id, b.id]);
    expect(created.photos[1]).toMatchObject({ url: `/api/attachments/${b.id}`, contentType: 'image/png', width: 8, height: 6 });
    // The retry of the same request answers the same patrol; the photos stay on it.
    const again = await ok(await gridA.request('POST', '/api/patrols', body, { 'idempotency-key': 'patrol-photos-1' }), 201);
    expect(again.id).toBe(created.id);
    expect(await ownerOf(a.id)).toMatchObject({ case_id: null, patrol_id: created.id, diary_entry_id: null, unit_path: tree.gridA1g1.path });

    const one = await ok(await gridA.get(`/api/patrols/${created.id}`));
    expect(one.photos.map((p: { id: string }) => p.id)).toEqual([a.id, b.id]);
    const list = await ok(await commA1.get('/api/patrols?limit=10'));
    expect(list.items.find((p: { id: string }) => p.id === created.id).photos).toHaveLength(2);
    const userId = (await t.db.selectFrom('app_user').select('id').where('username', '=', 'gridA').executeTakeFirstOrThrow()).id;
    const day = await ok(await commA1.get(`/api/fieldwork/workers/${userId}/day?date=2026-11-20`));
    expect(day.patrols[0].photos.map((p: { id: string }) => p.id)).toEqual([a.id, b.id]);

    // The bytes: the worker and their community's staff; not a worker of another grid, nor another street.
    for (const c of [gridA, commA1]) {
      const res = await c.get(a.url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
    }
    expect((await gridA2.get(a.url)).statusCode).toBe(404);
    expect((await streetB.get(a.url)).statusCode).toBe(404);
    expect((await new Client(t.app).get(a.url)).statusCode).toBe(401);
  });

  it('refuses a photo that is someone else’s or already attached (400 on attachmentIds), storing nothing', async () => {
    const theirs = await upload(gridA2);
    const mine = await upload(gridA);
    const before = await count('patrol');
    const res = await gridA.request('POST', '/api/patrols', patrolBody({ attachmentIds: [mine.id, theirs.id] }), { 'idempotency-key': 'patrol-photos-2' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('attachmentIds');
    expect(await count('patrol')).toBe(before);
    expect(await ownerOf(mine.id)).toMatchObject({ patrol_id: null, attached_at: null });
    expect(await ownerOf(theirs.id)).toMatchObject({ patrol_id: null, attached_at: null });
    // Nothing was kept under the key either: the same key with a good body is a new patrol.
    const fine = await ok(await gridA.request('POST', '/api/patrols', patrolBody({ attachmentIds: [mine.id] }), { 'idempotency-key': 'patrol-photos-2' }), 201);
    expect(fine.photos).toHaveLength(1);
    // A photo already on a patrol cannot go on another record.
    const taken = await gridA.post('/api/diary-entries', { occurredAt: at(1), body: '再用一次', attachmentIds: [mine.id] });
    expect(taken.statusCode).toBe(400);
    expect(taken.json().error.field).toBe('attachmentIds');
    // At most nine.
    const ten = await gridA.post('/api/patrols', patrolBody({ attachmentIds: Array.from({ length: 10 }, (_, i) => String(i + 1)) }));
    expect(ten.statusCode).toBe(400);
    expect(ten.json().error.field).toMatch(/^attachmentIds/);
  });
});

describe('photos in the field diary', () => {
  it('are linked to the entry and listed with it', async () => {
    const p = await upload(gridA);
    const entry = await ok(await gridA.post('/api/diary-entries', { occurredAt: at(2), body: '3栋楼道灯坏了', attachmentIds: [p.id] }), 201);
    expect(entry.photos.map((x: { id: string }) => x.id)).toEqual([p.id]);
    expect(await ownerOf(p.id)).toMatchObject({ diary_entry_id: entry.id, patrol_id: null, case_id: null });
    const list = await ok(await gridA.get('/api/diary-entries?limit=5'));
    expect(list.items[0].photos.map((x: { id: string }) => x.id)).toEqual([p.id]);
    expect((await commA1.get(p.url)).statusCode).toBe(200);
    expect((await gridA2.get(p.url)).statusCode).toBe(404);
    // Someone else's upload: 400, no entry.
    const before = await count('diary_entry');
    const theirs = await upload(gridA2);
    const res = await gridA.post('/api/diary-entries', { occurredAt: at(2), body: '别人的照片', attachmentIds: [theirs.id] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('attachmentIds');
    expect(await count('diary_entry')).toBe(before);
  });
});

describe('a case found on a patrol', () => {
  it('names the patrol by its id: the reporter’s own (or, for staff, one in scope), else 400 on patrolId', async () => {
    const mine = await ok(await gridA.post('/api/patrols', patrolBody()), 201);
    const theirs = await ok(await gridA2.post('/api/patrols', patrolBody({ route: [] })), 201);
    const before = await count('cases');
    const refused = await report(gridA, { patrolId: theirs.id });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.field).toBe('patrolId');
    expect((await report(gridA, { patrolId: '999999' })).json().error.field).toBe('patrolId');
    const both = await report(gridA, { patrolId: mine.id, patrolKey: 'k-1' });
    expect(both.statusCode).toBe(400);
    expect(both.json().error.field).toBe('patrolKey');
    expect(await count('cases')).toBe(before);

    const found = await ok(await report(gridA, { patrolId: mine.id }), 201);
    expect((await t.db.selectFrom('cases').select('patrol_id').where('id', '=', found.id).executeTakeFirstOrThrow()).patrol_id).toBe(mine.id);
    // Community staff may file one on a worker's patrol in their community.
    await ok(await report(commA1, { patrolId: mine.id, description: '社区补录' }), 201);
    const detail = await ok(await gridA.get(`/api/patrols/${mine.id}`));
    expect(detail.casesFound).toBe(2);
    expect(detail.cases.map((c: { id: string }) => c.id)).toContain(found.id);
    // The other worker's patrol over the same hour counts none of them.
    expect((await ok(await gridA2.get(`/api/patrols/${theirs.id}`))).casesFound).toBe(0);
  });

  it('names a patrol not sent yet by its key, and the patrol claims it when it arrives (offline order, either way)', async () => {
    // Reported during the patrol (the patrol goes at its end, with this key).
    const early = await ok(await report(gridA, { patrolKey: 'patrol-walk-7', description: '井盖缺失' }, { 'idempotency-key': 'case-on-walk-1' }), 201);
    // Someone else using the same key claims nothing of gridA's, and gets nothing of theirs.
    const other = await ok(await report(gridA2, { patrolKey: 'patrol-walk-7', description: '别人的', lng: 114.277, lat: 30.552 }), 201);
    expect((await t.db.selectFrom('cases').select('patrol_id').where('id', '=', early.id).executeTakeFirstOrThrow()).patrol_id).toBeNull();

    const patrol = await ok(await gridA.request('POST', '/api/patrols', patrolBody(), { 'idempotency-key': 'patrol-walk-7' }), 201);
    expect(patrol.casesFound).toBe(1);
    expect(patrol.cases.map((c: { id: string }) => c.id)).toEqual([early.id]);
    expect((await t.db.selectFrom('cases').select('patrol_id').where('id', '=', other.id).executeTakeFirstOrThrow()).patrol_id).toBeNull();
    const audit = await t.db.selectFrom('audit_log').select('detail').where('action', '=', 'patrol.create').where('resource_id', '=', patrol.id).executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ cases: [early.id] });

    // A case sent after its patrol (the outbox sent the patrol first) is placed on it at once.
    const late = await ok(await report(gridA, { patrolKey: 'patrol-walk-7', description: '路灯不亮' }), 201);
    expect((await t.db.selectFrom('cases').select('patrol_id').where('id', '=', late.id).executeTakeFirstOrThrow()).patrol_id).toBe(patrol.id);
    expect((await ok(await gridA.get(`/api/patrols/${patrol.id}`))).casesFound).toBe(2);
    // The retry of the early report answers the same case (its key and body), nothing new.
    const replay = await ok(await report(gridA, { patrolKey: 'patrol-walk-7', description: '井盖缺失' }, { 'idempotency-key': 'case-on-walk-1' }), 201);
    expect(replay.id).toBe(early.id);
  });

  it('counts in compliance as a case found', async () => {
    const res = await ok(await commA1.get(`/api/fieldwork/compliance?unitId=${tree.gridA1g1.id}&from=2026-11-20&to=2026-11-20`));
    const worker = res.workers.find((w: { name: string }) => w.name === '黄艳娇');
    // Her three reports (one on the patrol by id, two by its key); the community's own report is not hers.
    expect(worker.figures.casesFound).toBe(3);
  });
});

describe('the sweep', () => {
  it('keeps the photos of patrols and diary entries and removes the uploads nobody attached', async () => {
    const orphan = await upload(gridA);
    const onPatrol = await upload(gridA);
    const onDiary = await upload(gridA);
    const patrol = await ok(await gridA.post('/api/patrols', patrolBody({ attachmentIds: [onPatrol.id] })), 201);
    await ok(await gridA.post('/api/diary-entries', { occurredAt: at(1), body: '有照片的日记', attachmentIds: [onDiary.id] }), 201);
    t.clock.advance(25 * 3600_000);
    const removed = await sweepUnattached(t.ctx);
    expect(removed).toBeGreaterThanOrEqual(1);
    const left = (await t.db.selectFrom('attachment').select('id').where('id', 'in', [orphan.id, onPatrol.id, onDiary.id]).execute()).map((r) => r.id);
    expect(left.sort()).toEqual([onPatrol.id, onDiary.id].sort());
    expect((await t.db.selectFrom('attachment').select('id').where('patrol_id', '=', patrol.id).execute())).toHaveLength(1);
    // Nothing without an owner and older than a day is left.
    const stale = await t.db.selectFrom('attachment').select('id').where('case_id', 'is', null).where('patrol_id', 'is', null)
      .where('diary_entry_id', 'is', null).where('created_at', '<', new Date(t.clock.now().getTime() - 24 * 3600_000)).execute();
    expect(stale).toEqual([]);
  });

  it('has the database refuse an attachment with two owners', async () => {
    const row = await t.db.selectFrom('attachment').select(['id', 'patrol_id']).where('patrol_id', 'is not', null).executeTakeFirstOrThrow();
    const entry = await t.db.selectFrom('diary_entry').select('id').executeTakeFirstOrThrow();
    await expect(t.db.updateTable('attachment').set({ diary_entry_id: entry.id }).where('id', '=', row.id).execute()).rejects.toThrow(/attachment_attached_whole/);
  });
});
