import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { startFakeS3, type FakeS3 } from '../../core/storage/s3.test-server.js';
import { JPEG_5x3, NOT_IMAGES, WEBP_VP8L_6x2, WEBP_VP8X_7x4, WEBP_VP8_7x4, png } from '../../core/storage/test-images.js';
import { addDepartmentMember, ensureStandardDepartments } from './departments.service.js';
import { sweepUnattached } from './attachments.service.js';
import { casesModule } from './cases.module.js';

const MAX = 8192;
let t: TestApp;
let tree: Tree;
let dataDir: string;
let resident: Client;
let resident2: Client;
let comm: Client;
let worker1: Client;
let worker2: Client;
let street: Client;
let urban: Client;
let admin: Client;
let depts: Record<string, string>;

const IN_G1 = { lng: 114.272, lat: 30.552 };
const GARBAGE = 'city_appearance.exposed_garbage';

async function ok<T = any>(res: LightMyRequestResponse, status = 200): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json();
}

/** POST the raw bytes as the body, with the session of `c`. */
function upload(c: Client, bytes: Buffer, type: string | null = 'application/octet-stream', headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST', url: '/api/attachments', payload: bytes,
    headers: { 'accept-language': c.lang, ...(c.cookie ? { cookie: c.cookie } : {}), ...(type ? { 'content-type': type } : {}), ...headers },
  });
}
const uploaded = async (c: Client, bytes: Buffer = png(40, 30)) => ok(await upload(c, bytes), 201);
const report = async (c: Client, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  c.request('POST', '/api/cases', { categoryCode: GARBAGE, description: '小区门口垃圾堆积', ...IN_G1, ...body }, headers);
const step = async (c: Client, id: string, action: string, body: Record<string, unknown> = {}) => ok(await c.post(`/api/cases/${id}/actions/${action}`, body));
const caseCount = async () => Number((await t.db.selectFrom('cases').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-attachments-'));
  t = await createTestApp({ LINLI_DATA_DIR: dataDir, LINLI_ATTACHMENT_MAX_BYTES: String(MAX), LINLI_MFA_REQUIRED_ROLES: '' });
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'resident1', 'resident', tree.gridA1g1, { displayName: '李居民' });
  await makeUser(t.ctx, 'resident2', 'resident', tree.gridA1g1);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'worker1', 'grid_worker', tree.gridA1g1);
  await makeUser(t.ctx, 'worker2', 'grid_worker', tree.gridA1g2);
  await makeUser(t.ctx, 'streetA', 'street_staff', tree.streetA);
  await makeUser(t.ctx, 'admin', 'system_admin', tree.district);
  depts = await ensureStandardDepartments(t.db, tree.district);
  await addDepartmentMember(t.db, depts.urban_management!, await makeUser(t.ctx, 'urban', 'department_handler', tree.district));
  await signInAll();
});

async function signInAll() {
  const who = ['resident1', 'resident2', 'commA1', 'worker1', 'worker2', 'streetA', 'urban', 'admin'] as const;
  const c = await Promise.all(who.map((u) => signedIn(t.app, u)));
  [resident, resident2, comm, worker1, worker2, street, urban, admin] = c as [Client, Client, Client, Client, Client, Client, Client, Client];
}

afterAll(async () => {
  await t?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('POST /api/attachments', () => {
  it('401 without a session, 403 without a case permission — before the body is read', async () => {
    expect((await upload(new Client(t.app), png(4, 4))).statusCode).toBe(401);
    const res = await upload(admin, png(4, 4));
    expect(res.statusCode).toBe(403);
    // Even an oversized body from a stranger is a 401, not a 413.
    expect((await upload(new Client(t.app), png(100, 100, [1, 2, 3], MAX * 4))).statusCode).toBe(401);
  });

  it('keeps JPEG, PNG and WebP, whatever Content-Type they are sent with, with their width and height', async () => {
    const cases: [Buffer, string | null, string, number, number][] = [
      [JPEG_5x3, 'image/jpeg', 'image/jpeg', 5, 3],
      [png(640, 480), 'image/png', 'image/png', 640, 480],
      [WEBP_VP8_7x4, 'image/webp', 'image/webp', 7, 4],
      [WEBP_VP8L_6x2, 'application/octet-stream', 'image/webp', 6, 2],
      [WEBP_VP8X_7x4, 'application/octet-stream', 'image/webp', 7, 4],
      // The header lies (or is missing): the bytes decide.
      [JPEG_5x3, 'image/png', 'image/jpeg', 5, 3],
      [png(3, 2), null, 'image/png', 3, 2],
    ];
    for (const [bytes, sent, type, width, height] of cases) {
      const a = await ok(await upload(worker1, bytes, sent), 201);
      expect(a, `${type} sent as ${sent}`).toEqual({ id: expect.stringMatching(/^\d+$/), url: `/api/attachments/${a.id}`, contentType: type, byteSize: bytes.length, width, height });
      const row = await t.db.selectFrom('attachment').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ storage: 'disk', case_id: null, unit_path: null, content_type: type, byte_size: bytes.length });
      // Stored outside the web root, under the data directory, byte for byte.
      expect(await fs.readFile(path.join(dataDir, 'attachments', row.storage_key))).toEqual(bytes);
    }
    const audit = await t.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'attachment.upload').execute();
    expect(audit.length).toBe(cases.length);
  });

  it('415 on field "file" for HTML, SVG, GIF, PDF, text named .jpg and a bare JPEG magic, in the caller’s language', async () => {
    for (const [name, bytes] of Object.entries(NOT_IMAGES)) {
      for (const type of ['image/jpeg', 'application/octet-stream', 'text/html']) {
        const res = await upload(resident, bytes, type);
        expect(res.statusCode, `${name} as ${type}`).toBe(415);
        expect(res.json().error).toMatchObject({ code: 'unsupported_media_type', field: 'file', message: '只能上传 JPEG、PNG 或 WebP 格式的照片' });
      }
    }
    resident.lang = 'en';
    expect((await upload(resident, NOT_IMAGES.svg, 'image/svg+xml')).json().error).toMatchObject({ field: 'file', message: 'Only JPEG, PNG or WebP photos can be uploaded' });
    resident.lang = 'zh-CN';
  });

  it('413 on field "file" over LINLI_ATTACHMENT_MAX_BYTES; 400 when empty', async () => {
    const big = png(10, 10, [9, 9, 9], MAX + 100);
    const res = await upload(resident, big, 'image/png');
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'file_too_large', field: 'file', message: '照片不能超过 8 KB' });
    expect((await upload(resident, png(10, 10, [9, 9, 9], MAX - 10), 'image/png')).statusCode).toBe(201);
    const empty = await upload(resident, Buffer.alloc(0), 'image/jpeg');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toMatchObject({ field: 'file', message: '照片：照片是空的' });
  });

  it('the same Idempotency-Key from the same account answers the same attachment; other bytes under it are a 409', async () => {
    const first = await ok(await upload(resident, JPEG_5x3, 'image/jpeg', { 'idempotency-key': 'photo-1' }), 201);
    const again = await ok(await upload(resident, JPEG_5x3, 'image/jpeg', { 'idempotency-key': 'photo-1' }), 200);
    expect(again).toEqual(first);
    const other = await upload(resident, png(5, 5), 'image/png', { 'idempotency-key': 'photo-1' });
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toMatchObject({ code: 'idempotency_mismatch', field: 'Idempotency-Key' });
    // Another account's key space is its own.
    const theirs = await ok(await upload(resident2, JPEG_5x3, 'image/jpeg', { 'idempotency-key': 'photo-1' }), 201);
    expect(theirs.id).not.toBe(first.id);
    expect((await upload(resident, JPEG_5x3, 'image/jpeg', { 'idempotency-key': 'bad key' })).json().error.field).toBe('Idempotency-Key');
    // Two sends of one photo at once (a phone retrying while the first is under way): one attachment, no stray object.
    const files = async () => (await fs.readdir(path.join(dataDir, 'attachments'), { recursive: true })).filter((f) => /[0-9a-f]{32}$/.test(String(f))).length;
    const filesBefore = await files();
    const both = await Promise.all([1, 2].map(() => upload(resident, WEBP_VP8_7x4, 'image/webp', { 'idempotency-key': 'photo-2' })));
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 201]);
    expect(both[0]!.json().id).toBe(both[1]!.json().id);
    expect(await files()).toBe(filesBefore + 1);
  });
});

describe('photos with a report and with the steps of the loop', () => {
  it('a report with photos: the case lists them, the report step carries them, and they are served with safe headers', async () => {
    const a = await uploaded(resident, JPEG_5x3);
    const b = await uploaded(resident, png(80, 60));
    const c = await ok(await report(resident, { attachmentIds: [a.id, b.id] }), 201);
    expect(c.attachments).toEqual([
      { id: a.id, url: `/api/attachments/${a.id}`, contentType: 'image/jpeg', width: 5, height: 3, eventId: c.timeline[0].id, createdAt: expect.any(String) },
      { id: b.id, url: `/api/attachments/${b.id}`, contentType: 'image/png', width: 80, height: 60, eventId: c.timeline[0].id, createdAt: expect.any(String) },
    ]);
    expect(c.timeline[0]).toMatchObject({ action: 'report', attachmentIds: [a.id, b.id] });
    const row = await t.db.selectFrom('attachment').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ case_id: c.id, unit_id: tree.gridA1g1.id, unit_path: tree.gridA1g1.path, region_code: tree.gridA1g1.region_code });
    expect(row.attached_at).toBeInstanceOf(Date);

    const res = await worker1.get(a.url);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload).toEqual(JPEG_5x3);
    expect(res.headers).toMatchObject({
      'content-type': 'image/jpeg',
      'content-length': String(JPEG_5x3.length),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'content-disposition': `inline; filename="${a.id}.jpg"`,
      'cache-control': 'private, max-age=3600',
    });
    expect((await resident.get(b.url)).headers['content-disposition']).toBe(`inline; filename="${b.id}.png"`);

    // Linked once: the same ids cannot go with another report.
    const reuse = await report(resident, { attachmentIds: [a.id] });
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json().error).toMatchObject({ field: 'attachmentIds' });
  });

  it('someone else’s upload, an unknown id or a repeated id → 400 on attachmentIds, and no case is written', async () => {
    const mine = await uploaded(resident);
    const theirs = await uploaded(resident2);
    const before = await caseCount();
    const res = await report(resident, { attachmentIds: [mine.id, theirs.id] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ field: 'attachmentIds', message: '照片：照片不存在，或不是您本人刚上传且尚未使用的照片' });
    expect((await report(resident, { attachmentIds: ['999999'] })).json().error.field).toBe('attachmentIds');
    expect((await report(resident, { attachmentIds: [mine.id, mine.id] })).json().error).toMatchObject({ field: 'attachmentIds', message: '照片：同一张照片不能提交两次' });
    const ten = await report(resident, { attachmentIds: Array.from({ length: 10 }, (_, i) => String(i + 1)) });
    expect(ten.json().error.field).toMatch(/^attachmentIds/);
    expect(await caseCount()).toBe(before);
    // Nothing linked either: the upload is still free to use.
    const ok201 = await ok(await report(resident, { attachmentIds: [mine.id] }), 201);
    expect(ok201.attachments.map((x: { id: string }) => x.id)).toEqual([mine.id]);
  });

  it('a replayed report (same Idempotency-Key and body) answers the same case even though its photos are linked', async () => {
    const a = await uploaded(resident);
    const body = { attachmentIds: [a.id] };
    const first = await ok(await report(resident, body, { 'idempotency-key': 'report-with-photo' }), 201);
    const again = await ok(await report(resident, body, { 'idempotency-key': 'report-with-photo' }), 201);
    expect(again.id).toBe(first.id);
    expect(again.attachments.map((x: { id: string }) => x.id)).toEqual([a.id]);
  });

  it('photos with a feed back and a verification go with those steps; a step with a foreign photo changes nothing', async () => {
    const c = await ok(await report(resident), 201);
    await step(comm, c.id, 'accept');
    await step(comm, c.id, 'dispatch', { unitId: tree.gridA1g1.id });
    await step(worker1, c.id, 'claim');
    const foreign = await uploaded(resident);
    const refused = await worker1.post(`/api/cases/${c.id}/actions/feed_back`, { note: '已清理', attachmentIds: [foreign.id] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.field).toBe('attachmentIds');
    expect((await ok(await worker1.get(`/api/cases/${c.id}`))).state).toBe('in_progress');

    const after = await uploaded(worker1, png(30, 40));
    let v = await step(worker1, c.id, 'feed_back', { note: '已清理', attachmentIds: [after.id] });
    expect(v.state).toBe('handled');
    const fb = v.timeline.at(-1);
    expect(fb).toMatchObject({ action: 'feed_back', attachmentIds: [after.id] });
    const check = await uploaded(worker1, WEBP_VP8_7x4);
    v = await step(worker1, c.id, 'verify_pass', { attachmentIds: [check.id] });
    expect(v.timeline.at(-1)).toMatchObject({ action: 'verify_pass', attachmentIds: [check.id] });
    expect(v.timeline[0].attachmentIds).toEqual([]);
    expect(v.attachments.map((x: { id: string; eventId: string }) => [x.id, x.eventId])).toEqual([[after.id, fb.id], [check.id, v.timeline.at(-1).id]]);
    // The reporter sees the handling photos of their case.
    expect((await resident.get(after.url)).statusCode).toBe(200);
  });
});

describe('GET /api/attachments/:id — who sees a photo', () => {
  it('an unattached upload: its uploader only; a case photo: whoever sees the case; the department only once dispatched', async () => {
    const loose = await uploaded(worker1);
    expect((await worker1.get(loose.url)).statusCode).toBe(200);
    for (const other of [comm, street, worker2, resident]) {
      const res = await other.get(loose.url);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await new Client(t.app).get(loose.url)).statusCode).toBe(401);

    const photo = await uploaded(resident);
    const c = await ok(await report(resident, { attachmentIds: [photo.id] }), 201);
    for (const who of [resident, worker1, comm, street]) expect((await who.get(photo.url)).statusCode).toBe(200);
    // The grid worker of another grid, and a department it was not dispatched to: 404 like a missing photo.
    const other = await worker2.get(photo.url);
    expect(other.statusCode).toBe(404);
    expect(other.body).toBe((await worker2.get('/api/attachments/999999999')).body);
    expect((await urban.get(photo.url)).statusCode).toBe(404);
    await step(comm, c.id, 'accept');
    await step(comm, c.id, 'dispatch', { departmentId: depts.urban_management });
    expect((await urban.get(photo.url)).statusCode).toBe(200);
    // A department handler may upload photos for its feed back.
    expect((await upload(urban, png(4, 4))).statusCode).toBe(201);
    expect((await worker1.get('/api/attachments/abc')).statusCode).toBe(400);
  });
});

describe('the sweep of unattached uploads', () => {
  it('removes only uploads older than a day that were never attached: row and object', async () => {
    const stale = await uploaded(resident2);
    const attached = await uploaded(resident2);
    await ok(await report(resident2, { attachmentIds: [attached.id] }), 201);
    t.clock.advance(23 * 3600_000);
    await signInAll();
    const young = await uploaded(resident2);
    t.clock.advance(2 * 3600_000);
    await signInAll();
    const keyOf = async (id: string) => (await t.db.selectFrom('attachment').select('storage_key').where('id', '=', id).executeTakeFirstOrThrow()).storage_key;
    const staleFile = path.join(dataDir, 'attachments', await keyOf(stale.id));
    await fs.access(staleFile);

    const removed = await sweepUnattached(t.ctx);
    expect(removed).toBeGreaterThanOrEqual(1);
    const left = (await t.db.selectFrom('attachment').select('id').where('id', 'in', [stale.id, attached.id, young.id]).execute()).map((r) => r.id);
    expect(left.sort()).toEqual([attached.id, young.id].sort());
    await expect(fs.access(staleFile)).rejects.toThrow();
    await fs.access(path.join(dataDir, 'attachments', await keyOf(young.id)));
    await fs.access(path.join(dataDir, 'attachments', await keyOf(attached.id)));
    // Nothing unattached older than a day is left; a second sweep has nothing to do.
    const old = await t.db.selectFrom('attachment').select('id').where('case_id', 'is', null)
      .where('created_at', '<', new Date(t.clock.now().getTime() - 24 * 3600_000)).execute();
    expect(old).toEqual([]);
    expect(await sweepUnattached(t.ctx)).toBe(0);
    const audit = await t.db.selectFrom('audit_log').select('detail').where('action', '=', 'attachment.sweep').execute();
    expect(audit.length).toBe(1);
  });

  it('runs from the cases module’s start hook and stops cleanly with the server', async () => {
    const background = casesModule.start!(t.ctx);
    await background.stop();
  });
});

describe('a hierarchy move carries attached photos along', () => {
  it('moving a grid rewrites the unit_path of its case photos and leaves unattached uploads alone', async () => {
    const photo = await uploaded(resident);
    await ok(await report(resident, { attachmentIds: [photo.id] }), 201);
    const loose = await uploaded(resident);
    expect((await street.post(`/api/units/${tree.gridA1g1.id}/move`, { parentId: tree.commA2.id })).statusCode).toBe(200);
    const moved = await t.db.selectFrom('unit').select('path').where('id', '=', tree.gridA1g1.id).executeTakeFirstOrThrow();
    const rows = await t.db.selectFrom('attachment').select(['id', 'unit_path']).where('id', 'in', [photo.id, loose.id]).orderBy('id').execute();
    expect(rows).toEqual([{ id: photo.id, unit_path: moved.path }, { id: loose.id, unit_path: null }]);
    expect((await street.post(`/api/units/${tree.gridA1g1.id}/move`, { parentId: tree.commA1.id })).statusCode).toBe(200);
  });
});

describe('LINLI_ATTACHMENT_STORE=s3', () => {
  let s3: FakeS3;
  let app: TestApp;
  beforeAll(async () => {
    s3 = await startFakeS3();
    app = await createTestApp({
      LINLI_ATTACHMENT_STORE: 's3', LINLI_S3_ENDPOINT: s3.endpoint, LINLI_S3_BUCKET: s3.bucket,
      LINLI_S3_ACCESS_KEY_ID: s3.accessKeyId, LINLI_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
    const tr = await buildTree(app.ctx);
    await makeUser(app.ctx, 'worker_s3', 'grid_worker', tr.gridA1g1);
  });
  afterAll(async () => {
    await app?.close();
    await s3?.close();
  });

  it('uploads into the bucket (signed, payload hash checked), serves from it, sweeps from it', async () => {
    const w = await signedIn(app.app, 'worker_s3');
    const bytes = png(120, 90);
    const res = await app.app.inject({ method: 'POST', url: '/api/attachments', payload: bytes, headers: { cookie: w.cookie!, 'content-type': 'image/png' } });
    expect(res.statusCode).toBe(201);
    const a = res.json();
    const row = await app.db.selectFrom('attachment').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(row.storage).toBe('s3');
    expect(s3.objects.get(row.storage_key)).toEqual({ body: bytes, contentType: 'image/png' });
    const got = await w.get(a.url);
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload).toEqual(bytes);
    expect(got.headers['content-type']).toBe('image/png');
    app.clock.advance(25 * 3600_000);
    expect(await sweepUnattached(app.ctx)).toBe(1);
    expect(s3.objects.has(row.storage_key)).toBe(false);
    expect(s3.refused).toEqual([]);
  });
});
