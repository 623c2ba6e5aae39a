import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, Client, type TestApp, settledJob } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { idCheckChar } from '../../../shared/validation/id-number.js';
import { XLSX_CONTENT_TYPE } from '../../../shared/registry/import.schemas.js';
import { buildApp } from '../../app.js';
import { modules } from '../index.js';

let t: TestApp;
let tree: Tree;
const id = (first17: string) => first17 + idCheckChar(first17);
const ZHANG = id('42010519850612003'); // male, 1985-06-12
const LI = id('42010519920101004'); // female
const WANG = id('42010519700202005');
const ZHAO_B = id('42010519600303006'); // registered in community B1
const BAD_CHECK = ZHANG.slice(0, 17) + (ZHANG[17] === '0' ? '1' : '0');
const HEADER = ['姓名*', '身份证号码*', '性别', '出生日期', '联系电话', '民族', '政治面貌', '与户主关系', '户籍类型', '楼栋*', '单元', '房号*', '迁入日期', '标签'];
type P = { name?: unknown; id?: unknown; gender?: unknown; birth?: unknown; phone?: unknown; ethnicity?: unknown; political?: unknown; relation?: unknown; residence?: unknown; building?: unknown; entrance?: unknown; room?: unknown; movedIn?: unknown; tags?: unknown };
const person = (p: P) => [p.name, p.id, p.gender, p.birth, p.phone, p.ethnicity, p.political, p.relation, p.residence, p.building, p.entrance, p.room, p.movedIn, p.tags];

async function xlsx(rows: unknown[][], opts: { sheet?: string; header?: string[]; titleRow?: string } = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(opts.sheet ?? '居民');
  if (opts.titleRow) ws.addRow([opts.titleRow]);
  ws.addRow(opts.header ?? HEADER);
  for (const r of rows) ws.addRow(r);
  wb.addWorksheet('说明').addRow(['说明']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A stored (uncompressed) zip holding the given files: a zip that is not a workbook. */
function zip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const n = Buffer.from(name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(n.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(Object.keys(files).length, 8); end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

async function upload(c: Client, body: Buffer | string, unitId: string, opts: { contentType?: string; fileName?: string } = {}) {
  const q = new URLSearchParams({ unitId, ...(opts.fileName ? { fileName: opts.fileName } : {}) });
  return t.app.inject({
    method: 'POST', url: `/api/registry/imports?${q}`, payload: body,
    headers: { 'content-type': opts.contentType ?? XLSX_CONTENT_TYPE, 'accept-language': c.lang, ...(c.cookie ? { cookie: c.cookie } : {}) },
  });
}

const settled = (c: Client, jobId: string) => settledJob(c, `/api/registry/imports/${jobId}`);

async function importFile(c: Client, body: Buffer, unitId: string) {
  const res = await upload(c, body, unitId, { fileName: '居民.xlsx' });
  expect(res.statusCode, res.body).toBe(202);
  return settled(c, res.json().id);
}

async function commit(c: Client, jobId: string) {
  const res = await c.post(`/api/registry/imports/${jobId}/commit`);
  expect(res.statusCode, res.body).toBe(202);
  return settled(c, jobId);
}

const issues = async (c: Client, jobId: string) => (await c.get(`/api/registry/imports/${jobId}/issues?limit=1000`)).json();
const residentCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM resident`.execute(t.db)).rows[0]!.n);

let b1: string; // 1栋 in micro-grid A1g1m1, entrances 1单元 / 2单元
let hh0302: string;

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  const building = async (unit: { id: string; path: string }, name: string, floors = 6) => (await t.db.insertInto('building')
    .values({ unit_id: unit.id, unit_path: unit.path, region_code: '420105', name, floors }).returning('id').executeTakeFirstOrThrow()).id;
  b1 = await building(tree.microA1g1m1, '1栋');
  const e1 = (await t.db.insertInto('entrance').values({ building_id: b1, unit_id: tree.microA1g1m1.id, unit_path: tree.microA1g1m1.path, region_code: '420105', name: '1单元' })
    .returning('id').executeTakeFirstOrThrow()).id;
  await t.db.insertInto('entrance').values({ building_id: b1, unit_id: tree.microA1g1m1.id, unit_path: tree.microA1g1m1.path, region_code: '420105', name: '2单元' }).execute();
  hh0302 = (await t.db.insertInto('household').values({ building_id: b1, entrance_id: e1, unit_id: tree.microA1g1m1.id, unit_path: tree.microA1g1m1.path, region_code: '420105', room: '0302', floor: 3 })
    .returning('id').executeTakeFirstOrThrow()).id;
  await building(tree.microA1g1m1, '2栋');
  await building(tree.gridA1g2, '3栋', 18);
  const b9 = await building(tree.gridB1g1, '9栋');
  const hhB = (await t.db.insertInto('household').values({ building_id: b9, unit_id: tree.gridB1g1.id, unit_path: tree.gridB1g1.path, region_code: '420105', room: '0501' })
    .returning('id').executeTakeFirstOrThrow()).id;
  await t.db.insertInto('resident').values({
    household_id: hhB, unit_id: tree.gridB1g1.id, unit_path: tree.gridB1g1.path, region_code: '420105', name: '赵六',
    id_number_enc: t.ctx.cipher.encrypt(ZHAO_B), id_number_hash: t.ctx.cipher.blindIndex(ZHAO_B),
  }).execute();
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'commA1b', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'commB1', 'community_staff', tree.commB1);
  await makeUser(t.ctx, 'streetA', 'street_staff', tree.streetA);
  await makeUser(t.ctx, 'district', 'district_staff', tree.district);
  await makeUser(t.ctx, 'gridA', 'grid_worker', tree.gridA1g1);
});
afterAll(() => t.close());

describe('the import template', () => {
  it('is an xlsx with the 居民 and 说明 sheets, listing the tags the caller may use', async () => {
    expect((await new Client(t.app).get('/api/registry/import/template')).statusCode).toBe(401);
    expect((await (await signedIn(t.app, 'district')).get('/api/registry/import/template')).statusCode).toBe(403);
    const c = await signedIn(t.app, 'commA1');
    const res = await c.get('/api/registry/import/template');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX_CONTENT_TYPE);
    expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('居民导入模板')}.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['居民', '说明']);
    const notes = wb.getWorksheet('说明')!.getSheetValues().flat().map(String).join('\n');
    expect(notes).toContain('残疾');
    expect(notes).not.toContain('长居'); // a household tag
  });
});

describe('uploading', () => {
  it('climbs the ladder: 401, 403, 400, 404, 415', async () => {
    const body = await xlsx([]);
    expect((await upload(new Client(t.app), body, tree.commA1.id)).statusCode).toBe(401);
    expect((await upload(await signedIn(t.app, 'gridA'), body, tree.gridA1g1.id)).statusCode).toBe(403);
    expect((await upload(await signedIn(t.app, 'district'), body, tree.commA1.id)).statusCode).toBe(403);
    const c = await signedIn(t.app, 'commA1');
    const bad = await upload(c, body, 'x1');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('unitId');
    const other = await upload(c, body, tree.commB1.id);
    expect(other.statusCode).toBe(404);
    const street = await upload(await signedIn(t.app, 'streetA'), body, tree.streetA.id);
    expect(street.statusCode).toBe(400);
    expect(street.json().error.field).toBe('unitId');
    const json = await c.request('POST', `/api/registry/imports?unitId=${tree.commA1.id}`, { rows: [] });
    expect(json.statusCode).toBe(415);
    expect(json.json().error.message).toContain('.xlsx');
    const form = await upload(c, body, tree.commA1.id, { contentType: 'multipart/form-data; boundary=x' });
    expect(form.statusCode).toBe(415);
    const empty = await upload(c, Buffer.alloc(0), tree.commA1.id);
    expect(empty.statusCode).toBe(400);
    expect(await t.db.selectFrom('import_job').select('id').execute()).toHaveLength(0);
  });
});

describe('a workbook with good and bad rows', () => {
  let jobId: string;
  let firstFile: Buffer;

  it('is checked row by row: each bad row reported with its column and what is wrong', async () => {
    const c = await signedIn(t.app, 'commA1');
    const body = await xlsx([
      person({ name: '【示例】张三', id: '11010519491231002X', building: '1栋', room: '0302' }), // row 2: example, skipped
      person({ name: '张三', id: ZHANG, phone: '13812345678', relation: '户主', building: '1栋', entrance: '1单元', room: '0302', tags: '独居、残疾', movedIn: '2015-03-01' }), // 3
      person({ name: '钱七', id: BAD_CHECK, building: '1栋', room: '0401' }), // 4
      person({ name: '孙八', id: id('42010519800101007'), building: '99栋', room: '0101' }), // 5
      person({ name: '张三丰', id: ZHANG, building: '2栋', room: '0101' }), // 6
      person({ name: '周九', id: id('42010519810101008'), building: '2栋', room: '0102', movedIn: '2099-01-01' }), // 7
      person({ name: '吴十', id: id('42010519820101009'), building: '2栋', room: '0103', tags: '独居、不存在' }), // 8
      person({ name: '李四', id: LI, gender: '女', relation: '配偶', political: '中共党员', residence: '流动', building: '2栋', room: '0101' }), // 9
      person({ name: '王五', id: WANG, phone: '027-84561234', building: '3栋', room: '1201', ethnicity: '回族' }), // 10
      [], // 11: blank
      person({ name: '赵六', id: ZHAO_B, building: '1栋', room: '0302' }), // 12: registered in B1
      person({ name: '郑十一', id: id('42010519830101000'), building: '1栋', entrance: '9单元', room: '0901' }), // 13
      person({ name: '冯十二', id: id('42010519840101001'), gender: '未知', building: '1栋', room: '0902' }), // 14
    ]);
    firstFile = body;
    const res = await upload(c, body, tree.commA1.id, { fileName: '钟家村居民.xlsx' });
    expect(res.statusCode).toBe(202);
    jobId = res.json().id;
    const job = await settled(c, jobId);
    expect(job).toMatchObject({
      status: 'ready', fileName: '钟家村居民.xlsx', unit: { id: tree.commA1.id }, total: 11, processed: 11, progress: 1,
      valid: 3, errors: 8, new: 3, updated: 0, unchanged: 0, message: null, abilities: { commit: true },
    });
    expect(job.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(job.valid + job.errors).toBe(job.processed);

    const report = await issues(c, jobId);
    const byRow = (row: number) => report.items.filter((i: { row: number }) => i.row === row).map((i: { column: string; message: string }) => `${i.column}：${i.message}`);
    expect(byRow(4)).toEqual(['身份证号码：校验位不正确']);
    expect(byRow(5)).toEqual(['楼栋：钟家村社区下没有名为“99栋”的楼栋']);
    expect(byRow(6)).toEqual(['身份证号码：与第 3 行是同一个身份证号码']);
    expect(byRow(7)).toEqual(['迁入日期：日期不能晚于今天']);
    expect(byRow(8)).toEqual(['标签：没有名为“不存在”的居民标签']);
    expect(byRow(12)).toEqual(['身份证号码：该身份证号码的居民已在其他辖区登记，请联系其所在社区办理']);
    expect(byRow(13)).toEqual(['单元：楼栋“1栋”没有名为“9单元”的单元']);
    expect(byRow(14)).toEqual(['性别：“未知”不是可选值（可选：男、女）']);
    expect(report.items.map((i: { row: number }) => i.row)).not.toContain(2);
    expect(report.total).toBe(8);

    c.lang = 'en';
    const en = await issues(c, jobId);
    expect(en.items.find((i: { row: number }) => i.row === 4)).toEqual({ row: 4, column: 'ID number', columnKey: 'idNumber', message: 'has a wrong check digit' });
    expect(en.items.find((i: { row: number }) => i.row === 14).message).toBe('“未知” is not one of the allowed values (Male, Female)');
  });

  it('stages no plaintext personal data and writes nothing to the registry before the commit', async () => {
    const dump = (await sql<{ row: string }>`SELECT row_to_json(r)::text AS row FROM import_row r`.execute(t.db)).rows.map((r) => r.row).join('\n');
    expect(dump).toContain('v1.');
    for (const secret of [ZHANG, LI, WANG, '13812345678', '027-84561234']) expect(dump).not.toContain(secret);
    expect(await residentCount()).toBe(1);
  });

  it('hides the job from another community and refuses a commit by someone else', async () => {
    const b = await signedIn(t.app, 'commB1');
    expect((await b.get(`/api/registry/imports/${jobId}`)).statusCode).toBe(404);
    expect((await b.get(`/api/registry/imports/${jobId}/issues`)).statusCode).toBe(404);
    expect((await b.post(`/api/registry/imports/${jobId}/commit`)).statusCode).toBe(404);
    expect((await b.get('/api/registry/imports')).json().items).toEqual([]);
    const colleague = await signedIn(t.app, 'commA1b');
    const seen = (await colleague.get(`/api/registry/imports/${jobId}`)).json();
    expect(seen.abilities.commit).toBe(false);
    expect((await colleague.post(`/api/registry/imports/${jobId}/commit`)).statusCode).toBe(403);
    const street = await signedIn(t.app, 'streetA');
    expect((await street.get('/api/registry/imports')).json().items.map((j: { id: string }) => j.id)).toEqual([jobId]);
  });

  it('commits only the good rows in one transaction, creating the missing households', async () => {
    const c = await signedIn(t.app, 'commA1');
    const job = await commit(c, jobId);
    expect(job).toMatchObject({ status: 'committed', processed: 3, valid: 3, new: 3, updated: 0, unchanged: 0, householdsCreated: 2, progress: 1 });
    expect(await residentCount()).toBe(4);
    const rows = await t.db.selectFrom('resident as r').leftJoin('household as h', 'h.id', 'r.household_id')
      .select(['r.name', 'r.gender', 'r.birth_date', 'r.relation', 'r.political_status', 'r.residence_type', 'r.ethnicity', 'r.name_initials', 'r.unit_path', 'h.id as hh', 'h.room', 'h.floor'])
      .orderBy('r.id').execute();
    expect(rows.map((r) => r.name)).toEqual(['赵六', '张三', '李四', '王五']);
    expect(rows[1]).toMatchObject({ gender: 'male', birth_date: '1985-06-12', relation: 'head', residence_type: 'registered', name_initials: 'zs', hh: hh0302, unit_path: tree.microA1g1m1.path });
    expect(rows[2]).toMatchObject({ gender: 'female', relation: 'spouse', political_status: 'cpc_member', residence_type: 'floating', room: '0101', floor: 1 });
    expect(rows[3]).toMatchObject({ ethnicity: '回族', room: '1201', floor: 12, unit_path: tree.gridA1g2.path });
    const tags = await t.db.selectFrom('resident_tag as rt').innerJoin('care_tag as t', 't.id', 'rt.tag_id').innerJoin('resident as r', 'r.id', 'rt.resident_id')
      .select(['r.name', 't.code']).orderBy('t.code').execute();
    expect(tags).toEqual([{ name: '张三', code: 'disabled' }, { name: '张三', code: 'living_alone' }]);
    const dump = (await sql<{ row: string }>`SELECT row_to_json(r)::text AS row FROM resident r`.execute(t.db)).rows.map((r) => r.row).join('\n');
    for (const secret of [ZHANG, LI, WANG, '13812345678']) expect(dump).not.toContain(secret);
    // The staged data is gone; the report stays.
    expect(await t.db.selectFrom('import_row').select('row_number').where('job_id', '=', jobId).execute()).toHaveLength(0);
    expect((await issues(c, jobId)).total).toBe(8);
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'registry.import').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toEqual({ rows: 11, committed: 3, new: 3, updated: 0, unchanged: 0, skippedWithErrors: 8, householdsCreated: 2 });
    expect(audit[0]!.resource_id).toBe(jobId);
    const again = await c.post(`/api/registry/imports/${jobId}/commit`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toBe('该导入当前为“已提交”，不能提交');
  });

  it('re-importing the same file changes nothing and creates no duplicates', async () => {
    const c = await signedIn(t.app, 'commA1');
    const first = await t.db.selectFrom('import_job').select('file_sha256').where('id', '=', jobId).executeTakeFirstOrThrow();
    const job = await importFile(c, firstFile, tree.commA1.id);
    expect(job).toMatchObject({ status: 'ready', fileSha256: first.file_sha256, valid: 3, errors: 8, new: 0, updated: 0, unchanged: 3 });
    const done = await commit(c, job.id);
    expect(done).toMatchObject({ status: 'committed', new: 0, updated: 0, unchanged: 3, householdsCreated: 0 });
    expect(await residentCount()).toBe(4);
    expect(await t.db.selectFrom('resident_history').select('id').execute()).toHaveLength(0);
    expect((await t.db.selectFrom('resident').select('version').execute()).every((r) => r.version === 1)).toBe(true);
  });

  it('updates registered people from the sheet, keeping their history; empty cells keep what is recorded', async () => {
    const c = await signedIn(t.app, 'commA1');
    const body = await xlsx([
      person({ name: '张三', id: ZHANG, phone: '13900001111', building: '1栋', entrance: '1单元', room: '0302' }), // new phone; tags cell empty: kept
      person({ name: '李四', id: LI, building: '1栋', entrance: '2单元', room: '0601', tags: '空巢' }), // moves, new tag
      person({ name: '王五', id: WANG }), // no placement given: stays
    ]);
    const job = await importFile(c, body, tree.commA1.id);
    expect(job).toMatchObject({ status: 'ready', valid: 3, errors: 0, new: 0, updated: 2, unchanged: 1 });
    const done = await commit(c, job.id);
    expect(done).toMatchObject({ status: 'committed', updated: 2, unchanged: 1, householdsCreated: 1 });
    const zhang = await t.db.selectFrom('resident').selectAll().where('name', '=', '张三').executeTakeFirstOrThrow();
    expect(t.ctx.cipher.decrypt(zhang.phone_enc!)).toBe('13900001111');
    expect(zhang.relation).toBe('head');
    expect(zhang.version).toBe(2);
    const li = await t.db.selectFrom('resident as r').innerJoin('household as h', 'h.id', 'r.household_id').select(['r.version', 'r.unit_path', 'h.room', 'r.political_status'])
      .where('r.name', '=', '李四').executeTakeFirstOrThrow();
    expect(li).toMatchObject({ version: 2, room: '0601', unit_path: tree.microA1g1m1.path, political_status: 'cpc_member' });
    const history = await t.db.selectFrom('resident_history as h').innerJoin('resident as r', 'r.id', 'h.resident_id')
      .select(['r.name', 'h.kind', 'h.before', 'h.effective_on']).orderBy('r.id').execute();
    expect(history.map((h) => [h.name, h.kind])).toEqual([['张三', 'update'], ['李四', 'household_change']]);
    expect((history[0]!.before as { tags: string[] }).tags).toEqual(['disabled', 'living_alone']);
    expect(history[1]!.effective_on).toBe('2026-11-20');
    expect(JSON.stringify(history)).not.toContain('13812345678');
    const zhangTags = await t.db.selectFrom('resident_tag').select('tag_id').where('resident_id', '=', zhang.id).execute();
    expect(zhangTags).toHaveLength(2);
  });
});

describe('a malformed workbook', () => {
  const failed = async (body: Buffer, lang: 'zh-CN' | 'en' = 'zh-CN') => {
    const c = await signedIn(t.app, 'commA1');
    c.lang = lang;
    const before = await residentCount();
    const job = await importFile(c, body, tree.commA1.id);
    expect(job.status).toBe('failed');
    expect(job.abilities.commit).toBe(false);
    expect(await t.db.selectFrom('import_row').select('row_number').where('job_id', '=', job.id).execute()).toHaveLength(0);
    expect(await t.db.selectFrom('import_issue').select('id').where('job_id', '=', job.id).execute()).toHaveLength(0);
    expect(await residentCount()).toBe(before);
    expect((await c.post(`/api/registry/imports/${job.id}/commit`)).statusCode).toBe(409);
    return job;
  };

  it('random bytes: not an xlsx workbook', async () => {
    const random = Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 7919 + 13) % 251));
    expect((await failed(random)).message).toBe('文件不是有效的 Excel 工作簿（.xlsx）；.xls 或其他格式请先另存为 .xlsx');
  });

  it('a zip that is not a workbook', async () => {
    expect((await failed(zip({ 'readme.txt': 'hello' }))).message).toContain('不是有效的 Excel 工作簿');
    const truncated = (await xlsx([person({ name: '张三', id: ZHANG, building: '1栋', room: '0302' })])).subarray(0, 3000);
    expect((await failed(truncated)).message).toContain('不是有效的 Excel 工作簿');
  });

  it('an xlsx without the 居民 sheet', async () => {
    const job = await failed(await xlsx([person({ name: '张三', id: ZHANG })], { sheet: 'Sheet1' }), 'en');
    expect(job.message).toBe('The workbook has no sheet named “Residents” (it has: Sheet1、说明)');
  });

  it('an xlsx with required columns missing, or repeated', async () => {
    const job = await failed(await xlsx([['张三', ZHANG]], { header: ['姓名', '身份证号码', '性别'] }));
    expect(job.message).toBe('缺少必需的列：楼栋、房号');
    const dup = await failed(await xlsx([], { header: [...HEADER, '姓名'] }));
    expect(dup.message).toBe('“姓名”列出现了不止一次');
    const noHeader = await failed(await xlsx(Array.from({ length: 12 }, () => ['x']), { header: ['名单'] }));
    expect(noHeader.message).toBe('前 10 行中找不到表头（须含“姓名”和“身份证号码”两列）');
    const noRows = await failed(await xlsx([]));
    expect(noRows.message).toBe('“居民”工作表中没有数据行');
  });

  it('reads a header below a title row', async () => {
    const c = await signedIn(t.app, 'commA1');
    const job = await importFile(c, await xlsx([person({ name: '张三', id: ZHANG, building: '1栋', entrance: '1', room: '0302' })], { titleRow: '钟家村社区居民信息登记表' }), tree.commA1.id);
    expect(job).toMatchObject({ status: 'ready', valid: 1, errors: 0, unchanged: 1 });
  });
});

describe('a larger workbook', () => {
  it('imports a few thousand rows in batches with progress counts that add up', async () => {
    const c = await signedIn(t.app, 'commA1');
    const n = 2500;
    const rows = Array.from({ length: n }, (_, i) => {
      const first17 = `4201051990${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}${String(100 + Math.floor(i / 84)).padStart(3, '0')}`;
      return person({
        name: `居民${'甲乙丙丁戊己庚辛壬癸'[i % 10]}`, id: id(first17), phone: `139${String(i).padStart(8, '0')}`,
        building: i % 2 ? '2栋' : '3栋', room: `${String(1 + (i % 18)).padStart(2, '0')}0${1 + (i % 4)}`, tags: i % 5 === 0 ? '高龄' : undefined,
      });
    });
    // Make the ID numbers unique (sequence digits) and spot-check a bad one.
    const unique = new Set(rows.map((r) => r[1]));
    expect(unique.size).toBe(n);
    rows[1234]![1] = BAD_CHECK;
    // A repeat of row 12's ID number two batches later (the check keeps the numbers read in the database).
    rows[2301]![1] = rows[10]![1];
    // Text that the staging's COPY must escape: backslashes, quotes, a tab inside a cell.
    rows[7]![5] = '汉\\族"\t';
    const before = await residentCount();
    const job = await importFile(c, await xlsx(rows), tree.commA1.id);
    expect(job).toMatchObject({ status: 'ready', total: n, processed: n, valid: n - 2, errors: 2, new: n - 2 });
    const report = await issues(c, job.id);
    expect(report.items).toEqual([
      expect.objectContaining({ row: 1236, columnKey: 'idNumber' }),
      { row: 2303, column: '身份证号码', columnKey: 'idNumber', message: '与第 12 行是同一个身份证号码' },
    ]);
    const done = await commit(c, job.id);
    expect(done).toMatchObject({ status: 'committed', processed: n - 2, new: n - 2 });
    expect(await residentCount()).toBe(before + n - 2);
    const tagged = await sql<{ n: string }>`SELECT count(*) AS n FROM resident_tag rt JOIN care_tag t ON t.id = rt.tag_id WHERE t.code = 'elderly_80'`.execute(t.db);
    expect(Number(tagged.rows[0]!.n)).toBe(n / 5);
    const odd = await t.db.selectFrom('resident').select('ethnicity').where('id_number_hash', '=', t.ctx.cipher.blindIndex(rows[7]![1] as string)).executeTakeFirstOrThrow();
    expect(odd.ethnicity).toBe('汉\\族"');
  });
});

describe('a server restart', () => {
  it('fails the jobs a stopped server left half-done, removing their uploads and staged rows', async () => {
    const user = await t.db.selectFrom('app_user').select('id').where('username', '=', 'commA1').executeTakeFirstOrThrow();
    const dir = path.join(t.config.dataDir, 'imports');
    await fs.mkdir(dir, { recursive: true });
    const stored = `${crypto.randomUUID()}.xlsx`;
    await fs.writeFile(path.join(dir, stored), 'PK');
    const job = (status: 'validating' | 'committing', storedFile: string | null) => t.db.insertInto('import_job').values({
      unit_id: tree.commA1.id, unit_path: tree.commA1.path, region_code: '420105', status, file_name: 'a.xlsx',
      file_sha256: '0'.repeat(64), file_size: 2, stored_file: storedFile, created_by: user.id,
    }).returning('id').executeTakeFirstOrThrow();
    const validating = await job('validating', stored);
    const committing = await job('committing', null);
    await t.db.insertInto('import_row').values({ job_id: committing.id, row_number: 2, status: 'valid', action: 'new', resident_id: null, data: '{}' }).execute();
    // A second server on the same database starts (and stops).
    const restarted = await buildApp(t.ctx, modules, { serveWeb: false });
    await restarted.ready();
    await restarted.close();
    const c = await signedIn(t.app, 'commA1');
    for (const { id: jobId } of [validating, committing]) {
      expect((await c.get(`/api/registry/imports/${jobId}`)).json()).toMatchObject({ status: 'failed', message: '服务器重启，导入已中断，请重新上传' });
    }
    await expect(fs.stat(path.join(dir, stored))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await t.db.selectFrom('import_row').select('row_number').where('job_id', '=', committing.id).execute()).toHaveLength(0);
  });
});
