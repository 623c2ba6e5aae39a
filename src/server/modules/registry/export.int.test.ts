import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, Client, type TestApp, settledJob } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { idCheckChar } from '../../../shared/validation/id-number.js';
import { XLSX_CONTENT_TYPE } from '../../../shared/registry/import.schemas.js';

let t: TestApp;
let tree: Tree;
const id = (first17: string) => first17 + idCheckChar(first17);
const ZHANG = id('42010519450612003');
const LI = id('42010519920101004');
const WANG = id('42010519700202005');
const SUN = id('42010519800101007');
const QIAN = id('42010519810101008');
const A2 = id('42010519820101009');
const B1 = id('42010519830101000');
const tagIds: Record<string, string> = {};

async function household(unit: { id: string; path: string }, building: string, room: string, entrance?: string): Promise<string> {
  let b = await t.db.selectFrom('building').select('id').where('name', '=', building).where('unit_id', '=', unit.id).executeTakeFirst();
  b ??= await t.db.insertInto('building').values({ unit_id: unit.id, unit_path: unit.path, region_code: '420105', name: building, address: `汉阳大道1号${building}`, floors: 18 })
    .returning('id').executeTakeFirstOrThrow();
  let e: { id: string } | undefined;
  if (entrance) {
    e = await t.db.selectFrom('entrance').select('id').where('building_id', '=', b.id).where('name', '=', entrance).executeTakeFirst();
    e ??= await t.db.insertInto('entrance').values({ building_id: b.id, unit_id: unit.id, unit_path: unit.path, region_code: '420105', name: entrance })
      .returning('id').executeTakeFirstOrThrow();
  }
  const h = await t.db.insertInto('household').values({ building_id: b.id, entrance_id: e?.id ?? null, unit_id: unit.id, unit_path: unit.path, region_code: '420105', room })
    .returning('id').executeTakeFirstOrThrow();
  return h.id;
}

async function sheetOf(res: LightMyRequestResponse): Promise<{ wb: ExcelJS.Workbook; ws: ExcelJS.Worksheet; rows: unknown[][] }> {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  expect(res.headers['content-type']).toBe(XLSX_CONTENT_TYPE);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  const rows: unknown[][] = [];
  ws.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
  return { wb, ws, rows };
}

const lastExportAudit = async () => (await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'registry.export').orderBy('id', 'desc').executeTakeFirstOrThrow());

const settled = (c: Client, jobId: string) => settledJob(c, `/api/registry/imports/${jobId}`);

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  for (const r of await t.db.selectFrom('care_tag').select(['id', 'code']).execute()) tagIds[r.code] = r.id;
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'commB1', 'community_staff', tree.commB1);
  await makeUser(t.ctx, 'district', 'district_staff', tree.district);
  await makeUser(t.ctx, 'volunteer', 'volunteer', tree.commA1);
  await makeUser(t.ctx, 'gw1', 'grid_worker', tree.gridA1g1, { displayName: '王网格' });
  await makeUser(t.ctx, 'gw1m', 'grid_worker', tree.microA1g1m1, { displayName: '陈微网格' });
  await makeUser(t.ctx, 'gw2', 'grid_worker', tree.gridA1g2, { displayName: '刘网格' });
  const hh0302 = await household(tree.microA1g1m1, '1栋', '0302', '1单元');
  const c = await signedIn(t.app, 'commA1');
  const add = async (client: Client, body: Record<string, unknown>) => {
    const res = await client.post('/api/residents', body);
    expect(res.statusCode, res.body).toBe(201);
  };
  await add(c, { householdId: hh0302, name: '张三', idNumber: ZHANG, phone: '13812345678', relation: 'head', tagIds: [tagIds.living_alone, tagIds.disabled] });
  await add(c, {
    householdId: hh0302, name: '李四', idNumber: LI, relation: 'spouse', politicalStatus: 'cpc_member', residenceType: 'floating',
    ethnicity: '回族', movedInOn: '2015-03-01', tagIds: [tagIds.empty_nest],
  });
  await add(c, { householdId: await household(tree.gridA1g2, '3栋', '1201'), name: '王五', idNumber: WANG, phone: '027-84561234', tagIds: [tagIds.veteran] });
  await add(c, { householdId: await household(tree.gridA1g2, '3栋', '1202'), name: '孙八', idNumber: SUN, tagIds: [tagIds.disabled] });
  await add(c, { householdId: await household(tree.gridA1g2, '3栋', '1203'), name: '钱七', idNumber: QIAN });
  await makeUser(t.ctx, 'streetAll', 'street_staff', tree.streetA);
  const s = await signedIn(t.app, 'streetAll');
  await add(s, { householdId: await household(tree.gridA2g1, '5栋', '0101'), name: '周九', idNumber: A2, tagIds: [tagIds.living_alone] });
  await add(await signedIn(t.app, 'commB1'), { householdId: await household(tree.gridB1g1, '9栋', '0501'), name: '吴十', idNumber: B1 });
});
afterAll(() => t.close());

describe('exports', () => {
  it('climb the ladder: 401, 403, 400, 404', async () => {
    expect((await new Client(t.app).get('/api/registry/exports/residents')).statusCode).toBe(401);
    expect((await (await signedIn(t.app, 'volunteer')).get('/api/registry/exports/buildings')).statusCode).toBe(403);
    const c = await signedIn(t.app, 'commA1');
    const badStatus = await c.get('/api/registry/exports/residents?status=gone');
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.json().error.field).toBe('status');
    expect((await c.get('/api/registry/exports/residents?tags=abc')).json().error.field).toBe('tags');
    expect((await c.get(`/api/registry/exports/residents?unitId=${tree.commB1.id}`)).statusCode).toBe(404);
    expect((await c.get(`/api/registry/exports/special-groups?unitId=${tree.commA2.id}`)).statusCode).toBe(404);
    const district = await signedIn(t.app, 'district');
    const sensitive = await district.get(`/api/registry/exports/residents?tags=${tagIds.disabled}`);
    expect(sensitive.statusCode).toBe(400);
    expect(sensitive.json().error.field).toBe('tags');
    expect(await t.db.selectFrom('audit_log').select('id').where('action', '=', 'registry.export').execute()).toHaveLength(0);
  });

  it('residents: the template’s columns, formatted, full values for a role that may reveal them, audited', async () => {
    const c = await signedIn(t.app, 'commA1');
    const res = await c.get(`/api/registry/exports/residents?unitId=${tree.commA1.id}`);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="linli-residents-\d{8}-\d{4}\.xlsx"; filename\*=UTF-8''/);
    expect(decodeURIComponent(res.headers['content-disposition']!.split("''")[1]!)).toMatch(/^居民台账-\d{8}-\d{4}\.xlsx$/);
    const { ws, rows } = await sheetOf(res);
    expect(ws.name).toBe('居民');
    expect(rows[0]).toEqual(['姓名', '身份证号码', '性别', '出生日期', '联系电话', '民族', '政治面貌', '与户主关系', '户籍类型', '楼栋', '单元', '房号', '迁入日期', '标签', '所属网格', '状态']);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBeTruthy();
    expect(ws.getRow(1).font?.bold).toBe(true);
    expect(ws.getColumn(2).width).toBe(22);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['张三', '李四', '王五', '孙八', '钱七']);
    const zhang = rows[1]!;
    expect(zhang.slice(0, 3)).toEqual(['张三', ZHANG, '男']);
    expect(zhang[4]).toBe('13812345678');
    expect(zhang.slice(9, 16)).toEqual(['1栋', '1单元', '0302', undefined, '独居、残疾', '第一网格', '在册']);
    const li = rows[2]!;
    expect(li.slice(5, 9)).toEqual(['回族', '中共党员', '配偶', '流动']);
    expect((li[12] as Date).toISOString().slice(0, 10)).toBe('2015-03-01');
    const audit = await lastExportAudit();
    expect(audit).toMatchObject({ actor_username: 'commA1', resource_type: 'residents', unit_path: tree.commA1.path });
    expect(audit.detail).toEqual({ kind: 'residents', filters: { unitId: tree.commA1.id, status: 'active' }, rows: 5, fullValueRows: 5 });
  });

  it('residents: masked for a role that may not reveal them, and only inside the exporter’s scope', async () => {
    const district = await signedIn(t.app, 'district');
    const { rows } = await sheetOf(await district.get('/api/registry/exports/residents'));
    expect(rows).toHaveLength(8);
    const zhang = rows.find((r) => r[0] === '张三')!;
    expect(zhang[1]).toBe(`420105********${ZHANG.slice(-4)}`);
    expect(zhang[4]).toBe('138****5678');
    expect(zhang[13]).toBe('独居'); // no sensitive tags for the district
    expect(JSON.stringify(rows)).not.toContain(ZHANG);
    expect((await lastExportAudit()).detail).toEqual({ kind: 'residents', filters: { status: 'active' }, rows: 7, fullValueRows: 0 });

    const c = await signedIn(t.app, 'commA1');
    const mine = (await sheetOf(await c.get('/api/registry/exports/residents'))).rows.map((r) => r[0]);
    expect(mine).not.toContain('周九');
    expect(mine).not.toContain('吴十');
    const tagged = (await sheetOf(await c.get(`/api/registry/exports/residents?tags=${tagIds.living_alone}`))).rows.map((r) => r[0]);
    expect(tagged).toEqual(['姓名', '张三']);
    expect((await lastExportAudit()).detail).toMatchObject({ filters: { tags: tagIds.living_alone, status: 'active' }, rows: 1 });
  });

  it('residents round trip: export, import the file again, nothing changes', async () => {
    const c = await signedIn(t.app, 'commA1');
    const exported = await c.get(`/api/registry/exports/residents?unitId=${tree.commA1.id}`);
    expect(exported.statusCode).toBe(200);
    const before = await t.db.selectFrom('resident').select(['id', 'version', 'updated_at']).orderBy('id').execute();
    const upload = await t.app.inject({
      method: 'POST', url: `/api/registry/imports?unitId=${tree.commA1.id}&fileName=roundtrip.xlsx`, payload: exported.rawPayload,
      headers: { 'content-type': XLSX_CONTENT_TYPE, cookie: c.cookie! },
    });
    expect(upload.statusCode, upload.body).toBe(202);
    const job = await settled(c, upload.json().id);
    expect(job).toMatchObject({ status: 'ready', total: 5, valid: 5, errors: 0, new: 0, updated: 0, unchanged: 5 });
    expect((await c.post(`/api/registry/imports/${job.id}/commit`)).statusCode).toBe(202);
    expect(await settled(c, job.id)).toMatchObject({ status: 'committed', unchanged: 5, new: 0, updated: 0 });
    expect(await t.db.selectFrom('resident').select(['id', 'version', 'updated_at']).orderBy('id').execute()).toEqual(before);
    expect(await t.db.selectFrom('resident_history').select('id').execute()).toHaveLength(0);
  });

  it('residents: English headers and words for an English caller', async () => {
    const c = await signedIn(t.app, 'commA1');
    c.lang = 'en';
    const res = await c.get(`/api/registry/exports/residents?unitId=${tree.gridA1g2.id}`);
    expect(decodeURIComponent(res.headers['content-disposition']!.split("''")[1]!)).toMatch(/^residents-\d{8}-\d{4}\.xlsx$/);
    const { ws, rows } = await sheetOf(res);
    expect(ws.name).toBe('Residents');
    expect(rows[0]!.slice(0, 3)).toEqual(['Name', 'ID number', 'Gender']);
    expect(rows[1]!.slice(0, 3)).toEqual(['王五', WANG, 'Male']);
    expect(rows[1]![13]).toBe('Veteran');
  });

  it('special groups: the tagged residents with their grid and responsible grid workers', async () => {
    const c = await signedIn(t.app, 'commA1');
    const res = await c.get(`/api/registry/exports/special-groups?unitId=${tree.commA1.id}`);
    expect(decodeURIComponent(res.headers['content-disposition']!.split("''")[1]!)).toMatch(/^特殊人群台账-/);
    const { ws, rows } = await sheetOf(res);
    expect(ws.name).toBe('特殊人群');
    expect(rows[0]).toEqual(['所属社区', '所属网格', '姓名', '性别', '年龄', '身份证号码', '联系电话', '住址', '类别', '责任网格员']);
    const byName = new Map(rows.slice(1).map((r) => [r[2], r]));
    expect([...byName.keys()]).toEqual(['张三', '李四', '王五', '孙八']);
    const zhang = byName.get('张三')!;
    expect(zhang.slice(0, 6)).toEqual(['钟家村社区', '第一网格', '张三', '男', 81, ZHANG]);
    expect(zhang[7]).toBe('汉阳大道1号1栋 1单元 0302');
    expect(zhang[8]).toBe('独居、残疾');
    expect(String(zhang[9]).split('、').sort()).toEqual(['王网格', '陈微网格'].sort());
    expect(byName.get('王五')![9]).toBe('刘网格');
    expect(byName.get('孙八')![8]).toBe('残疾');
    expect((await lastExportAudit()).detail).toEqual({ kind: 'special_groups', filters: { unitId: tree.commA1.id }, rows: 4, fullValueRows: 4 });

    const district = await signedIn(t.app, 'district');
    const masked = (await sheetOf(await district.get('/api/registry/exports/special-groups'))).rows;
    const names = masked.slice(1).map((r) => r[2]);
    expect(names).not.toContain('孙八'); // only a sensitive group
    expect(names).toContain('周九');
    expect(masked.find((r) => r[2] === '张三')![8]).toBe('独居');
    expect(masked.find((r) => r[2] === '张三')![5]).toBe(`420105********${ZHANG.slice(-4)}`);
  });

  it('buildings: one row per building with its counts', async () => {
    const c = await signedIn(t.app, 'commA1');
    const { ws, rows } = await sheetOf(await c.get('/api/registry/exports/buildings'));
    expect(ws.name).toBe('楼栋');
    expect(rows[0]).toEqual(['所属社区', '所属网格', '楼栋名称', '地址', '楼栋类型', '总层数', '单元数', '户数', '在册居民数', '经度', '纬度']);
    expect(rows.slice(1)).toEqual([
      ['钟家村社区', '第一网格', '1栋', '汉阳大道1号1栋', '住宅', 18, 1, 1, 2],
      ['钟家村社区', '第二网格', '3栋', '汉阳大道1号3栋', '住宅', 18, 0, 3, 3],
    ]);
    expect((await lastExportAudit()).detail).toEqual({ kind: 'buildings', filters: {}, rows: 2 });
  });

  it('organisations: works empty, then masks contact phones for roles that may not reveal them', async () => {
    const c = await signedIn(t.app, 'commA1');
    const empty = await sheetOf(await c.get('/api/registry/exports/organisations'));
    expect(empty.ws.name).toBe('单位');
    expect(empty.rows).toHaveLength(1);
    expect((await lastExportAudit()).detail).toEqual({ kind: 'organisations', filters: {}, rows: 0, fullValueRows: 0 });
    await t.db.insertInto('organisation').values({
      unit_id: tree.gridA1g1.id, unit_path: tree.gridA1g1.path, region_code: '420105', kind: 'merchant', name: '钟家村便民超市',
      uscc: '914403001922038216', contact_name: '陈老板', contact_phone_enc: t.ctx.cipher.encrypt('13712345678'), contact_phone_hash: t.ctx.cipher.blindIndex('13712345678'),
    }).execute();
    const full = await sheetOf(await c.get('/api/registry/exports/organisations'));
    expect(full.rows[1]).toEqual(['钟家村社区', '第一网格', '钟家村便民超市', '商户', '914403001922038216', '陈老板', '13712345678', undefined, undefined, '正常']);
    const district = await signedIn(t.app, 'district');
    const masked = await sheetOf(await district.get('/api/registry/exports/organisations'));
    expect(masked.rows[1]![6]).toBe('137****5678');
    expect((await lastExportAudit()).detail).toEqual({ kind: 'organisations', filters: {}, rows: 1, fullValueRows: 0 });
    const b1 = await signedIn(t.app, 'commB1');
    expect((await sheetOf(await b1.get('/api/registry/exports/organisations'))).rows).toHaveLength(1);
  });

  it('leaves one audit row per export, never with personal data', async () => {
    const audits = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'registry.export').execute();
    expect(audits.length).toBe(13);
    const text = JSON.stringify(audits);
    for (const secret of [ZHANG, LI, WANG, '13812345678', '13712345678']) expect(text).not.toContain(secret);
  });
});
