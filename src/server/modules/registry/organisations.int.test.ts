import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';

let t: TestApp;
let tree: Tree;
let comm: Client;
let district: Client;
let worker1: Client;

// Real codes: 华为技术有限公司 and 中国石油化工集团 (GB 32100 check characters 6 and L).
const USCC_A = '914403001922038216';
const USCC_B = '91110000100010433L';
const PHONE = '13812345678';
const o = {} as Record<'shop' | 'ngo' | 'bFirm', string>;
let buildingA: string;

async function ok<T = any>(res: { statusCode: number; body: string; json(): any }, status = 200): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json();
}

async function auditRows(action: string, resourceId: string) {
  return t.db.selectFrom('audit_log').selectAll().where('action', '=', action).where('resource_id', '=', resourceId).orderBy('id').execute();
}

const names = (items: { name: string }[]) => items.map((x) => x.name).sort();

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'district', 'district_staff', tree.district);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'worker1', 'grid_worker', tree.gridA1g1);
  await makeUser(t.ctx, 'resident1', 'resident', tree.gridA1g1);
  comm = await signedIn(t.app, 'commA1');
  district = await signedIn(t.app, 'district');
  worker1 = await signedIn(t.app, 'worker1');
  buildingA = (await ok(await comm.post('/api/buildings', { unitId: tree.microA1g1m1.id, name: '商业楼' }), 201)).id;
  o.shop = (await ok(await comm.post('/api/organisations', {
    unitId: tree.gridA1g1.id, kind: 'merchant', name: '钟家村便利店', contactName: '周店长', contactPhone: PHONE, address: '钟家村路 5 号',
  }), 201)).id;
  o.ngo = (await ok(await comm.post('/api/organisations', { unitId: tree.commA1.id, kind: 'social_org', name: '钟家村志愿者协会' }), 201)).id;
  o.bFirm = (await ok(await district.post('/api/organisations', {
    unitId: tree.gridB1g1.id, kind: 'enterprise', name: '晴川科技有限公司', uscc: USCC_B, contactPhone: '027-84812345',
  }), 201)).id;
});
afterAll(() => t.close());

describe('POST /api/organisations', () => {
  it('401 without a session', async () => {
    expect((await new Client(t.app).post('/api/organisations', { unitId: tree.gridA1g1.id, kind: 'merchant', name: 'x' })).statusCode).toBe(401);
  });

  it('400 naming the field: kind, name, unit level, contact phone', async () => {
    const base = { unitId: tree.gridA1g1.id, kind: 'enterprise', name: '测试公司' };
    const kind = await comm.post('/api/organisations', { ...base, kind: 'club' });
    expect(kind.statusCode).toBe(400);
    expect(kind.json().error.field).toBe('kind');
    expect(kind.json().error.message).toMatch(/^单位类型：取值应为以下之一/);
    const name = await comm.post('/api/organisations', { ...base, name: '' });
    expect(name.json().error).toMatchObject({ field: 'name', message: '名称：必填' });
    const street = await district.post('/api/organisations', { ...base, unitId: tree.streetA.id });
    expect(street.json().error).toMatchObject({ field: 'unitId', message: '所属单元：单位只能登记在社区、网格或微网格下' });
    const none = await comm.post('/api/organisations', { kind: 'enterprise', name: '测试公司' });
    expect(none.json().error).toMatchObject({ field: 'unitId', message: '所属单元：请选择所属单元或所在楼栋' });
    for (const phone of ['12345', '138-1234-5678x', '+8613812345678', '1'.repeat(21), '-------']) {
      const res = await comm.post('/api/organisations', { ...base, contactPhone: phone });
      expect(res.statusCode, phone).toBe(400);
      expect(res.json().error, phone).toMatchObject({ field: 'contactPhone', message: '联系电话：须为 7–20 位数字或连字符' });
    }
    const lat = await comm.post('/api/organisations', { ...base, lat: 91 });
    expect(lat.json().error.field).toBe('lat');
    const half = await comm.post('/api/organisations', { ...base, lng: 114.27 });
    expect(half.json().error).toMatchObject({ field: 'lat', message: '纬度：经度和纬度须同时填写或同时留空' });
  });

  it('checks the GB 32100 check character of the unified social credit code', async () => {
    const base = { unitId: tree.gridA1g1.id, kind: 'enterprise', name: '测试公司' };
    const wrong = await comm.post('/api/organisations', { ...base, uscc: '914403001922038217' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toMatchObject({ field: 'uscc', message: '统一社会信用代码：校验位不正确（最后一位与前 17 位不符）' });
    const wrongL = await comm.post('/api/organisations', { ...base, uscc: '91110000100010433M' });
    expect(wrongL.json().error.field).toBe('uscc');
    const short = await comm.post('/api/organisations', { ...base, uscc: '91440300192203821' });
    expect(short.json().error).toMatchObject({ field: 'uscc', message: '统一社会信用代码：须为 18 位数字或大写字母（不含 I、O、S、V、Z）' });
    const letterO = await comm.post('/api/organisations', { ...base, uscc: '9144030019220382O6' });
    expect(letterO.json().error.message).toMatch(/须为 18 位/);
    const en = new Client(t.app, 'en');
    en.cookie = comm.cookie;
    expect((await en.post('/api/organisations', { ...base, uscc: '914403001922038217' })).json().error.message)
      .toBe('Unified social credit code: has a wrong check character (the last character does not match the first 17)');
  });

  it('403 for a role without registry.write; 404 for a unit or building outside the scope', async () => {
    const body = { unitId: tree.gridA1g1.id, kind: 'merchant', name: '小卖部' };
    expect((await (await signedIn(t.app, 'resident1')).post('/api/organisations', body)).statusCode).toBe(403);
    const unit = await worker1.post('/api/organisations', { ...body, unitId: tree.gridB1g1.id });
    expect(unit.statusCode).toBe(404);
    expect(unit.json().error.field).toBe('unitId');
    const bB = (await ok(await district.post('/api/buildings', { unitId: tree.gridB1g1.id, name: 'B 楼' }), 201)).id;
    const building = await worker1.post('/api/organisations', { kind: 'merchant', name: '小卖部', buildingId: bB });
    expect(building.statusCode).toBe(404);
    expect(building.json().error.field).toBe('buildingId');
    // A community is above a grid worker's scope.
    expect((await worker1.post('/api/organisations', { ...body, unitId: tree.commA1.id })).statusCode).toBe(404);
  });

  it('201 with the phone masked, stored only encrypted with a blind index, and audited without it', async () => {
    const created = await ok(await worker1.post('/api/organisations', {
      unitId: tree.gridA1g1.id, kind: 'enterprise', name: '华为钟家村服务点', uscc: ` ${USCC_A.slice(0, 9)} ${USCC_A.slice(9)} `,
      contactName: '陈经理', contactPhone: '13987654321', lng: 114.2712, lat: 30.5511,
    }), 201);
    expect(created).toMatchObject({
      kind: 'enterprise', name: '华为钟家村服务点', uscc: USCC_A, contactName: '陈经理', contactPhone: '139****4321',
      status: 'active', building: null, lng: 114.2712, lat: 30.5511,
      unit: { id: tree.gridA1g1.id, level: 'grid' }, grid: { id: tree.gridA1g1.id }, community: { id: tree.commA1.id, name: '钟家村社区' },
      abilities: { update: true, reveal: true },
    });
    const raw = await sql<{ row: string }>`SELECT row_to_json(o)::text AS row FROM organisation o`.execute(t.db);
    expect(raw.rows).toHaveLength(4);
    for (const r of raw.rows) expect(r.row).not.toMatch(/13987654321|13812345678|84812345|138\*|139\*/);
    const row = await t.db.selectFrom('organisation').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(t.ctx.cipher.decrypt(row.contact_phone_enc!)).toBe('13987654321');
    expect(row.contact_phone_enc).toMatch(/^v1\./);
    expect(row.contact_phone_hash).toBe(t.ctx.cipher.blindIndex('13987654321'));
    const audit = await auditRows('organisation.create', created.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.unit_path).toBe(tree.gridA1g1.path);
    expect(JSON.stringify(audit[0]!.detail)).not.toMatch(/13987654321|4321/);
    expect(audit[0]!.detail).toMatchObject({ kind: 'enterprise', fields: expect.arrayContaining(['contactPhone', 'uscc']) });
  });

  it('409 for a code already recorded, even outside the caller’s scope', async () => {
    const dup = await comm.post('/api/organisations', { unitId: tree.gridA1g1.id, kind: 'enterprise', name: '另一家', uscc: USCC_B.toLowerCase() });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'uscc_taken', field: 'uscc' });
  });

  it('takes the unit of its building; a building outside the chosen unit is refused', async () => {
    const inBuilding = await ok(await comm.post('/api/organisations', { kind: 'merchant', name: '楼下理发店', buildingId: buildingA }), 201);
    expect(inBuilding).toMatchObject({ building: { id: buildingA, name: '商业楼' }, unit: { id: tree.microA1g1m1.id }, grid: { id: tree.gridA1g1.id } });
    const both = await ok(await comm.post('/api/organisations', { unitId: tree.commA1.id, kind: 'merchant', name: '楼上茶馆', buildingId: buildingA }), 201);
    expect(both.unit.id).toBe(tree.microA1g1m1.id);
    const outside = await comm.post('/api/organisations', { unitId: tree.gridA1g2.id, kind: 'merchant', name: '错位商铺', buildingId: buildingA });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error).toMatchObject({ field: 'buildingId', message: '楼栋：该楼栋不在所选单元内' });
  });
});

describe('GET /api/organisations', () => {
  it('401, 400, 403, 404 for a unit filter out of scope', async () => {
    expect((await new Client(t.app).get('/api/organisations')).statusCode).toBe(401);
    const kind = await comm.get('/api/organisations?kind=club');
    expect(kind.statusCode).toBe(400);
    expect(kind.json().error.field).toBe('kind');
    expect((await comm.get('/api/organisations?limit=0')).json().error).toMatchObject({ field: 'limit', message: '每页条数：不能小于 1' });
    expect((await (await signedIn(t.app, 'resident1')).get('/api/organisations')).statusCode).toBe(403);
    const out = await worker1.get(`/api/organisations?unitId=${tree.gridB1g1.id}`);
    expect(out.statusCode).toBe(404);
    expect(out.json()).toEqual((await worker1.get('/api/organisations?unitId=999999999')).json());
  });

  it('lists the organisations in scope only, masked; filters by text, code, kind, status and subtree', async () => {
    const mine = await ok(await worker1.get('/api/organisations?limit=100'));
    expect(names(mine.items)).toEqual(['华为钟家村服务点', '楼上茶馆', '楼下理发店', '钟家村便利店']);
    expect(mine.total).toBe(4);
    expect(JSON.stringify(mine)).not.toMatch(/13812345678|13987654321|晴川科技/);
    expect(mine.items.find((x: { name: string }) => x.name === '钟家村便利店').contactPhone).toBe('138****5678');

    expect((await ok(await comm.get('/api/organisations'))).total).toBe(5);
    expect(names((await ok(await district.get(`/api/organisations?unitId=${tree.streetB.id}`))).items)).toEqual(['晴川科技有限公司']);
    expect((await ok(await district.get(`/api/organisations?unitId=${tree.streetB.id}`))).items[0].contactPhone).toBe('********2345');
    expect(names((await ok(await district.get(`/api/organisations?q=${encodeURIComponent('钟家村')}`))).items))
      .toEqual(['华为钟家村服务点', '钟家村便利店', '钟家村志愿者协会']);
    expect(names((await ok(await district.get('/api/organisations?q=91440300'))).items)).toEqual(['华为钟家村服务点']);
    expect(names((await ok(await district.get(`/api/organisations?q=${USCC_B.toLowerCase()}`))).items)).toEqual(['晴川科技有限公司']);
    expect(names((await ok(await district.get('/api/organisations?kind=social_org'))).items)).toEqual(['钟家村志愿者协会']);
    expect(names((await ok(await district.get(`/api/organisations?buildingId=${buildingA}`))).items)).toEqual(['楼上茶馆', '楼下理发店']);
    expect((await ok(await district.get('/api/organisations?status=closed'))).total).toBe(0);
    expect((await ok(await district.get('/api/organisations?q=%25'))).total).toBe(0);
    const page = await ok(await district.get('/api/organisations?limit=2&offset=4'));
    expect(page.items).toHaveLength(2);
    expect(page.total).toBe(6);
    // The caller without registry.reveal sees that they cannot reveal.
    expect(page.items[0].abilities).toEqual({ update: true, reveal: false });
  });
});

describe('GET /api/organisations/:id', () => {
  it('401, 400, 403, 404 outside the scope like a missing id, 200', async () => {
    expect((await new Client(t.app).get(`/api/organisations/${o.shop}`)).statusCode).toBe(401);
    expect((await comm.get('/api/organisations/shop')).json().error).toMatchObject({ field: 'id', message: 'ID：格式不正确' });
    expect((await (await signedIn(t.app, 'resident1')).get(`/api/organisations/${o.shop}`)).statusCode).toBe(403);
    const other = await worker1.get(`/api/organisations/${o.bFirm}`);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual((await worker1.get('/api/organisations/999999999')).json());
    // The community's own organisation is above the grid worker's scope.
    expect((await worker1.get(`/api/organisations/${o.ngo}`)).statusCode).toBe(404);
    const res = await worker1.get(`/api/organisations/${o.shop}`);
    expect(await ok(res)).toMatchObject({ id: o.shop, kind: 'merchant', contactName: '周店长', contactPhone: '138****5678', address: '钟家村路 5 号', uscc: null });
    expect(res.body).not.toMatch(/13812345678|contact_phone|hash|enc/);
  });
});

describe('PATCH /api/organisations/:id', () => {
  it('401, 400, 403, 404, 200 with changed fields audited and never the phone', async () => {
    expect((await new Client(t.app).patch(`/api/organisations/${o.shop}`, { name: 'x' })).statusCode).toBe(401);
    expect((await comm.patch(`/api/organisations/${o.shop}`, { status: 'gone' })).json().error.field).toBe('status');
    expect((await comm.patch(`/api/organisations/${o.shop}`, { uscc: '914403001922038210' })).json().error.field).toBe('uscc');
    expect((await comm.patch(`/api/organisations/${o.shop}`, { contactPhone: 'call me' })).json().error.field).toBe('contactPhone');
    expect((await comm.patch(`/api/organisations/${o.shop}`, { lng: 114.2 })).json().error).toMatchObject({ field: 'lat' });
    expect((await (await signedIn(t.app, 'resident1')).patch(`/api/organisations/${o.shop}`, { name: 'x' })).statusCode).toBe(403);
    expect((await worker1.patch(`/api/organisations/${o.bFirm}`, { name: 'x' })).statusCode).toBe(404);
    expect((await comm.patch(`/api/organisations/${o.shop}`, { uscc: USCC_B })).statusCode).toBe(409);

    const res = await ok(await worker1.patch(`/api/organisations/${o.shop}`, { name: '钟家村便民超市', contactPhone: '027-84800000', contactName: '吴店长' }));
    expect(res).toMatchObject({ name: '钟家村便民超市', contactPhone: '********0000', contactName: '吴店长' });
    const audit = await auditRows('organisation.update', o.shop);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toEqual({ changed: ['name', 'contactName', 'contactPhone'], before: { name: '钟家村便利店' } });
    expect(JSON.stringify(audit[0]!.detail)).not.toMatch(/138|5678|0000|周店长|吴店长/);

    // Clearing the phone clears its blind index too.
    await ok(await worker1.patch(`/api/organisations/${o.shop}`, { contactPhone: null }));
    const row = await t.db.selectFrom('organisation').select(['contact_phone_enc', 'contact_phone_hash']).where('id', '=', o.shop).executeTakeFirstOrThrow();
    expect(row).toEqual({ contact_phone_enc: null, contact_phone_hash: null });
    await ok(await worker1.patch(`/api/organisations/${o.shop}`, { contactPhone: PHONE }));
  });

  it('closes an organisation instead of deleting it', async () => {
    const res = await ok(await comm.patch(`/api/organisations/${o.ngo}`, { status: 'closed' }));
    expect(res.status).toBe('closed');
    expect(await auditRows('organisation.close', o.ngo)).toHaveLength(1);
    expect((await ok(await comm.get('/api/organisations?status=closed'))).items.map((x: { id: string }) => x.id)).toEqual([o.ngo]);
    expect((await comm.request('DELETE', `/api/organisations/${o.ngo}`)).statusCode).toBe(404);
  });

  it('moves an organisation to another unit or building in scope, keeping unit and building consistent', async () => {
    const moved = await ok(await comm.patch(`/api/organisations/${o.ngo}`, { unitId: tree.gridA1g2.id }));
    expect(moved.unit.id).toBe(tree.gridA1g2.id);
    expect((await comm.patch(`/api/organisations/${o.ngo}`, { unitId: tree.streetA.id })).statusCode).toBe(404);
    const intoBuilding = await ok(await comm.patch(`/api/organisations/${o.ngo}`, { buildingId: buildingA }));
    expect(intoBuilding).toMatchObject({ unit: { id: tree.microA1g1m1.id }, building: { id: buildingA } });
    const alone = await comm.patch(`/api/organisations/${o.ngo}`, { unitId: tree.gridA1g2.id });
    expect(alone.statusCode).toBe(400);
    expect(alone.json().error.field).toBe('unitId');
    const detached = await ok(await comm.patch(`/api/organisations/${o.ngo}`, { buildingId: null, unitId: tree.commA1.id }));
    expect(detached).toMatchObject({ unit: { id: tree.commA1.id }, building: null });
    const audit = await auditRows('organisation.update', o.ngo);
    expect(audit.at(-1)!.detail).toEqual({ changed: ['unitId', 'buildingId'], before: { unitId: tree.microA1g1m1.id, buildingId: buildingA } });
    // A grid worker may not move an organisation out of their grid.
    expect((await worker1.patch(`/api/organisations/${o.shop}`, { unitId: tree.gridA1g2.id })).statusCode).toBe(404);
  });
});

describe('POST /api/organisations/:id/reveal', () => {
  it('401, 400, 403 without registry.reveal, 404 outside the scope', async () => {
    expect((await new Client(t.app).post(`/api/organisations/${o.shop}/reveal`, { reason: '回访' })).statusCode).toBe(401);
    const short = await worker1.post(`/api/organisations/${o.shop}/reveal`, { reason: 'x' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error).toMatchObject({ field: 'reason', message: '查看原因：至少 2 个字符' });
    expect((await worker1.post(`/api/organisations/${o.shop}/reveal`, {})).json().error).toMatchObject({ field: 'reason', message: '查看原因：必填' });
    expect((await district.post(`/api/organisations/${o.shop}/reveal`, { reason: '回访' })).statusCode).toBe(403);
    expect((await worker1.post(`/api/organisations/${o.bFirm}/reveal`, { reason: '回访' })).statusCode).toBe(404);
  });

  it('returns the full phone and audits the reason without the value', async () => {
    const res = await ok(await worker1.post(`/api/organisations/${o.shop}/reveal`, { reason: '疫情防控回访' }));
    expect(res).toEqual({ contactPhone: PHONE });
    const audit = await auditRows('organisation.reveal', o.shop);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_username: 'worker1', unit_path: tree.gridA1g1.path, result: 'success' });
    expect(audit[0]!.detail).toEqual({ fields: ['contactPhone'], reason: '疫情防控回访' });
    expect(JSON.stringify(audit[0])).not.toContain(PHONE);
    expect(await ok(await comm.post(`/api/organisations/${o.ngo}/reveal`, { reason: '核实' }))).toEqual({ contactPhone: null });
  });
});
