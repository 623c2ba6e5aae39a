import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { ensureStandardDepartments } from '../cases/departments.service.js';

let t: TestApp;
let tree: Tree;
let district: Client;
let streetA: Client;
let comm: Client;
let handlerA: string;
let handlerB: string;
let workerId: string;

async function ok<T = any>(res: { statusCode: number; body: string; json(): any }, status = 200): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.body ? res.json() : (null as T);
}
const auditRows = (action: string) => t.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', action).execute();

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await ensureStandardDepartments(t.db, tree.district);
  await makeUser(t.ctx, 'district1', 'district_staff', tree.district);
  await makeUser(t.ctx, 'streetA', 'street_staff', tree.streetA);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  handlerA = await makeUser(t.ctx, 'handlerA', 'department_handler', tree.streetA);
  handlerB = await makeUser(t.ctx, 'handlerB', 'department_handler', tree.streetB);
  workerId = await makeUser(t.ctx, 'workerA', 'grid_worker', tree.gridA1g1);
  district = await signedIn(t.app, 'district1');
  streetA = await signedIn(t.app, 'streetA');
  comm = await signedIn(t.app, 'commA1');
});
afterAll(async () => { await t?.close(); });

describe('categories', () => {
  it('lists every category with limits; only a holder at a root may edit', async () => {
    const all = await ok(await district.get('/api/case-settings/categories'));
    expect(all.editable).toBe(true);
    expect(all.items.length).toBeGreaterThan(40);
    const parking = all.items.find((c: any) => c.code === 'eight_disorders.parking');
    expect(parking).toMatchObject({ parentCode: 'eight_disorders', nameZh: '车乱停', limits: { handle: { unit: 'working_days', amount: 1 } }, isActive: true });
    const asStreet = await ok(await streetA.get('/api/case-settings/categories'));
    expect(asStreet.editable).toBe(false);
    expect((await streetA.patch('/api/case-settings/categories/eight_disorders.parking', { nameZh: 'x' })).statusCode).toBe(403);
    expect((await comm.get('/api/case-settings/categories')).statusCode).toBe(403);
  });

  it('adds a subcategory that inherits its parent, edits its limits, and new reports use them', async () => {
    const created = await ok(await district.post('/api/case-settings/categories', {
      parentCode: 'safety_hazard', code: 'blocked_exit', nameZh: '安全出口堵塞', nameEn: 'Blocked fire exit',
    }), 201);
    expect(created).toMatchObject({ code: 'safety_hazard.blocked_exit', defaultLevel: 'grid', departmentCode: 'emergency', caseCount: 0 });
    const edited = await ok(await district.patch('/api/case-settings/categories/safety_hazard.blocked_exit', {
      limits: { handle: { unit: 'working_hours', amount: 4 } }, defaultLevel: 'community',
    }));
    expect(edited.limits.handle).toEqual({ unit: 'working_hours', amount: 4 });
    expect(edited.limits.accept).toEqual(created.limits.accept);
    // It is offered to reporters at once.
    const offered = await ok(await comm.get('/api/case-categories'));
    expect(offered.items.map((c: any) => c.code)).toContain('safety_hazard.blocked_exit');
    expect((await auditRows('case_category.create')).length).toBe(1);
    expect((await auditRows('case_category.update'))[0]!.detail).toMatchObject({ changed: ['defaultLevel', 'limits.handle'] });
  });

  it('refuses bad input by field and never half-writes', async () => {
    const dup = await district.post('/api/case-settings/categories', { parentCode: 'safety_hazard', code: 'fire', nameZh: '重复', nameEn: 'Dup' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ field: 'code', message: '分类代码“safety_hazard.fire”已存在' });
    const deep = await district.post('/api/case-settings/categories', { parentCode: 'safety_hazard.fire', code: 'x1', nameZh: '三级', nameEn: 'Third' });
    expect(deep.statusCode).toBe(400);
    const noLimits = await district.post('/api/case-settings/categories', { code: 'new_class', nameZh: '新大类', nameEn: 'New' });
    expect(noLimits.json().error.field).toBe('limits');
    const badLimit = await district.patch('/api/case-settings/categories/sanitation', { limits: { handle: { unit: 'weeks', amount: 1 } } });
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json().error.field).toMatch(/limits/);
    const zero = await district.patch('/api/case-settings/categories/sanitation', { limits: { handle: { unit: 'working_days', amount: 0 } } });
    expect(zero.statusCode).toBe(400);
    expect((await district.patch('/api/case-settings/categories/no_such', { nameZh: 'x' })).statusCode).toBe(404);
  });

  it('deactivating a class hides it and its subcategories from reporters; a child cannot be active under an inactive parent', async () => {
    await ok(await district.patch('/api/case-settings/categories/greenery', { isActive: false }));
    const offered = (await ok(await comm.get('/api/case-categories'))).items.map((c: any) => c.code);
    expect(offered.filter((c: string) => c.startsWith('greenery'))).toEqual([]);
    const child = await district.patch('/api/case-settings/categories/greenery.fallen_tree', { isActive: true });
    expect(child.statusCode).toBe(400);
    expect(child.json().error.field).toBe('isActive');
    await ok(await district.patch('/api/case-settings/categories/greenery', { isActive: true }));
    await ok(await district.patch('/api/case-settings/categories/greenery.fallen_tree', { isActive: true }));
  });
});

describe('departments', () => {
  it('a street creates a department serving it and names a handler of its area; scope cuts the rest', async () => {
    const d = await ok(await streetA.post('/api/case-settings/departments', { unitId: tree.streetA.id, code: 'urban_management', nameZh: '建桥街道城管中队', nameEn: 'Jianqiao urban management squad' }), 201);
    expect(d).toMatchObject({ code: 'urban_management', unit: { id: tree.streetA.id, level: 'street' }, memberCount: 0, isActive: true });
    // Another street, a community, a duplicate code: refused by field.
    expect((await streetA.post('/api/case-settings/departments', { unitId: tree.streetB.id, code: 'water', nameZh: '水务', nameEn: 'Water' })).json().error.field).toBe('unitId');
    expect((await streetA.post('/api/case-settings/departments', { unitId: tree.commA1.id, code: 'water', nameZh: '水务', nameEn: 'Water' })).json().error.field).toBe('unitId');
    const dup = await streetA.post('/api/case-settings/departments', { unitId: tree.streetA.id, code: 'urban_management', nameZh: '重复', nameEn: 'Dup' });
    expect(dup.statusCode).toBe(409);

    // The street sees its own department, not the district's; the district sees both.
    const mine = (await ok(await streetA.get('/api/case-settings/departments'))).items;
    expect(mine.map((x: any) => x.id)).toEqual([d.id]);
    const all = (await ok(await district.get('/api/case-settings/departments'))).items;
    expect(all.length).toBe(13);

    await ok(await streetA.post(`/api/case-settings/departments/${d.id}/members`, { userId: handlerA }), 204);
    await ok(await streetA.post(`/api/case-settings/departments/${d.id}/members`, { userId: handlerA }), 204); // idempotent
    const members = (await ok(await streetA.get(`/api/case-settings/departments/${d.id}/members`))).items;
    expect(members.map((m: any) => m.username)).toEqual(['handlerA']);
    // A handler of another street is not in this street's area; a grid worker is no handler.
    expect((await streetA.post(`/api/case-settings/departments/${d.id}/members`, { userId: handlerB })).statusCode).toBe(404);
    const notHandler = await streetA.post(`/api/case-settings/departments/${d.id}/members`, { userId: workerId });
    expect(notHandler.statusCode).toBe(400);
    expect(notHandler.json().error.field).toBe('userId');
    // A department of the district is out of the street's reach: 404.
    const districtDept = all.find((x: any) => x.unit.level === 'district')!;
    expect((await streetA.get(`/api/case-settings/departments/${districtDept.id}/members`)).statusCode).toBe(404);
    expect((await streetA.patch(`/api/case-settings/departments/${districtDept.id}`, { nameZh: 'x' })).statusCode).toBe(404);

    await ok(await streetA.delete(`/api/case-settings/departments/${d.id}/members/${handlerA}`), 204);
    expect((await streetA.delete(`/api/case-settings/departments/${d.id}/members/${handlerA}`)).statusCode).toBe(404);
    const renamed = await ok(await streetA.patch(`/api/case-settings/departments/${d.id}`, { nameZh: '建桥街道综合执法中队', isActive: false }));
    expect(renamed).toMatchObject({ nameZh: '建桥街道综合执法中队', isActive: false });
    expect((await auditRows('department.member_add')).length).toBe(1);
    expect((await auditRows('department.member_remove')).length).toBe(1);
  });

  it('offers the department handler accounts in scope as candidates, marking the members', async () => {
    const d = (await ok(await streetA.get('/api/case-settings/departments'))).items[0]!;
    expect((await comm.get(`/api/case-settings/departments/${d.id}/candidates`)).statusCode).toBe(403);
    expect((await streetA.get(`/api/case-settings/departments/${d.id}/candidates?q=${'x'.repeat(65)}`)).statusCode).toBe(400);
    const districtDept = (await ok(await district.get('/api/case-settings/departments'))).items.find((x: any) => x.unit.level === 'district')!;
    expect((await streetA.get(`/api/case-settings/departments/${districtDept.id}/candidates`)).statusCode).toBe(404);
    // The street sees its own handler (not the other street's, not the grid worker).
    const before = (await ok(await streetA.get(`/api/case-settings/departments/${d.id}/candidates`))).items;
    expect(before).toEqual([{ userId: handlerA, username: 'handlerA', displayName: 'handlerA', unitName: expect.any(String), isActive: true, isMember: false }]);
    await ok(await streetA.post(`/api/case-settings/departments/${d.id}/members`, { userId: handlerA }), 204);
    expect((await ok(await streetA.get(`/api/case-settings/departments/${d.id}/candidates?q=HANDLERa`))).items[0]).toMatchObject({ username: 'handlerA', isMember: true });
    expect((await ok(await streetA.get(`/api/case-settings/departments/${d.id}/candidates?q=%25`))).items).toEqual([]);
    // The district sees both streets' handlers.
    const all = (await ok(await district.get(`/api/case-settings/departments/${districtDept.id}/candidates?q=handler`))).items;
    expect(all.map((c: any) => c.username)).toEqual(['handlerA', 'handlerB']);
    await ok(await streetA.delete(`/api/case-settings/departments/${d.id}/members/${handlerA}`), 204);
  });

  it('a street pairs a community with a partner organisation (共建单位), optionally the registry\'s organisation', async () => {
    const org = async (unit: { id: string }, name: string) => {
      const u = await t.db.selectFrom('unit').select(['id', 'path', 'region_code']).where('id', '=', unit.id).executeTakeFirstOrThrow();
      return (await t.db.insertInto('organisation').values({ unit_id: u.id, unit_path: u.path, region_code: u.region_code, kind: 'enterprise', name })
        .returning('id').executeTakeFirstOrThrow()).id;
    };
    const power = await org(tree.commA1, '国网汉阳供电公司');
    const elsewhere = await org(tree.commB1, '晴川物业');
    const p = await ok(await streetA.post('/api/case-settings/departments', {
      unitId: tree.commA1.id, kind: 'partner', code: 'power_company', nameZh: '国网汉阳供电公司', nameEn: 'Hanyang Power Supply', organisationId: power,
    }), 201);
    expect(p).toMatchObject({ kind: 'partner', unit: { id: tree.commA1.id, level: 'community' }, organisation: { id: power, name: '国网汉阳供电公司' } });
    // A partner is not a district's; a functional department not a community's; an organisation elsewhere is out of reach.
    expect((await streetA.post('/api/case-settings/departments', { unitId: tree.commA1.id, code: 'water', nameZh: '水务', nameEn: 'Water' })).json().error.field).toBe('unitId');
    expect((await district.post('/api/case-settings/departments', { unitId: tree.district.id, kind: 'partner', code: 'bank', nameZh: '银行', nameEn: 'Bank' })).json().error.field).toBe('unitId');
    const far = await streetA.post('/api/case-settings/departments', { unitId: tree.commA1.id, kind: 'partner', code: 'property', nameZh: '物业', nameEn: 'Property', organisationId: elsewhere });
    expect(far.statusCode).toBe(404);
    expect(far.json().error.field).toBe('organisationId');
    const notPartner = await streetA.post('/api/case-settings/departments', { unitId: tree.streetA.id, code: 'water', nameZh: '水务', nameEn: 'Water', organisationId: power });
    expect(notPartner.json().error.field).toBe('organisationId');
  });

  it('a department with open work orders cannot be deactivated', async () => {
    const dept = (await ok(await district.get('/api/case-settings/departments'))).items.find((x: any) => x.code === 'housing' && x.unit.level === 'district')!;
    const c = await t.db.insertInto('case_category').values({
      code: 'zz_test', name_zh: '测试', name_en: 'Test', accept_limit: JSON.stringify({ unit: 'working_hours', amount: 2 }),
      handle_limit: JSON.stringify({ unit: 'working_days', amount: 2 }), verify_limit: JSON.stringify({ unit: 'working_days', amount: 1 }),
      urgent_handle_limit: JSON.stringify({ unit: 'clock_hours', amount: 2 }),
    }).returning('id').executeTakeFirstOrThrow();
    const u = await t.db.selectFrom('unit').select(['id', 'path', 'region_code']).where('id', '=', tree.gridA1g1.id).executeTakeFirstOrThrow();
    const reporter = await t.db.selectFrom('app_user').select('id').where('username', '=', 'workerA').executeTakeFirstOrThrow();
    const kase = await t.db.insertInto('cases').values({
      number: 'T-1', category_id: c.id, description: '测试', source: 'patrol', state: 'dispatched', lng: 114.272, lat: 30.552,
      unit_id: u.id, unit_path: u.path, region_code: u.region_code, handling_unit_id: u.id, handling_path: u.path, handling_level: 'grid',
      reporter_user_id: reporter.id,
    }).returning('id').executeTakeFirstOrThrow();
    await t.db.insertInto('work_order').values({ case_id: kase.id, assignee_kind: 'department', assignee_department_id: dept.id, lead: true, state: 'dispatched', dispatched_by: reporter.id, dispatched_at: new Date() }).execute();
    const res = await district.patch(`/api/case-settings/departments/${dept.id}`, { isActive: false });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.field).toBe('isActive');
    const after = (await ok(await district.get('/api/case-settings/departments'))).items.find((x: any) => x.id === dept.id);
    expect(after).toMatchObject({ isActive: true, openOrders: 1 });
  });

  it('answers in English when asked', async () => {
    district.lang = 'en';
    const res = await district.post('/api/case-settings/departments', { unitId: tree.commA1.id, code: 'water', nameZh: '水务', nameEn: 'Water' });
    expect(res.json().error.message).toBe('Unit: Departments serve a district or a street');
    district.lang = 'zh-CN';
  });
});
