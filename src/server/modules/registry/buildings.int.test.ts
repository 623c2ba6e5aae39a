import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';

let t: TestApp;
let tree: Tree;
let comm: Client;
let district: Client;
const tag = {} as Record<string, string>;

// Building 3栋 in grid A1g1: six floors, two entrances; 7栋 in the micro-grid below; 1栋 in grid B1g1.
const b = {} as Record<'a3' | 'a7' | 'b1', string>;
const e = {} as Record<'a3e1' | 'a3e2' | 'b1e1', string>;
const h = {} as Record<'a0601' | 'a0101' | 'a0102' | 'aB1' | 'aGarage' | 'b0101', string>;

async function ok<T = any>(res: { statusCode: number; body: string; json(): any }, status = 200): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json();
}

/** A resident put straight into the database (the residents API is not this file's subject). */
async function addResident(householdId: string, name: string, opts: { tags?: string[]; status?: 'active' | 'moved_out' | 'deceased'; birthDate?: string; relation?: string } = {}) {
  const hh = await t.db.selectFrom('household').select(['unit_id', 'unit_path', 'region_code']).where('id', '=', householdId).executeTakeFirstOrThrow();
  const { id } = await t.db.insertInto('resident').values({
    household_id: householdId, unit_id: hh.unit_id, unit_path: hh.unit_path, region_code: hh.region_code, name,
    gender: 'female', birth_date: opts.birthDate ?? null, relation: opts.relation ?? null, status: opts.status ?? 'active',
    id_number_enc: t.ctx.cipher.encrypt('420105194601011234'), phone_enc: t.ctx.cipher.encrypt('13812345678'),
  }).returning('id').executeTakeFirstOrThrow();
  for (const code of opts.tags ?? []) await t.db.insertInto('resident_tag').values({ resident_id: id, tag_id: tag[code]! }).execute();
  return id;
}

async function auditRows(action: string, resourceId: string) {
  return t.db.selectFrom('audit_log').selectAll().where('action', '=', action).where('resource_id', '=', resourceId).orderBy('id').execute();
}

const codes = (tags: { code: string }[]) => tags.map((x) => x.code);

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'district', 'district_staff', tree.district);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'worker1', 'grid_worker', tree.gridA1g1);
  await makeUser(t.ctx, 'worker2', 'grid_worker', tree.gridA1g2);
  await makeUser(t.ctx, 'resident1', 'resident', tree.gridA1g1);
  for (const r of await t.db.selectFrom('care_tag').select(['id', 'code']).execute()) tag[r.code] = r.id;

  comm = await signedIn(t.app, 'commA1');
  district = await signedIn(t.app, 'district');
  b.a3 = (await ok(await comm.post('/api/buildings', {
    unitId: tree.gridA1g1.id, name: '3栋', address: '钟家村路 3 号', lng: 114.271, lat: 30.551, floors: 6,
  }), 201)).id;
  b.a7 = (await ok(await comm.post('/api/buildings', { unitId: tree.microA1g1m1.id, name: '7栋', buildingType: 'mixed' }), 201)).id;
  b.b1 = (await ok(await district.post('/api/buildings', { unitId: tree.gridB1g1.id, name: '1栋', address: '晴川大道 1 号', floors: 3 }), 201)).id;
  e.a3e1 = (await ok(await comm.post(`/api/buildings/${b.a3}/entrances`, { name: '1单元' }), 201)).id;
  e.a3e2 = (await ok(await comm.post(`/api/buildings/${b.a3}/entrances`, { name: '2单元' }), 201)).id;
  e.b1e1 = (await ok(await district.post(`/api/buildings/${b.b1}/entrances`, { name: '1单元' }), 201)).id;
  const hh = (body: object, who = comm) => who.post('/api/households', body).then((r) => ok(r, 201)).then((x) => x.id as string);
  h.a0601 = await hh({ buildingId: b.a3, entranceId: e.a3e1, room: '0601', floor: 6, usage: 'rented', tagIds: [tag.short_rent, tag.low_income] });
  h.a0101 = await hh({ buildingId: b.a3, entranceId: e.a3e1, room: '0101', floor: 1, tagIds: [tag.long_term] });
  h.a0102 = await hh({ buildingId: b.a3, entranceId: e.a3e2, room: '0102', floor: 1, usage: 'vacant' });
  h.aB1 = await hh({ buildingId: b.a3, entranceId: e.a3e1, room: 'B101', floor: -1, usage: 'commercial' });
  h.aGarage = await hh({ buildingId: b.a3, room: '车库3' });
  h.b0101 = await hh({ buildingId: b.b1, entranceId: e.b1e1, room: '0101', floor: 1 }, district);
});
afterAll(() => t.close());

describe('GET /api/buildings', () => {
  it('401 without a session', async () => {
    const res = await new Client(t.app).get('/api/buildings');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
  });

  it('400 naming the field, in Chinese and once in English', async () => {
    const limit = await comm.get('/api/buildings?limit=0');
    expect(limit.statusCode).toBe(400);
    expect(limit.json().error).toMatchObject({ field: 'limit', message: '每页条数：不能小于 1' });
    const unit = await comm.get('/api/buildings?unitId=abc');
    expect(unit.json().error).toMatchObject({ field: 'unitId', message: '所属单元：格式不正确' });
    const en = new Client(t.app, 'en');
    en.cookie = comm.cookie;
    expect((await en.get('/api/buildings?limit=500')).json().error).toMatchObject({ field: 'limit', message: 'Page size: must be at most 200' });
  });

  it('403 for a role without registry.read', async () => {
    const c = await signedIn(t.app, 'resident1');
    expect((await c.get('/api/buildings')).statusCode).toBe(403);
  });

  it('404 for a unit filter outside the caller’s scope, exactly like a missing unit', async () => {
    const w = await signedIn(t.app, 'worker1');
    const other = await w.get(`/api/buildings?unitId=${tree.gridB1g1.id}`);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual((await w.get('/api/buildings?unitId=999999999')).json());
  });

  it('lists the buildings in scope with their place, counts and abilities; filters by name, address and subtree', async () => {
    const w = await signedIn(t.app, 'worker1');
    const list = await ok(await w.get('/api/buildings'));
    expect(list.total).toBe(2);
    expect(list.items.map((x: { name: string }) => x.name)).toEqual(['3栋', '7栋']);
    expect(list.items[0]).toMatchObject({
      id: b.a3, name: '3栋', address: '钟家村路 3 号', lng: 114.271, lat: 30.551, floors: 6, buildingType: 'residential',
      unit: { id: tree.gridA1g1.id, name: '第一网格', level: 'grid' },
      grid: { id: tree.gridA1g1.id, name: '第一网格' },
      community: { id: tree.commA1.id, name: '钟家村社区', level: 'community' },
      householdCount: 5, residentCount: 0, abilities: { update: true },
    });
    expect(list.items[1]).toMatchObject({ unit: { id: tree.microA1g1m1.id, level: 'microgrid' }, grid: { id: tree.gridA1g1.id }, buildingType: 'mixed' });

    const all = await ok(await district.get('/api/buildings'));
    expect(all.total).toBe(3);
    expect((await ok(await district.get(`/api/buildings?unitId=${tree.streetB.id}`))).items.map((x: { id: string }) => x.id)).toEqual([b.b1]);
    expect((await ok(await district.get(`/api/buildings?q=${encodeURIComponent('晴川大道')}`))).items.map((x: { id: string }) => x.id)).toEqual([b.b1]);
    expect((await ok(await district.get(`/api/buildings?q=${encodeURIComponent('7栋')}`))).total).toBe(1);
    expect((await ok(await district.get('/api/buildings?q=%25'))).total).toBe(0);
    const page = await ok(await district.get('/api/buildings?limit=1&offset=1'));
    expect(page.items).toHaveLength(1);
    expect(page.total).toBe(3);
  });

  it('never shows a grid worker the buildings of another grid', async () => {
    const w2 = await signedIn(t.app, 'worker2');
    expect(await ok(await w2.get('/api/buildings'))).toEqual({ items: [], total: 0 });
    const w1 = await signedIn(t.app, 'worker1');
    expect((await ok(await w1.get(`/api/buildings?q=${encodeURIComponent('1栋')}`))).total).toBe(0);
  });
});

describe('POST /api/buildings', () => {
  it('401, 400 naming the field, 403, 404, 201 with its audit row, 409 for a name taken in the unit', async () => {
    expect((await new Client(t.app).post('/api/buildings', { unitId: tree.gridA1g1.id, name: 'x' })).statusCode).toBe(401);

    const noName = await comm.post('/api/buildings', { unitId: tree.gridA1g1.id });
    expect(noName.statusCode).toBe(400);
    expect(noName.json().error).toMatchObject({ field: 'name', message: '名称：必填' });
    const floors = await comm.post('/api/buildings', { unitId: tree.gridA1g1.id, name: '9栋', floors: 0 });
    expect(floors.json().error).toMatchObject({ field: 'floors', message: '总层数：不能小于 1' });
    const type = await comm.post('/api/buildings', { unitId: tree.gridA1g1.id, name: '9栋', buildingType: 'castle' });
    expect(type.json().error.field).toBe('buildingType');
    const level = await comm.post('/api/buildings', { unitId: tree.commA1.id, name: '9栋' });
    expect(level.statusCode).toBe(400);
    expect(level.json().error).toMatchObject({ field: 'unitId', message: '所属单元：楼栋只能登记在网格或微网格下' });
    const half = await comm.post('/api/buildings', { unitId: tree.gridA1g1.id, name: '9栋', lng: 114.27 });
    expect(half.json().error).toMatchObject({ field: 'lat', message: '纬度：经度和纬度须同时填写或同时留空' });
    const unknown = await comm.post('/api/buildings', { unitId: tree.gridA1g1.id, name: '9栋', colour: 'red' });
    expect(unknown.json().error.field).toBe('colour');

    expect((await (await signedIn(t.app, 'resident1')).post('/api/buildings', { unitId: tree.gridA1g1.id, name: '9栋' })).statusCode).toBe(403);
    const w = await signedIn(t.app, 'worker1');
    const out = await w.post('/api/buildings', { unitId: tree.gridB1g1.id, name: '9栋' });
    expect(out.statusCode).toBe(404);
    expect(out.json().error.field).toBe('unitId');

    const created = await ok(await w.post('/api/buildings', { unitId: tree.gridA1g1.id, name: '9栋', floors: 18, address: '' }), 201);
    expect(created).toMatchObject({ name: '9栋', floors: 18, address: null, entrances: [], householdCount: 0, abilities: { update: true } });
    const audit = await auditRows('building.create', created.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_username: 'worker1', unit_path: tree.gridA1g1.path });

    const dup = await w.post('/api/buildings', { unitId: tree.gridA1g1.id, name: '9栋' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'name_taken', field: 'name' });
    expect(dup.json().error.message).toContain('9栋');
    // The same name in another grid is another building.
    expect((await comm.post('/api/buildings', { unitId: tree.gridA1g2.id, name: '9栋' })).statusCode).toBe(201);
  });

  it('answers in English when asked', async () => {
    const c = new Client(t.app, 'en');
    c.cookie = comm.cookie;
    const res = await c.post('/api/buildings', { unitId: tree.commA1.id, name: '10栋' });
    expect(res.json().error).toMatchObject({ field: 'unitId', message: 'Unit: A building belongs to a grid or a micro-grid' });
  });
});

describe('POST /api/buildings placed by its point', () => {
  const square = (lng: number, lat: number, d: number) => ({
    type: 'Polygon', coordinates: [[[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]]],
  });
  // Grids A1g1 [114.270, 114.274] and A1g2 [114.275, 114.279] × [30.550, 30.554] (the factory's);
  // here the micro-grid takes A1g1's south-west corner and the community an outline around both.
  const inMicro = { lng: 114.271, lat: 30.551 };
  const inGridOnly = { lng: 114.273, lat: 30.553 };
  const inGrid2 = { lng: 114.277, lat: 30.552 };
  const communityOnly = { lng: 114.285, lat: 30.545 };
  const nowhere = { lng: 114.30, lat: 30.60 };

  beforeAll(async () => {
    await t.db.updateTable('unit').set({ boundary: JSON.stringify(square(114.270, 30.550, 0.002)) }).where('id', '=', tree.microA1g1m1.id).execute();
    await t.db.updateTable('unit').set({ boundary: JSON.stringify(square(114.26, 30.54, 0.03)) }).where('id', '=', tree.commA1.id).execute();
  });

  it('400 on unitId when neither a unit nor a point is given; 400 on lat for half a point', async () => {
    const none = await comm.post('/api/buildings', { name: '点位楼' });
    expect(none.statusCode).toBe(400);
    expect(none.json().error).toMatchObject({ field: 'unitId', message: '所属单元：请选择所属网格，或填写经纬度由系统按位置归入网格' });
    const half = await comm.post('/api/buildings', { name: '点位楼', lng: inMicro.lng });
    expect(half.json().error).toMatchObject({ field: 'lat', message: '纬度：经度和纬度须同时填写或同时留空' });
    const nulls = await comm.post('/api/buildings', { name: '点位楼', lng: null, lat: null });
    expect(nulls.json().error.field).toBe('unitId');
  });

  it('places the building in the micro-grid, or the grid, that holds its point, and audits how', async () => {
    const micro = await ok(await comm.post('/api/buildings', { name: '点位楼一', ...inMicro }), 201);
    expect(micro).toMatchObject({ ...inMicro, unit: { id: tree.microA1g1m1.id, level: 'microgrid' }, grid: { id: tree.gridA1g1.id }, community: { id: tree.commA1.id } });
    const row = await t.db.selectFrom('building').selectAll().where('id', '=', micro.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ unit_id: tree.microA1g1m1.id, unit_path: tree.microA1g1m1.path, region_code: '420105' });
    const audit = await auditRows('building.create', micro.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toMatchObject({ unitId: tree.microA1g1m1.id, placedByPoint: true });

    const grid = await ok(await comm.post('/api/buildings', { name: '点位楼二', ...inGridOnly }), 201);
    expect(grid).toMatchObject({ unit: { id: tree.gridA1g1.id, level: 'grid' }, grid: { id: tree.gridA1g1.id } });
    // A grid worker places into their own grid by point too.
    const w2 = await signedIn(t.app, 'worker2');
    const other = await ok(await w2.post('/api/buildings', { name: '点位楼三', ...inGrid2 }), 201);
    expect(other.unit).toMatchObject({ id: tree.gridA1g2.id });
    // Names stay unique in the unit the point chose.
    const dup = await comm.post('/api/buildings', { name: '点位楼一', lng: 114.2712, lat: 30.5512 });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.field).toBe('name');
  });

  it('refuses a point in a community but in none of its grids, naming what to do', async () => {
    const res = await comm.post('/api/buildings', { name: '点位楼四', ...communityOnly });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'invalid', field: 'lng',
      message: '经度：该位置在钟家村社区内，但不在任何网格内：楼栋须登记在网格或微网格下，请先为网格绘制边界或选择所属网格',
    });
    const c = new Client(t.app, 'en');
    c.cookie = comm.cookie;
    expect((await c.post('/api/buildings', { name: '点位楼四', ...communityOnly })).json().error.message)
      .toBe('Longitude: This location lies in 钟家村社区 but in none of its grids: a building belongs to a grid or a micro-grid, so draw the grid’s boundary or choose the grid');
    expect(await t.db.selectFrom('building').select('id').where('name', '=', '点位楼四').execute()).toEqual([]);
  });

  it('refuses a point outside every area and outside the caller’s area the same way', async () => {
    const out = await comm.post('/api/buildings', { name: '点位楼五', ...nowhere });
    expect(out.statusCode).toBe(400);
    expect(out.json().error).toEqual({ code: 'outside_area', field: 'lng', message: '经度：该位置不在您可登记的任何网格之内' });
    // A grid worker cannot place a building into another grid by its point …
    const w1 = await signedIn(t.app, 'worker1');
    const intoOther = await w1.post('/api/buildings', { name: '点位楼五', ...inGrid2 });
    expect(intoOther.statusCode).toBe(400);
    expect(intoOther.json()).toEqual(out.json());
    // … nor learn that the point lies in their community outside any grid.
    expect((await w1.post('/api/buildings', { name: '点位楼五', ...communityOnly })).json()).toEqual(out.json());
    // A community elsewhere in the district is outside too.
    const w1Nowhere = await w1.post('/api/buildings', { name: '点位楼五', ...nowhere });
    expect(w1Nowhere.json()).toEqual(out.json());
    expect(await t.db.selectFrom('building').select('id').where('name', '=', '点位楼五').execute()).toEqual([]);
  });

  it('keeps a given unit but refuses a point in another grid; a point in the unit, above or below it, or in no grid is kept', async () => {
    const mismatch = await comm.post('/api/buildings', { unitId: tree.gridA1g1.id, name: '点位楼六', ...inGrid2 });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error).toMatchObject({ code: 'invalid', field: 'lng', message: '经度：该位置位于另一个网格内，与所选网格不符' });
    const microElsewhere = await comm.post('/api/buildings', { unitId: tree.microA1g1m1.id, name: '点位楼六', ...inGrid2 });
    expect(microElsewhere.json().error.field).toBe('lng');

    // The grid given, a point in its micro-grid: the building stays in the grid.
    const inGrid = await ok(await comm.post('/api/buildings', { unitId: tree.gridA1g1.id, name: '点位楼六', ...inMicro }), 201);
    expect(inGrid.unit.id).toBe(tree.gridA1g1.id);
    // The micro-grid given, a point in its grid outside the micro-grid's outline: kept.
    const micro = await ok(await comm.post('/api/buildings', { unitId: tree.microA1g1m1.id, name: '点位楼七', ...inGridOnly }), 201);
    expect(micro.unit.id).toBe(tree.microA1g1m1.id);
    // A point in no grid (grids without an outline yet): the unit given decides.
    const free = await ok(await comm.post('/api/buildings', { unitId: tree.gridA1g2.id, name: '点位楼八', ...communityOnly }), 201);
    expect(free.unit.id).toBe(tree.gridA1g2.id);
    // The unit's own checks still come first: a grid outside the caller's scope is 404 on unitId.
    const w1 = await signedIn(t.app, 'worker1');
    expect((await w1.post('/api/buildings', { unitId: tree.gridA1g2.id, name: '点位楼九', ...inGrid2 })).json().error).toMatchObject({ code: 'not_found', field: 'unitId' });
  });
});

describe('GET /api/buildings/:id', () => {
  it('401, 400, 403, 404 outside the scope like a missing id, 200 with entrances and counts', async () => {
    expect((await new Client(t.app).get(`/api/buildings/${b.a3}`)).statusCode).toBe(401);
    const bad = await comm.get('/api/buildings/abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ field: 'id', message: 'ID：格式不正确' });
    expect((await (await signedIn(t.app, 'resident1')).get(`/api/buildings/${b.a3}`)).statusCode).toBe(403);
    const w = await signedIn(t.app, 'worker1');
    const other = await w.get(`/api/buildings/${b.b1}`);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual((await w.get('/api/buildings/999999999')).json());

    await addResident(h.a0101, '王秀英');
    await addResident(h.a0101, '王建国', { status: 'moved_out' });
    const detail = await ok(await w.get(`/api/buildings/${b.a3}`));
    expect(detail).toMatchObject({
      id: b.a3, householdCount: 5, residentCount: 1,
      unit: { id: tree.gridA1g1.id, code: tree.gridA1g1.code }, community: { name: '钟家村社区' },
      entrances: [{ id: e.a3e1, name: '1单元', householdCount: 3 }, { id: e.a3e2, name: '2单元', householdCount: 1 }],
    });
  });
});

describe('PATCH /api/buildings/:id', () => {
  it('401, 400, 403, 404, 200 with the changed fields audited, 409 for a taken name', async () => {
    expect((await new Client(t.app).patch(`/api/buildings/${b.a7}`, { name: 'x' })).statusCode).toBe(401);
    const big = await comm.patch(`/api/buildings/${b.a7}`, { floors: 201 });
    expect(big.json().error).toMatchObject({ field: 'floors', message: '总层数：不能大于 200' });
    expect((await (await signedIn(t.app, 'resident1')).patch(`/api/buildings/${b.a7}`, { name: 'x' })).statusCode).toBe(403);
    expect((await (await signedIn(t.app, 'worker2')).patch(`/api/buildings/${b.a7}`, { name: 'x' })).statusCode).toBe(404);

    const res = await ok(await comm.patch(`/api/buildings/${b.a7}`, { name: '7号楼', floors: 11, lng: 114.272, lat: 30.552 }));
    expect(res).toMatchObject({ name: '7号楼', floors: 11, lng: 114.272, lat: 30.552, buildingType: 'mixed' });
    const audit = await auditRows('building.update', b.a7);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toEqual({ changed: ['name', 'lng', 'lat', 'floors'], before: { name: '7栋', lng: null, lat: null, floors: null } });

    const clearOne = await comm.patch(`/api/buildings/${b.a7}`, { lat: null });
    expect(clearOne.json().error.field).toBe('lat');
    const taken = await comm.patch(`/api/buildings/${b.a7}`, { name: '3栋' });
    // 3栋 is in the grid, 7号楼 in the micro-grid below: another unit, so the name is free there.
    expect(taken.statusCode).toBe(200);
    const a9 = (await ok(await comm.get(`/api/buildings?q=${encodeURIComponent('9栋')}&unitId=${tree.gridA1g1.id}`))).items[0].id;
    const dup = await comm.patch(`/api/buildings/${a9}`, { name: '3栋' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.field).toBe('name');
  });

  it('refuses fewer floors than the households recorded need', async () => {
    const res = await comm.patch(`/api/buildings/${b.a3}`, { floors: 5 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ field: 'floors', message: '总层数：第 6 层已登记住户，总层数不能少于 6' });
  });
});

describe('POST /api/buildings/:id/entrances', () => {
  it('401, 400, 403, 404, 201, 409 for a name taken in the building', async () => {
    expect((await new Client(t.app).post(`/api/buildings/${b.a3}/entrances`, { name: '3单元' })).statusCode).toBe(401);
    const empty = await comm.post(`/api/buildings/${b.a3}/entrances`, { name: ' ' });
    expect(empty.json().error).toMatchObject({ field: 'name', message: '名称：必填' });
    expect((await (await signedIn(t.app, 'resident1')).post(`/api/buildings/${b.a3}/entrances`, { name: '3单元' })).statusCode).toBe(403);
    expect((await (await signedIn(t.app, 'worker1')).post(`/api/buildings/${b.b1}/entrances`, { name: '3单元' })).statusCode).toBe(404);
    const created = await ok(await comm.post(`/api/buildings/${b.a3}/entrances`, { name: '3单元' }), 201);
    expect(created).toEqual({ id: expect.any(String), name: '3单元', householdCount: 0 });
    expect(await auditRows('entrance.create', created.id)).toHaveLength(1);
    const row = await t.db.selectFrom('entrance').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ unit_id: tree.gridA1g1.id, unit_path: tree.gridA1g1.path, region_code: '420105' });
    const dup = await comm.post(`/api/buildings/${b.a3}/entrances`, { name: '3单元' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'name_taken', field: 'name' });
    // Other buildings have their own 1单元.
    expect(e.b1e1).toBeDefined();
  });
});

describe('POST /api/households', () => {
  it('401, 400 naming the field, 403, 404, 201 taking the building’s place, 409 for a room taken', async () => {
    const body = { buildingId: b.a3, entranceId: e.a3e2, room: '0302', floor: 3 };
    expect((await new Client(t.app).post('/api/households', body)).statusCode).toBe(401);

    const long = await comm.post('/api/households', { ...body, room: '1'.repeat(21) });
    expect(long.json().error).toMatchObject({ field: 'room', message: '房号：最多 20 个字符' });
    const usage = await comm.post('/api/households', { ...body, usage: 'hotel' });
    expect(usage.json().error.field).toBe('usage');
    const otherEntrance = await comm.post('/api/households', { ...body, entranceId: e.b1e1 });
    expect(otherEntrance.statusCode).toBe(400);
    expect(otherEntrance.json().error).toMatchObject({ field: 'entranceId', message: '楼栋单元：该楼栋单元不属于所选楼栋' });
    const high = await comm.post('/api/households', { ...body, floor: 7 });
    expect(high.json().error).toMatchObject({ field: 'floor', message: '楼层：不能高于楼栋的总层数 6' });
    const zero = await comm.post('/api/households', { ...body, floor: 0 });
    expect(zero.json().error.field).toBe('floor');
    const residentTag = await comm.post('/api/households', { ...body, tagIds: [tag.elderly_80] });
    expect(residentTag.statusCode).toBe(400);
    expect(residentTag.json().error.field).toBe('tagIds');
    expect(residentTag.json().error.message).toContain(tag.elderly_80);
    // District staff may not set a sensitive tag they cannot see.
    const sensitive = await district.post('/api/households', { ...body, tagIds: [tag.low_income] });
    expect(sensitive.json().error.field).toBe('tagIds');

    expect((await (await signedIn(t.app, 'resident1')).post('/api/households', body)).statusCode).toBe(403);
    const w = await signedIn(t.app, 'worker1');
    const out = await w.post('/api/households', { buildingId: b.b1, room: '0302' });
    expect(out.statusCode).toBe(404);
    expect(out.json().error.field).toBe('buildingId');

    const created = await ok(await w.post('/api/households', { ...body, tagIds: [tag.empty_nest] }), 201);
    expect(created).toMatchObject({
      room: '0302', floor: 3, usage: 'owner_occupied',
      building: { id: b.a3, name: '3栋', address: '钟家村路 3 号' }, entrance: { id: e.a3e2, name: '2单元' },
      unit: { id: tree.gridA1g1.id }, members: [], abilities: { update: true },
    });
    expect(codes(created.tags)).toEqual(['empty_nest']);
    const row = await t.db.selectFrom('household').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ unit_id: tree.gridA1g1.id, unit_path: tree.gridA1g1.path, region_code: '420105' });
    expect(await auditRows('household.create', created.id)).toHaveLength(1);

    const dup = await w.post('/api/households', body);
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'room_taken', field: 'room' });
    // The same room in the other entrance is another home; so is one without an entrance.
    expect((await w.post('/api/households', { ...body, entranceId: e.a3e1 })).statusCode).toBe(201);
    expect((await w.post('/api/households', { buildingId: b.a3, room: '0302' })).statusCode).toBe(201);
    expect((await w.post('/api/households', { buildingId: b.a3, room: '0302' })).statusCode).toBe(409);
  });
});

describe('GET /api/households/:id', () => {
  it('401, 400, 403, 404 outside the scope, 200 with members (active first, no ID numbers or phones)', async () => {
    expect((await new Client(t.app).get(`/api/households/${h.a0601}`)).statusCode).toBe(401);
    expect((await comm.get('/api/households/x1')).json().error.field).toBe('id');
    expect((await (await signedIn(t.app, 'resident1')).get(`/api/households/${h.a0601}`)).statusCode).toBe(403);
    const w = await signedIn(t.app, 'worker1');
    const other = await w.get(`/api/households/${h.b0101}`);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual((await w.get('/api/households/999999999')).json());

    await addResident(h.a0601, '李秀兰', { status: 'moved_out', birthDate: '1950-01-01' });
    await addResident(h.a0601, '赵桂英', { tags: ['disabled', 'elderly_80'], birthDate: '1944-11-21', relation: 'head' });
    await addResident(h.a0601, '赵小明', { birthDate: '2010-11-20', relation: 'child', tags: ['veteran'] });
    const res = await w.get(`/api/households/${h.a0601}`);
    const hh = await ok(res);
    expect(hh).toMatchObject({ room: '0601', floor: 6, usage: 'rented', entrance: { name: '1单元' } });
    expect(hh.members.map((m: { name: string; status: string }) => [m.name, m.status])).toEqual([
      ['赵桂英', 'active'], ['赵小明', 'active'], ['李秀兰', 'moved_out'],
    ]);
    // The clock stands at 2026-11-20 in China: 赵小明 turns 16 that day, 赵桂英 is still 81.
    expect(hh.members.map((m: { age: number }) => m.age)).toEqual([81, 16, 76]);
    expect(codes(hh.members[0].tags)).toEqual(['elderly_80', 'disabled']);
    expect(codes(hh.tags)).toEqual(['short_rent', 'low_income']);
    expect(res.body).not.toMatch(/420105194601011234|13812345678|idNumber|phone/);
  });

  it('shows sensitive tags to community staff and not to district staff', async () => {
    const seen = await ok(await comm.get(`/api/households/${h.a0601}`));
    expect(codes(seen.tags)).toContain('low_income');
    expect(codes(seen.members[0].tags)).toContain('disabled');
    const hidden = await ok(await district.get(`/api/households/${h.a0601}`));
    expect(codes(hidden.tags)).toEqual(['short_rent']);
    expect(codes(hidden.members[0].tags)).toEqual(['elderly_80']);
    expect(JSON.stringify(hidden)).not.toMatch(/low_income|disabled|低保|残疾/);
  });
});

describe('PATCH /api/households/:id', () => {
  it('401, 400, 403, 404, 200 with the change audited', async () => {
    expect((await new Client(t.app).patch(`/api/households/${h.a0102}`, { usage: 'rented' })).statusCode).toBe(401);
    const bad = await comm.patch(`/api/households/${h.a0102}`, { floor: 2.5 });
    expect(bad.json().error.field).toBe('floor');
    const high = await comm.patch(`/api/households/${h.a0102}`, { floor: 9 });
    expect(high.json().error).toMatchObject({ field: 'floor' });
    expect((await (await signedIn(t.app, 'resident1')).patch(`/api/households/${h.a0102}`, { usage: 'rented' })).statusCode).toBe(403);
    expect((await (await signedIn(t.app, 'worker1')).patch(`/api/households/${h.b0101}`, { usage: 'rented' })).statusCode).toBe(404);

    const res = await ok(await comm.patch(`/api/households/${h.a0102}`, { usage: 'rented', room: '0103', tagIds: [tag.short_rent] }));
    expect(res).toMatchObject({ room: '0103', usage: 'rented' });
    expect(codes(res.tags)).toEqual(['short_rent']);
    const audit = await auditRows('household.update', h.a0102);
    expect(audit.at(-1)!.detail).toEqual({ changed: ['room', 'usage', 'tagIds'], before: { room: '0102', usage: 'vacant' }, tagsAdded: 1, tagsRemoved: 0 });
    const taken = await comm.patch(`/api/households/${h.a0102}`, { room: '0302' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.field).toBe('room');
    // Nothing changed, nothing audited.
    await ok(await comm.patch(`/api/households/${h.a0102}`, { usage: 'rented' }));
    expect(await auditRows('household.update', h.a0102)).toHaveLength(audit.length);
  });

  it('keeps a sensitive tag when a caller who cannot see it saves the household’s tags', async () => {
    const res = await ok(await district.patch(`/api/households/${h.a0601}`, { tagIds: [tag.long_term] }));
    expect(codes(res.tags)).toEqual(['long_term']);
    const stored = await t.db.selectFrom('household_tag').innerJoin('care_tag', 'care_tag.id', 'household_tag.tag_id')
      .select('care_tag.code').where('household_id', '=', h.a0601).orderBy('care_tag.sort_order').execute();
    expect(stored.map((r) => r.code)).toEqual(['long_term', 'low_income']);
    // Community staff may take it away.
    const after = await ok(await comm.patch(`/api/households/${h.a0601}`, { tagIds: [tag.long_term, tag.short_rent] }));
    expect(codes(after.tags)).toEqual(['long_term', 'short_rent']);
    await ok(await comm.patch(`/api/households/${h.a0601}`, { tagIds: [tag.short_rent, tag.low_income] }));
  });
});

describe('GET /api/buildings/:id/view (以房找人)', () => {
  it('401, 400, 403, 404 outside the scope', async () => {
    expect((await new Client(t.app).get(`/api/buildings/${b.a3}/view`)).statusCode).toBe(401);
    expect((await comm.get('/api/buildings/-1/view')).statusCode).toBe(400);
    expect((await (await signedIn(t.app, 'resident1')).get(`/api/buildings/${b.a3}/view`)).statusCode).toBe(403);
    expect((await (await signedIn(t.app, 'worker1')).get(`/api/buildings/${b.b1}/view`)).statusCode).toBe(404);
    const w = await signedIn(t.app, 'worker2');
    const other = await w.get(`/api/buildings/${b.a3}/view`);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual((await w.get('/api/buildings/999999999/view')).json());
  });

  it('draws the building top floor first, one column per entrance, households without a floor last', async () => {
    const v = await ok(await comm.get(`/api/buildings/${b.a3}/view`));
    expect(v.building).toMatchObject({ id: b.a3, name: '3栋', floors: 6 });
    expect(v.entrances).toEqual([
      { id: e.a3e1, name: '1单元' }, { id: e.a3e2, name: '2单元' },
      { id: expect.any(String), name: '3单元' }, { id: null, name: null },
    ]);
    expect(v.floors.map((f: { floor: number | null }) => f.floor)).toEqual([6, 5, 4, 3, 2, 1, -1, null]);
    for (const f of v.floors) expect(f.cells.map((c: { entranceId: string | null }) => c.entranceId)).toEqual(v.entrances.map((x: { id: string | null }) => x.id));
    const cell = (floor: number | null, entranceId: string | null) =>
      v.floors.find((f: { floor: number | null }) => f.floor === floor).cells.find((c: { entranceId: string | null }) => c.entranceId === entranceId).households;
    expect(cell(6, e.a3e1).map((x: { room: string }) => x.room)).toEqual(['0601']);
    expect(cell(1, e.a3e1).map((x: { room: string }) => x.room)).toEqual(['0101']);
    expect(cell(1, e.a3e2).map((x: { room: string }) => x.room)).toEqual(['0103']);
    expect(cell(3, e.a3e1).map((x: { room: string }) => x.room)).toEqual(['0302']);
    expect(cell(-1, e.a3e1)[0]).toMatchObject({ room: 'B101', usage: 'commercial', memberCount: 0 });
    expect(cell(null, null).map((x: { room: string }) => x.room)).toEqual(['0302', '车库3']);
    expect(cell(5, e.a3e1)).toEqual([]);
  });

  it('colours a household by its own tags and its active residents’ tags, once each, sensitive ones only when allowed', async () => {
    const top = (v: any) => v.floors[0].cells[0].households[0];
    const seen = top(await ok(await comm.get(`/api/buildings/${b.a3}/view`)));
    expect(seen).toMatchObject({ id: h.a0601, room: '0601', usage: 'rented', memberCount: 2 });
    // Own: short_rent, low_income; 赵桂英: elderly_80, disabled; 赵小明: veteran; 李秀兰 moved out.
    expect(codes(seen.tags)).toEqual(['short_rent', 'elderly_80', 'disabled', 'low_income', 'veteran']);
    expect(seen.tags[0]).toMatchObject({ name: '短租', color: '#1677ff', sensitive: false, appliesTo: 'household' });

    await addResident(h.a0601, '赵大勇', { tags: ['veteran', 'low_income'] });
    const again = top(await ok(await comm.get(`/api/buildings/${b.a3}/view`)));
    expect(codes(again.tags)).toEqual(['short_rent', 'elderly_80', 'disabled', 'low_income', 'veteran']);
    expect(again.memberCount).toBe(3);

    const hidden = top(await ok(await district.get(`/api/buildings/${b.a3}/view`)));
    expect(codes(hidden.tags)).toEqual(['short_rent', 'elderly_80', 'veteran']);

    const en = new Client(t.app, 'en');
    en.cookie = comm.cookie;
    expect(top(await ok(await en.get(`/api/buildings/${b.a3}/view`))).tags[0].name).toBe('Short-term rental');
  });

  it('shows a building without floors or households as an empty drawing', async () => {
    const v = await ok(await comm.get(`/api/buildings/${b.a7}/view`));
    expect(v.floors.length).toBe(11);
    expect(v.entrances).toEqual([]);
    expect(v.floors.every((f: { cells: unknown[] }) => f.cells.length === 0)).toBe(true);
  });
});
