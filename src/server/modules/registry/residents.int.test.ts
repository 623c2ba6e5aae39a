import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { idCheckChar } from '../../../shared/validation/id-number.js';

let t: TestApp;
let tree: Tree;
let hhA: string; // a household in grid A1g1 (micro-grid A1g1m1)
let hhA2: string;
let hhB: string; // a household in grid B1g1
const id = (first17: string) => first17 + idCheckChar(first17);
const ZHANG = id('42010519850612003'); // male, 1985-06-12
const LI = id('42010519920101004'); // female
const WANG_B = id('42010519700202005');

async function household(unit: { id: string; path: string }, building: string, room: string): Promise<string> {
  const b = await t.db.insertInto('building').values({ unit_id: unit.id, unit_path: unit.path, region_code: '420105', name: building, address: `汉阳大道1号${building}`, floors: 6 })
    .returning('id').executeTakeFirstOrThrow();
  const h = await t.db.insertInto('household').values({ building_id: b.id, unit_id: unit.id, unit_path: unit.path, region_code: '420105', room, floor: 3 })
    .returning('id').executeTakeFirstOrThrow();
  return h.id;
}
const tagId = async (code: string) => (await t.db.selectFrom('care_tag').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  hhA = await household(tree.microA1g1m1, '1栋', '0302');
  hhA2 = await household(tree.microA1g1m1, '2栋', '0101');
  hhB = await household(tree.gridB1g1, '9栋', '0501');
  await makeUser(t.ctx, 'gridA', 'grid_worker', tree.gridA1g1);
  await makeUser(t.ctx, 'gridB', 'grid_worker', tree.gridB1g1);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'district', 'district_staff', tree.district);
  await makeUser(t.ctx, 'volunteer', 'volunteer', tree.commA1);
});
afterAll(() => t.close());

describe('residents', () => {
  let zhangId: string;

  it('401 without a session, 403 for a role without the registry', async () => {
    expect((await new Client(t.app).get('/api/residents')).statusCode).toBe(401);
    const v = await signedIn(t.app, 'volunteer');
    expect((await v.get('/api/residents')).statusCode).toBe(403);
  });

  it('refuses bad personal data naming the field, in the caller’s language', async () => {
    const c = await signedIn(t.app, 'gridA');
    const badCheck = await c.post('/api/residents', { householdId: hhA, name: '张三', idNumber: ZHANG.slice(0, 17) + (ZHANG[17] === '0' ? '1' : '0') });
    expect(badCheck.statusCode).toBe(400);
    expect(badCheck.json().error).toEqual({ code: 'invalid', field: 'idNumber', message: '身份证号码：校验位不正确' });
    const future = await c.post('/api/residents', { householdId: hhA, name: '张三', birthDate: '2099-01-01' });
    expect(future.json().error.field).toBe('birthDate');
    const mismatch = await c.post('/api/residents', { householdId: hhA, name: '张三', idNumber: ZHANG, gender: 'female' });
    expect(mismatch.json().error.field).toBe('gender');
    const phone = await c.post('/api/residents', { householdId: hhA, name: '张三', phone: '1234' });
    expect(phone.json().error.field).toBe('phone');
    const nowhere = await c.post('/api/residents', { name: '张三' });
    expect(nowhere.json().error.field).toBe('householdId');
    c.lang = 'en';
    const en = await c.post('/api/residents', { householdId: hhA, name: '张三', idNumber: '123' });
    expect(en.json().error.message).toBe('ID number: must be 18 characters: 17 digits and a digit or X');
    expect(await t.db.selectFrom('resident').select('id').execute()).toHaveLength(0);
  });

  it('registers a resident with gender and birth date from the ID number, masked in every response', async () => {
    const c = await signedIn(t.app, 'gridA');
    const res = await c.post('/api/residents', {
      householdId: hhA, name: '张三', idNumber: ZHANG, phone: '13812345678', relation: 'head', tagIds: [await tagId('living_alone'), await tagId('disabled')],
    });
    expect(res.statusCode).toBe(201);
    const r = res.json();
    zhangId = r.id;
    expect(r).toMatchObject({
      name: '张三', gender: 'male', birthDate: '1985-06-12', idNumber: `420105********${ZHANG.slice(-4)}`, phone: '138****5678',
      household: { id: hhA, room: '0302', buildingName: '1栋' }, grid: { id: tree.gridA1g1.id }, community: { id: tree.commA1.id },
      abilities: { update: true, reveal: true }, version: 1,
    });
    expect(r.tags.map((x: { code: string }) => x.code).sort()).toEqual(['disabled', 'living_alone']);
    const dup = await c.post('/api/residents', { householdId: hhA2, name: '张三丰', idNumber: ZHANG.toLowerCase() });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.field).toBe('idNumber');
  });

  it('keeps no plaintext ID number or phone in the database', async () => {
    const dump = await sql<{ row: string }>`SELECT row_to_json(r)::text AS row FROM resident r`.execute(t.db);
    const all = dump.rows.map((x) => x.row).join('\n');
    expect(all).not.toContain(ZHANG);
    expect(all).not.toContain(ZHANG.slice(6, 14) + ZHANG.slice(14, 17));
    expect(all).not.toContain('13812345678');
    expect(all).toContain('v1.');
  });

  it('reveals the full values only with a reason, and audits the reveal without the values', async () => {
    const c = await signedIn(t.app, 'gridA');
    const noReason = await c.post(`/api/residents/${zhangId}/reveal`, { fields: ['idNumber'] });
    expect(noReason.json().error.field).toBe('reason');
    const res = await c.post(`/api/residents/${zhangId}/reveal`, { fields: ['idNumber', 'phone'], reason: '入户走访核对' });
    expect(res.json()).toEqual({ idNumber: ZHANG, phone: '13812345678' });
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'resident.reveal').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toEqual({ fields: ['idNumber', 'phone'], reason: '入户走访核对' });
    expect(JSON.stringify(audit)).not.toContain(ZHANG);
    const district = await signedIn(t.app, 'district');
    expect((await district.post(`/api/residents/${zhangId}/reveal`, { fields: ['phone'], reason: '核对' })).statusCode).toBe(403);
  });

  it('hides sensitive tags from roles that do not need them, also as a search filter', async () => {
    const district = await signedIn(t.app, 'district');
    const r = (await district.get(`/api/residents/${zhangId}`)).json();
    expect(r.tags.map((x: { code: string }) => x.code)).toEqual(['living_alone']);
    const byTag = await district.get(`/api/residents?tags=${await tagId('disabled')}`);
    expect(byTag.statusCode).toBe(400);
    expect(byTag.json().error.field).toBe('tags');
    const tags = (await district.get('/api/care-tags')).json().items.map((x: { code: string }) => x.code);
    expect(tags).not.toContain('disabled');
    expect(tags).toContain('living_alone');
  });

  it('finds people by pinyin initials, full pinyin, hanzi, ID number, phone, tag and address — in scope only', async () => {
    const b = await signedIn(t.app, 'gridB');
    const wang = await b.post('/api/residents', { householdId: hhB, name: '张伟', idNumber: WANG_B, phone: '13900001111' });
    expect(wang.statusCode).toBe(201);
    const a = await signedIn(t.app, 'gridA');
    await a.post('/api/residents', { householdId: hhA, name: '李四', idNumber: LI, relation: 'spouse' });
    const names = async (c: Client, qs: string) => (await c.get(`/api/residents?${qs}`)).json().items.map((x: { name: string }) => x.name).sort();
    expect(await names(a, 'q=zs')).toEqual(['张三']);
    expect(await names(a, 'q=ZHANG')).toEqual(['张三']);
    expect(await names(a, `q=${encodeURIComponent('张')}`)).toEqual(['张三']);
    expect(await names(a, `idNumber=${ZHANG.toLowerCase()}`)).toEqual(['张三']);
    expect(await names(a, 'phone=138-1234-5678'.replace(/-/g, ''))).toEqual(['张三']);
    expect(await names(a, `tags=${await tagId('living_alone')}`)).toEqual(['张三']);
    expect(await names(a, `address=${encodeURIComponent('1栋 0302')}`)).toEqual(['张三', '李四']);
    expect(await names(a, `address=${encodeURIComponent('2栋')}`)).toEqual([]);
    expect(await names(a, `address=${encodeURIComponent('1栋')}`)).toEqual(['张三', '李四']);
    // Grid A's worker never finds grid B's people, even by their exact ID number.
    expect(await names(a, `idNumber=${WANG_B}`)).toEqual([]);
    expect((await a.get(`/api/residents/${wang.json().id}`)).statusCode).toBe(404);
    expect((await a.post(`/api/residents/${wang.json().id}/reveal`, { fields: ['phone'], reason: '试探' })).statusCode).toBe(404);
    const district = await signedIn(t.app, 'district');
    expect(await names(district, 'q=zs')).toEqual(['张三']);
    expect(await names(district, 'q=zw')).toEqual(['张伟']);
    const page = (await district.get('/api/residents?limit=1')).json();
    expect(page.items).toHaveLength(1);
    expect(page.total).toBe(3);
  });

  it('pages a grid’s people in id order, also when the ids differ in length', async () => {
    // Ids 99, 100, 101 beside the one-digit ones: ordered as numbers, not as text ("100" < "2").
    await sql`SELECT setval(pg_get_serial_sequence('resident', 'id'), 98)`.execute(t.db);
    const a = await signedIn(t.app, 'gridA');
    for (const [n, seq] of [['赵一', '11'], ['钱二', '13'], ['孙三', '15']] as const) {
      expect((await a.post('/api/residents', { householdId: hhA2, name: n, idNumber: id(`420105199003030${seq}`) })).statusCode).toBe(201);
    }
    const ids = async (qs: string): Promise<number[]> => (await a.get(`/api/residents?${qs}`)).json().items.map((x: { id: string }) => Number(x.id));
    const all = await ids('limit=100');
    expect(all).toEqual([...all].sort((x, y) => x - y));
    expect(all.filter((x) => x >= 99)).toEqual([99, 100, 101]);
    const paged = [...await ids('limit=2'), ...await ids('limit=2&offset=2'), ...await ids('limit=2&offset=4'), ...await ids('limit=2&offset=6')];
    expect(paged).toEqual(all);
  });

  it('keeps history instead of overwriting, and refuses a stale version', async () => {
    const c = await signedIn(t.app, 'commA1');
    const upd = await c.patch(`/api/residents/${zhangId}`, { version: 1, name: '张山', phone: '13700000000' });
    expect(upd.statusCode).toBe(200);
    expect(upd.json()).toMatchObject({ name: '张山', version: 2, phone: '137****0000' });
    const stale = await c.patch(`/api/residents/${zhangId}`, { version: 1, name: '张珊' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('conflict');
    const moved = await c.post(`/api/residents/${zhangId}/household`, { version: 2, householdId: hhA2, date: '2026-10-01' });
    expect(moved.json()).toMatchObject({ household: { id: hhA2 }, movedInOn: '2026-10-01', version: 3 });
    const out = await c.post(`/api/residents/${zhangId}/move-out`, { version: 3, date: '2026-11-01' });
    expect(out.json()).toMatchObject({ status: 'moved_out', movedOutOn: '2026-11-01' });
    expect((await c.post(`/api/residents/${zhangId}/death`, { version: 4, date: '2026-11-02' })).statusCode).toBe(409);
    const history = (await c.get(`/api/residents/${zhangId}/history`)).json().items;
    expect(history.map((h: { kind: string }) => h.kind)).toEqual(['move_out', 'household_change', 'update']);
    expect(history[2].before).toMatchObject({ name: '张三', phone: '138****5678', household_id: hhA });
    expect(history[2].before.tags).toEqual(['disabled', 'living_alone']);
    // Moved-out people leave the default list but are still there.
    expect((await c.get('/api/residents?q=zs')).json().items).toHaveLength(0);
    expect((await c.get('/api/residents?q=zs&status=all')).json().items.map((x: { name: string }) => x.name)).toEqual(['张山']);
    // The district sees the history without the sensitive tag.
    const district = await signedIn(t.app, 'district');
    expect((await district.get(`/api/residents/${zhangId}/history`)).json().items[2].before.tags).toEqual(['living_alone']);
  });
});
