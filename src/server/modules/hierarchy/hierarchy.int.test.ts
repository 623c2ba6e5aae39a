import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';

let t: TestApp;
let tree: Tree;

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'district', 'district_staff', tree.district);
  await makeUser(t.ctx, 'streetA', 'street_staff', tree.streetA);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'gridA1g1', 'grid_worker', tree.gridA1g1);
  await makeUser(t.ctx, 'resident1', 'resident', tree.gridA1g1);
});
afterAll(() => t.close());

describe('hierarchy API', () => {
  it('401 without a session', async () => {
    const res = await new Client(t.app).get('/api/units/roots');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
  });

  it('403 for a role without unit.read', async () => {
    const c = await signedIn(t.app, 'resident1');
    expect((await c.get('/api/units/roots')).statusCode).toBe(403);
  });

  it('shows each caller the roots of their own scope', async () => {
    const c = await signedIn(t.app, 'streetA');
    const roots = (await c.get('/api/units/roots')).json().items;
    expect(roots.map((u: { name: string }) => u.name)).toEqual(['建桥街道']);
    expect(roots[0].abilities).toEqual({ createChild: true, update: true, move: false, delete: false });
    const kids = (await c.get(`/api/units/${tree.streetA.id}/children`)).json().items;
    expect(kids.map((u: { code: string }) => u.code)).toEqual(['420105002001', '420105002002']);
  });

  it('answers 404 for a unit outside the caller’s scope, exactly like a missing one', async () => {
    const c = await signedIn(t.app, 'gridA1g1');
    const other = await c.get(`/api/units/${tree.gridB1g1.id}`);
    const missing = await c.get('/api/units/999999999');
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual(missing.json());
    expect((await c.get(`/api/units/${tree.gridA1g1.id}`)).statusCode).toBe(200);
    expect((await c.get(`/api/units/${tree.commA1.id}/children`)).statusCode).toBe(404);
  });

  it('creates a grid with a generated code under its community, and audits it', async () => {
    const c = await signedIn(t.app, 'commA1');
    const res = await c.post('/api/units', { parentId: tree.commA1.id, name: '第三网格' });
    expect(res.statusCode).toBe(201);
    const { unit, ancestors } = res.json();
    expect(unit).toMatchObject({ level: 'grid', code: '420105002001003', name: '第三网格', regionCode: '420105' });
    expect(ancestors.map((a: { name: string }) => a.name)).toEqual(['钟家村社区']);
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'unit.create').where('resource_id', '=', unit.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_username).toBe('commA1');
  });

  it('refuses a grid outside a community, a duplicate code and unknown fields, naming the field', async () => {
    const c = await signedIn(t.app, 'district');
    const wrongLevel = await c.post('/api/units', { parentId: tree.streetA.id, level: 'grid', name: '错误网格' });
    expect(wrongLevel.statusCode).toBe(400);
    expect(wrongLevel.json().error).toMatchObject({ field: 'level' });
    expect(wrongLevel.json().error.message).toBe('层级：网格只能建在社区之下');

    const dup = await c.post('/api/units', { parentId: tree.streetA.id, code: '420105002001', name: '重复社区' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'code_taken', field: 'code' });
    expect(dup.json().error.message).toContain('420105002001');

    const unknown = await c.post('/api/units', { parentId: tree.streetA.id, name: 'x', code: '420105002099', colour: 'red' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.field).toBe('colour');

    const wrongType = await c.post('/api/units', { parentId: tree.streetA.id, name: 42 });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error).toMatchObject({ field: 'name' });
    expect(wrongType.json().error.message).toMatch(/^名称/);

    c.lang = 'en';
    const en = await c.post('/api/units', { parentId: tree.streetA.id, name: '' });
    expect(en.statusCode).toBe(400);
    expect(en.json().error.message).toBe('Name: is required');
  });

  it('refuses a body that is not JSON or too large, with 4xx not 500', async () => {
    const c = await signedIn(t.app, 'district');
    const bad = await c.request('POST', '/api/units', '{"parentId": ', { 'content-type': 'application/json' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_json');
    const big = await c.request('POST', '/api/units', JSON.stringify({ parentId: '1', name: 'x'.repeat(2_000_000) }), { 'content-type': 'application/json' });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.field).toBe('body');
  });

  it('renames a unit and validates a boundary polygon', async () => {
    const c = await signedIn(t.app, 'commA1');
    const ok = await c.patch(`/api/units/${tree.gridA1g2.id}`, { name: '第二网格（滨江）' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().unit.name).toBe('第二网格（滨江）');
    const open = await c.patch(`/api/units/${tree.gridA1g2.id}`, {
      boundary: { type: 'Polygon', coordinates: [[[114.1, 30.1], [114.2, 30.1], [114.2, 30.2], [114.1, 30.25]]] },
    });
    expect(open.statusCode).toBe(400);
    expect(open.json().error.field).toBe('boundary');
  });

  it('moves a subtree with everything scoped under it, in one transaction', async () => {
    // A building and a user hang under grid A1g1's micro-grid.
    const b = await t.db.insertInto('building').values({
      unit_id: tree.microA1g1m1.id, unit_path: tree.microA1g1m1.path, region_code: '420105', name: '1栋',
    }).returning('id').executeTakeFirstOrThrow();
    const c = await signedIn(t.app, 'streetA');
    const res = await c.post(`/api/units/${tree.gridA1g1.id}/move`, { parentId: tree.commA2.id });
    expect(res.statusCode).toBe(200);
    const moved = res.json().unit;
    expect(moved.path).toBe(`${tree.commA2.path}.${tree.gridA1g1.id}`);
    const micro = await t.db.selectFrom('unit').select('path').where('id', '=', tree.microA1g1m1.id).executeTakeFirstOrThrow();
    expect(micro.path).toBe(`${moved.path}.${tree.microA1g1m1.id}`);
    const building = await t.db.selectFrom('building').select('unit_path').where('id', '=', b.id).executeTakeFirstOrThrow();
    expect(building.unit_path).toBe(micro.path);
    const worker = await t.db.selectFrom('app_user').select('unit_path').where('username', '=', 'gridA1g1').executeTakeFirstOrThrow();
    expect(worker.unit_path).toBe(moved.path);
    // The grid worker's scope followed: they still see their grid, now under A2.
    const w = await signedIn(t.app, 'gridA1g1');
    expect((await w.get(`/api/units/${tree.gridA1g1.id}`)).json().ancestors).toEqual([]);
    // Community A1's secretary no longer sees it.
    const a1 = await signedIn(t.app, 'commA1');
    expect((await a1.get(`/api/units/${tree.gridA1g1.id}`)).statusCode).toBe(404);
    // Move it back.
    expect((await c.post(`/api/units/${tree.gridA1g1.id}/move`, { parentId: tree.commA1.id })).statusCode).toBe(200);
  });

  it('refuses to move a unit under its own descendant, to the wrong level, or its own scope root', async () => {
    const c = await signedIn(t.app, 'district');
    const intoSelf = await c.post(`/api/units/${tree.streetA.id}/move`, { parentId: tree.commA1.id });
    expect(intoSelf.statusCode).toBe(400);
    expect(intoSelf.json().error.field).toBe('parentId');
    const level = await c.post(`/api/units/${tree.gridA1g2.id}/move`, { parentId: tree.streetB.id });
    expect(level.statusCode).toBe(400);
    const a1 = await signedIn(t.app, 'commA1');
    const root = await a1.post(`/api/units/${tree.commA1.id}/move`, { parentId: tree.streetB.id });
    expect(root.statusCode).toBe(403);
    // A target outside the caller's scope is as good as missing.
    const out = await a1.post(`/api/units/${tree.gridA1g2.id}/move`, { parentId: tree.commB1.id });
    expect(out.statusCode).toBe(404);
  });

  it('deletes only an empty unit', async () => {
    const c = await signedIn(t.app, 'commA1');
    const full = await c.delete(`/api/units/${tree.gridA1g1.id}`);
    expect(full.statusCode).toBe(409);
    expect(full.json().error.code).toBe('not_empty');
    const created = (await c.post('/api/units', { parentId: tree.commA1.id, name: '临时网格' })).json().unit;
    expect((await c.delete(`/api/units/${created.id}`)).statusCode).toBe(204);
    expect((await c.get(`/api/units/${created.id}`)).statusCode).toBe(404);
    const n = await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log WHERE action = 'unit.delete'`.execute(t.db);
    expect(Number(n.rows[0]!.n)).toBe(1);
  });

  it('places a point in its grid, else its community, else refuses it', async () => {
    const box = await t.db.selectFrom('unit').select('bbox').where('id', '=', tree.gridA1g1.id).executeTakeFirstOrThrow();
    expect(box.bbox!.map((v) => Number(v.toFixed(6)))).toEqual([114.27, 30.55, 114.274, 30.554]);
    const c = await signedIn(t.app, 'commA1');
    const inGrid = await c.get('/api/units/locate?lng=114.272&lat=30.552');
    expect(inGrid.statusCode).toBe(200);
    expect(inGrid.json()).toMatchObject({ unit: { id: tree.gridA1g1.id }, grid: { id: tree.gridA1g1.id }, community: { id: tree.commA1.id }, microgrid: null });
    const nowhere = await c.get('/api/units/locate?lng=114.30&lat=30.60');
    expect(nowhere.statusCode).toBe(400);
    expect(nowhere.json().error).toMatchObject({ code: 'outside_area', field: 'lng' });
    // Draw the community: a point between the grids now lands at the community.
    const outline = { type: 'Polygon', coordinates: [[[114.26, 30.54], [114.29, 30.54], [114.29, 30.56], [114.26, 30.56], [114.26, 30.54]]] };
    expect((await c.patch(`/api/units/${tree.commA1.id}`, { boundary: outline })).statusCode).toBe(200);
    const inCommunity = (await c.get('/api/units/locate?lng=114.285&lat=30.545')).json();
    expect(inCommunity).toMatchObject({ unit: { id: tree.commA1.id }, grid: null, community: { id: tree.commA1.id } });
    // Someone whose area does not hold the point is refused exactly the same way.
    const w = await signedIn(t.app, 'gridA1g1');
    const other = await w.get('/api/units/locate?lng=114.276&lat=30.552');
    expect(other.statusCode).toBe(400);
    expect(other.json()).toEqual(nowhere.json());
    const bad = await c.get('/api/units/locate?lng=200&lat=30');
    expect(bad.json().error.field).toBe('lng');
  });
});
