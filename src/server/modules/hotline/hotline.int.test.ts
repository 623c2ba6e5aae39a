import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, Client, type TestApp, settledJob } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { XLSX_TYPE } from '../../../shared/hotline.schemas.js';

let t: TestApp;
let tree: Tree;
let street: Client; // street_staff at 建桥街道 (A)
let comm: Client; // community_staff at 钟家村社区 (A1)
let other: Client; // street_staff at 晴川街道 (B)
let grid: Client; // grid_worker at A1g1: no hotline.import
let sourceA: string;
let sourceA1: string;

const HEADER = ['工单编号', '来电时间', '来电人', '联系电话', '诉求地址', '诉求内容', '诉求分类', '紧急程度', '办理时限'];
const ROWS: unknown[][] = [
  ['HL-001', new Date(Date.UTC(2026, 10, 20, 9, 30)), '张三', '13800138000', '钟家村路12号', '夜间施工噪音扰民', '噪声扰民', '紧急', '2026-11-25 18:00'],
  ['HL-002', '2026/11/20 9:30:00', '李四', null, '汉阳区建桥街钟家村社区某某小区', '小区门口垃圾无人清运', '其他问题', '一般', null],
  ['HL-003', '2026-11-20 10:00', null, null, null, '咨询养老补贴办理', null, null, null],
  [null, '2026-11-20 10:00', '王五', null, null, '没有工单编号', null, null, null],
  ['HL-005', '2026-11-20 10:00', '赵六', 'abc', '钟家村路12号', '电话号码有误', null, null, null],
  ['HL-001', '2026-11-20 11:00', '张三', '13800138000', '钟家村路12号', '同一工单再次出现', '噪声扰民', '紧急', null],
  ['HL-007', '昨天', '钱七', null, null, '时间无法识别', null, null, null],
];

/** GB18030 bytes of a CSV export (工单号, 受理时间, … 处理时限; two orders in 钟家村社区). */
const GBK_CSV = Buffer.from(
  'uaS1pbrFLMrcwO3KsbzkLMGqz7XIyyzAtLXnusXC6yzKwreitdjWtyy5pLWlxNrI3SzOyszit9bA4Cy99Lyxs8y2yCy0psDtyrHP3g0KR0ItMDAxLDIwMjYtMTEtMTkgMDg6MTUszfXO5SwwMjctODQ1NjEyMzQs1tO80rTlyefH+LXatv7N+LjxLMKltcC20bfF1NPO79Owz+zNqNDQLM/7t8DS/ru8LMzYvLEsMjAyNi8xMS8yMQ0KR0ItMDAyLDIwMjbE6jEx1MIxOcjVIDEwyrEwNbfWLNXUwfksMTM5MDAwMDExMTEs1tO80rTlwrcxMrrFLMK3tcayu8HBLMK3tcbL8Lu1LNK7sOMsMjAyNi0xMS0yMiAxNzowMA0K',
  'base64',
);

async function xlsx(rows: unknown[][], opts: { titleRow?: string } = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('工单');
  if (opts.titleRow) ws.addRow([opts.titleRow]);
  ws.addRow(HEADER);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function upload(c: Client, sourceId: string, body: Buffer | string, contentType = XLSX_TYPE, fileName = 'orders.xlsx') {
  return t.app.inject({
    method: 'POST', url: `/api/hotline/sources/${sourceId}/imports?fileName=${encodeURIComponent(fileName)}`, payload: body,
    headers: { 'content-type': contentType, 'accept-language': c.lang, ...(c.cookie ? { cookie: c.cookie } : {}) },
  });
}

const settled = (c: Client, jobId: string) => settledJob(c, `/api/hotline/imports/${jobId}`);

/** Upload, take the proposed mapping (with `patch`), check, and return the settled job. */
async function checked(c: Client, sourceId: string, body: Buffer | string, contentType?: string, patch: Record<string, unknown> = {}) {
  const up = await upload(c, sourceId, body, contentType);
  expect(up.statusCode, up.body).toBe(201);
  const id = up.json().id as string;
  const proposal = (await c.get(`/api/hotline/imports/${id}/mapping`)).json();
  const v = await c.post(`/api/hotline/imports/${id}/validate`, { mapping: { ...proposal.mapping, ...patch } });
  expect(v.statusCode, v.body).toBe(202);
  return { id, proposal, job: await settled(c, id) };
}

async function rows(c: Client, jobId: string) {
  return (await c.get(`/api/hotline/imports/${jobId}/rows?limit=200`)).json().items as {
    row: number; orderNo: string | null; status: string; messages: { field: string | null; fieldLabel: string | null; message: string }[];
    placement: { kind: string; unit: { id: string; name: string }; building: string | null } | null; case: { id: string; number: string } | null;
  }[];
}

const caseOf = (orderNo: string) => t.db.selectFrom('cases').selectAll().where('hotline_order_no', '=', orderNo).executeTakeFirst();

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'hl_street', 'street_staff', tree.streetA);
  await makeUser(t.ctx, 'hl_comm', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'hl_other', 'street_staff', tree.streetB);
  await makeUser(t.ctx, 'hl_grid', 'grid_worker', tree.gridA1g1);
  const g = tree.gridA1g1;
  await t.db.insertInto('building').values({
    unit_id: g.id, unit_path: g.path, region_code: g.region_code, name: '钟家村 1 号楼', address: '钟家村路12号', lng: 114.271, lat: 30.551,
  }).execute();
  [street, comm, other, grid] = await Promise.all(['hl_street', 'hl_comm', 'hl_other', 'hl_grid'].map((u) => signedIn(t.app, u))) as [Client, Client, Client, Client];
});

afterAll(async () => {
  await t?.close();
});

describe('hotline sources', () => {
  it('401 → 400 → 403 → 404 → 201', async () => {
    expect((await new Client(t.app).get('/api/hotline/sources')).statusCode).toBe(401);
    const bad = await street.post('/api/hotline/sources', { name: '', unitId: tree.streetA.id });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('name');
    const level = await street.post('/api/hotline/sources', { name: '武汉市12345', unitId: tree.gridA1g1.id });
    expect(level.json().error).toMatchObject({ field: 'unitId' });
    expect((await grid.get('/api/hotline/sources')).statusCode).toBe(403);
    expect((await other.post('/api/hotline/sources', { name: '武汉市12345', unitId: tree.streetA.id })).statusCode).toBe(404);
    const made = await street.post('/api/hotline/sources', { name: '武汉市12345', unitId: tree.streetA.id });
    expect(made.statusCode).toBe(201);
    sourceA = made.json().id;
    expect(made.json()).toMatchObject({ name: '武汉市12345', unit: { id: tree.streetA.id }, mapping: { columns: {}, defaultCategory: null }, version: 1 });
    const again = await street.post('/api/hotline/sources', { name: '武汉市12345', unitId: tree.streetA.id });
    expect(again.statusCode).toBe(409);
    const c = await comm.post('/api/hotline/sources', { name: '武汉市12345', unitId: tree.commA1.id });
    expect(c.statusCode).toBe(201);
    sourceA1 = c.json().id;
  });

  it('is scoped: another street and a community below see nothing of the street’s source (404)', async () => {
    expect((await other.get(`/api/hotline/sources/${sourceA}`)).statusCode).toBe(404);
    expect((await comm.get(`/api/hotline/sources/${sourceA}`)).statusCode).toBe(404);
    expect((await other.get('/api/hotline/sources')).json().items).toEqual([]);
    expect((await comm.get('/api/hotline/sources')).json().items.map((s: { id: string }) => s.id)).toEqual([sourceA1]);
    expect((await street.get('/api/hotline/sources')).json().items).toHaveLength(2);
    expect((await upload(other, sourceA, await xlsx(ROWS))).statusCode).toBe(404);
    expect((await upload(grid, sourceA, await xlsx(ROWS))).statusCode).toBe(403);
    expect((await other.patch(`/api/hotline/sources/${sourceA}`, { name: 'x', version: 1 })).statusCode).toBe(404);
  });
});

describe('12345 import', () => {
  let firstJob: string;

  it('reads an xlsx export, proposes a mapping from its headers and refuses a bad one naming the field', async () => {
    const up = await upload(street, sourceA, await xlsx(ROWS, { titleRow: '武汉市12345工单导出' }));
    expect(up.statusCode, up.body).toBe(201);
    firstJob = up.json().id;
    const job = (await street.get(`/api/hotline/imports/${firstJob}`)).json();
    expect(job).toMatchObject({ status: 'mapping', fileFormat: 'xlsx', total: 7, abilities: { map: true, commit: false } });
    const p = (await street.get(`/api/hotline/imports/${firstJob}/mapping`)).json();
    expect(p.headers).toEqual(HEADER);
    expect(p.mapping.columns).toEqual({
      orderNo: '工单编号', receivedAt: '来电时间', callerName: '来电人', callerPhone: '联系电话', address: '诉求地址',
      content: '诉求内容', category: '诉求分类', urgency: '紧急程度', deadline: '办理时限',
    });
    expect(p.columnValues['诉求分类']).toEqual(expect.arrayContaining(['噪声扰民', '其他问题']));
    // 噪声扰民 is the name of a category: proposed; 其他问题 is not.
    expect(p.mapping.categories).toEqual({ 噪声扰民: 'street_order.noise' });
    expect(p.mapping.urgencies).toMatchObject({ 紧急: 'urgent', 一般: 'normal' });
    expect(p.mapping.defaultCategory).toBe('livelihood');
    expect(p.fromSource).toEqual([]);

    const noOrder = await street.post(`/api/hotline/imports/${firstJob}/validate`, { mapping: { ...p.mapping, columns: { ...p.mapping.columns, orderNo: undefined } } });
    expect(noOrder.statusCode).toBe(400);
    expect(noOrder.json().error.field).toBe('mapping.columns.orderNo');
    const unknown = await street.post(`/api/hotline/imports/${firstJob}/validate`, { mapping: { ...p.mapping, columns: { ...p.mapping.columns, address: '地点' } } });
    expect(unknown.json().error).toMatchObject({ field: 'mapping.columns.address' });
    const badCat = await street.post(`/api/hotline/imports/${firstJob}/validate`, { mapping: { ...p.mapping, categories: { 噪声扰民: 'no_such' } } });
    expect(badCat.json().error).toMatchObject({ field: 'mapping.categories' });
    expect((await comm.post(`/api/hotline/imports/${firstJob}/validate`, { mapping: p.mapping })).statusCode).toBe(404);
  });

  it('checks the rows: new, remarks, a duplicate within the file, errors naming their fields', async () => {
    const p = (await street.get(`/api/hotline/imports/${firstJob}/mapping`)).json();
    expect((await street.post(`/api/hotline/imports/${firstJob}/validate`, { mapping: p.mapping })).statusCode).toBe(202);
    const job = await settled(street, firstJob);
    expect(job).toMatchObject({ status: 'ready', total: 7, counts: { new: 1, warning: 2, duplicate: 1, error: 3 }, abilities: { commit: true } });
    const r = await rows(street, firstJob);
    const byRow = new Map(r.map((x) => [x.row, x]));
    // The title row is row 1, the header row 2.
    expect(byRow.get(3)).toMatchObject({ orderNo: 'HL-001', status: 'new', placement: { kind: 'building', unit: { id: tree.gridA1g1.id }, building: '钟家村 1 号楼' } });
    expect(byRow.get(4)).toMatchObject({ orderNo: 'HL-002', status: 'warning', placement: { kind: 'unit', unit: { id: tree.commA1.id } } });
    expect(byRow.get(4)!.messages.map((m) => m.fieldLabel)).toEqual(['诉求分类']);
    expect(byRow.get(5)).toMatchObject({ orderNo: 'HL-003', status: 'warning', placement: { kind: 'source', unit: { id: tree.streetA.id } } });
    expect(byRow.get(6)).toMatchObject({ orderNo: null, status: 'error', messages: [{ field: 'orderNo', fieldLabel: '工单编号', message: '必填' }] });
    expect(byRow.get(7)).toMatchObject({ status: 'error', messages: [{ field: 'callerPhone' }] });
    expect(byRow.get(8)).toMatchObject({ orderNo: 'HL-001', status: 'duplicate', messages: [{ field: 'orderNo', message: expect.stringContaining('第 3 行') }] });
    expect(byRow.get(9)).toMatchObject({ status: 'error', messages: [{ field: 'receivedAt', message: expect.stringContaining('昨天') }] });
    // The mapping is now the source's.
    const s = (await street.get(`/api/hotline/sources/${sourceA}`)).json();
    expect(s.mapping.columns.orderNo).toBe('工单编号');
    expect(s.mapping.categories).toEqual({ 噪声扰民: 'street_order.noise' });
    expect(s.version).toBe(2);
    // Nothing written yet.
    expect(await caseOf('HL-001')).toBeUndefined();
  });

  it('commits: one case per new order, number and deadline kept, caller phone encrypted and masked, audited', async () => {
    expect((await comm.post(`/api/hotline/imports/${firstJob}/commit`)).statusCode).toBe(404);
    const res = await street.post(`/api/hotline/imports/${firstJob}/commit`);
    expect(res.statusCode, res.body).toBe(202);
    const job = await settled(street, firstJob);
    expect(job).toMatchObject({ status: 'committed', counts: { created: 3 } });
    expect((await street.post(`/api/hotline/imports/${firstJob}/commit`)).statusCode).toBe(409);

    const c1 = (await caseOf('HL-001'))!;
    expect(c1).toMatchObject({
      source: 'hotline', urgency: 'urgent', unit_id: tree.gridA1g1.id, reporter_name: '张三', lng: 114.271, lat: 30.551,
      hotline_source_id: sourceA, address: '钟家村路12号', description: '夜间施工噪音扰民',
    });
    expect(c1.hotline_deadline!.toISOString()).toBe('2026-11-25T10:00:00.000Z');
    expect(c1.hotline_received_at!.toISOString()).toBe('2026-11-20T01:30:00.000Z');
    expect(c1.reporter_phone_enc).not.toContain('13800138000');
    expect(t.ctx.cipher.decrypt(c1.reporter_phone_enc!)).toBe('13800138000');
    const cat = await t.db.selectFrom('case_category').select('code').where('id', '=', c1.category_id).executeTakeFirstOrThrow();
    expect(cat.code).toBe('street_order.noise');

    const detail = (await street.get(`/api/cases/${c1.id}`)).json();
    expect(detail).toMatchObject({
      hotlineOrderNo: 'HL-001', hotlineDeadline: '2026-11-25T10:00:00.000Z', source: 'hotline',
      reporter: { name: '张三', phone: expect.not.stringContaining('13800138000') },
    });
    expect(detail.reporter.phone).toMatch(/^138\*+8000$/);

    // Placed at the community (its grids' centre) and at the street itself, handled there.
    const c2 = (await caseOf('HL-002'))!;
    expect(c2).toMatchObject({ unit_id: tree.commA1.id, handling_unit_id: tree.commA1.id, hotline_deadline: null });
    const c3 = (await caseOf('HL-003'))!;
    expect(c3).toMatchObject({ unit_id: tree.streetA.id, handling_unit_id: tree.streetA.id, handling_level: 'street' });
    expect(await caseOf('HL-005')).toBeUndefined();
    expect(await caseOf('HL-007')).toBeUndefined();

    const r = await rows(street, firstJob);
    expect(r.find((x) => x.row === 3)!.case).toEqual({ id: c1.id, number: c1.number });
    const audit = await t.db.selectFrom('audit_log').select(['action', 'resource_id']).where('action', 'in', ['hotline.import', 'case.report']).execute();
    expect(audit.filter((a) => a.action === 'hotline.import')).toEqual([{ action: 'hotline.import', resource_id: firstJob }]);
    expect(audit.filter((a) => a.action === 'case.report')).toHaveLength(3);
    // The staged personal data is gone once committed.
    const staged = await t.db.selectFrom('hotline_import_row').select('data').where('job_id', '=', firstJob).where('data', 'is not', null).execute();
    expect(staged).toEqual([]);
  });

  it('12345 re-import: the same file again gives 0 new, every order already imported', async () => {
    const { job, proposal } = await checked(street, sourceA, await xlsx(ROWS, { titleRow: '武汉市12345工单导出' }));
    expect(proposal.fromSource.sort()).toEqual(['address', 'callerName', 'callerPhone', 'category', 'content', 'deadline', 'orderNo', 'receivedAt', 'urgency']);
    expect(job).toMatchObject({ status: 'ready', counts: { new: 0, warning: 0, duplicate: 4, error: 3, deadlinesUpdated: 0 }, abilities: { commit: false } });
    const r = await rows(street, job.id);
    const c1 = (await caseOf('HL-001'))!;
    expect(r.find((x) => x.row === 3)).toMatchObject({ status: 'duplicate', case: { id: c1.id, number: c1.number }, messages: [{ message: expect.stringContaining(c1.number) }] });
    const commit = await street.post(`/api/hotline/imports/${job.id}/commit`);
    expect(commit.statusCode).toBe(409);
    expect(await t.db.selectFrom('cases').select('id').where('hotline_order_no', 'like', 'HL-%').execute()).toHaveLength(3);
  });

  it('a changed deadline on re-import updates the case’s 12345 deadline with a timeline note', async () => {
    const csv = `${HEADER.join(',')}\nHL-001,2026-11-20 09:30,张三,13800138000,钟家村路12号,夜间施工噪音扰民,噪声扰民,紧急,2026-11-27 18:00\n`;
    const { job } = await checked(street, sourceA, csv, 'text/csv');
    expect(job).toMatchObject({ counts: { new: 0, duplicate: 1, deadlinesUpdated: 1 }, abilities: { commit: true } });
    expect((await rows(street, job.id))[0]!.messages.map((m) => m.field)).toEqual(['orderNo', 'deadline']);
    expect((await street.post(`/api/hotline/imports/${job.id}/commit`)).statusCode).toBe(202);
    expect(await settled(street, job.id)).toMatchObject({ status: 'committed', counts: { created: 0, deadlinesUpdated: 1 } });
    const c1 = (await caseOf('HL-001'))!;
    expect(c1.hotline_deadline!.toISOString()).toBe('2026-11-27T10:00:00.000Z');
    const events = await t.db.selectFrom('case_event').select(['action', 'note']).where('case_id', '=', c1.id).orderBy('id').execute();
    expect(events.at(-1)).toMatchObject({ action: 'hotline_deadline', note: expect.stringContaining('2026-11-27 18:00') });
  });

  it('imports a GBK (GB18030) CSV for a community', async () => {
    const { job } = await checked(comm, sourceA1, GBK_CSV, 'text/csv');
    expect(job).toMatchObject({ status: 'ready', fileFormat: 'csv', counts: { new: 2, warning: 0, error: 0 } });
    expect((await comm.post(`/api/hotline/imports/${job.id}/commit`)).statusCode).toBe(202);
    expect(await settled(comm, job.id)).toMatchObject({ status: 'committed', counts: { created: 2 } });
    const g1 = (await caseOf('GB-001'))!;
    expect(g1).toMatchObject({ description: '楼道堆放杂物影响通行', reporter_name: '王五', urgency: 'critical', unit_id: tree.gridA1g2.id });
    expect(g1.hotline_deadline!.toISOString()).toBe('2026-11-21T15:59:59.000Z');
    const g2 = (await caseOf('GB-002'))!;
    expect(g2).toMatchObject({ description: '路灯不亮', unit_id: tree.gridA1g1.id });
    expect(g2.hotline_received_at!.toISOString()).toBe('2026-11-19T02:05:00.000Z');
  });

  it('a malformed file is refused with a message naming the body, and nothing is kept', async () => {
    const before = await t.db.selectFrom('hotline_import_job').select('id').execute();
    const binary = await upload(street, sourceA, Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x10]), 'application/octet-stream');
    expect(binary.statusCode).toBe(400);
    expect(binary.json().error).toMatchObject({ field: 'body', message: expect.stringContaining('无法读取') });
    const xls = await upload(street, sourceA, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), 'application/vnd.ms-excel');
    expect(xls.json().error.message).toContain('.xls');
    const quotes = await upload(street, sourceA, `${HEADER.join(',')}\nHL-9,"2026-11-20,broken\n`, 'text/csv');
    expect(quotes.statusCode).toBe(400);
    const brokenZip = await upload(street, sourceA, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)]));
    expect(brokenZip.statusCode).toBe(400);
    street.lang = 'en';
    const empty = await upload(street, sourceA, `${HEADER.join(',')}\n`, 'text/csv');
    street.lang = 'zh-CN';
    expect(empty.json().error).toMatchObject({ field: 'body', message: expect.stringContaining('The file has no order rows') });
    expect(await t.db.selectFrom('hotline_import_job').select('id').execute()).toEqual(before);
  });

  it('nothing is half written: a commit that meets a changed Linli writes no case at all', async () => {
    const csv = `${HEADER.join(',')}\nHL-101,2026-11-20 09:30,张三,,钟家村路12号,施工噪音,其他问题,,\nHL-102,2026-11-20 09:30,张三,,钟家村路12号,施工噪音,噪声扰民,,\n`;
    const { job } = await checked(street, sourceA, csv, 'text/csv');
    expect(job.counts).toMatchObject({ new: 1, warning: 1 });
    await t.db.updateTable('case_category').set({ is_active: false }).where('code', '=', 'street_order.noise').execute();
    try {
      expect((await street.post(`/api/hotline/imports/${job.id}/commit`)).statusCode).toBe(202);
      const done = await settled(street, job.id);
      expect(done).toMatchObject({ status: 'failed', message: expect.stringContaining('第 3 行') });
      expect(await caseOf('HL-101')).toBeUndefined();
      expect(await caseOf('HL-102')).toBeUndefined();
    } finally {
      await t.db.updateTable('case_category').set({ is_active: true }).where('code', '=', 'street_order.noise').execute();
    }
  });

  it('only the uploader checks and commits; jobs of another street are 404', async () => {
    const up = await upload(street, sourceA, await xlsx([['HL-201', null, null, null, null, '内容', null, null, null]]));
    const id = up.json().id as string;
    expect((await other.get(`/api/hotline/imports/${id}`)).statusCode).toBe(404);
    expect((await other.get(`/api/hotline/imports/${id}/rows`)).statusCode).toBe(404);
    expect((await other.get(`/api/hotline/imports/${id}/mapping`)).statusCode).toBe(404);
    await makeUser(t.ctx, 'hl_street2', 'street_staff', tree.streetA);
    const colleague = await signedIn(t.app, 'hl_street2');
    const p = (await colleague.get(`/api/hotline/imports/${id}/mapping`)).json();
    expect((await colleague.post(`/api/hotline/imports/${id}/validate`, { mapping: p.mapping })).statusCode).toBe(403);
    expect((await colleague.get(`/api/hotline/imports/${id}`)).json().abilities).toEqual({ map: false, commit: false });
  });
});
