import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { writeAudit } from '../../core/audit/audit.js';

let t: TestApp;
let tree: Tree;

type Entry = { id: string; occurredAt: string; action: string; actorUsername: string | null; unitPath: string | null; result: string; resourceId: string | null };

beforeAll(async () => {
  t = await createTestApp({ LINLI_MFA_REQUIRED_ROLES: '' });
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'audRoot', 'auditor', tree.district);
  await makeUser(t.ctx, 'audA', 'auditor', tree.streetA);
  await makeUser(t.ctx, 'audB', 'auditor', tree.streetB);
  await makeUser(t.ctx, 'sysA', 'system_admin', tree.streetA);
  await makeUser(t.ctx, 'secA', 'security_admin', tree.streetA);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'commB1', 'community_staff', tree.commB1);

  // Activity to search: units created in A1 and B1, a failed sign-in with an unknown name (no unit).
  const a1 = await signedIn(t.app, 'commA1');
  await a1.post('/api/units', { parentId: tree.commA1.id, name: '审计网格一' });
  await a1.post('/api/units', { parentId: tree.commA1.id, name: '审计网格二' });
  const b1 = await signedIn(t.app, 'commB1');
  await b1.post('/api/units', { parentId: tree.commB1.id, name: '审计网格三' });
  await new Client(t.app).login('=SUM(1+1)', 'whatever-1');
  await new Client(t.app).login('commA1', 'Wrong-Pass-1');
});
afterAll(() => t.close());

async function search(c: Client, query: string): Promise<{ items: Entry[]; nextCursor: string | null }> {
  const res = await c.get(`/api/audit?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('GET /api/audit', () => {
  it('401 without a session', async () => {
    const res = await new Client(t.app).get('/api/audit');
    expect(res.statusCode).toBe(401);
  });

  it('400 naming the field, in Chinese and in English', async () => {
    const c = await signedIn(t.app, 'audA');
    const from = await c.get('/api/audit?from=yesterday');
    expect(from.statusCode).toBe(400);
    expect(from.json().error).toMatchObject({ field: 'from', message: '开始时间：格式不正确' });
    const range = await c.get(`/api/audit?from=${encodeURIComponent('2026-11-20T10:00:00+08:00')}&to=${encodeURIComponent('2026-11-20T09:00:00+08:00')}`);
    expect(range.statusCode).toBe(400);
    expect(range.json().error).toMatchObject({ field: 'to', message: '结束时间：结束时间不能早于开始时间' });
    const limit = await c.get('/api/audit?limit=500');
    expect(limit.json().error).toMatchObject({ field: 'limit', message: '每页条数：不能大于 200' });
    const cursor = await c.get('/api/audit?cursor=bm9wZQ');
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().error).toMatchObject({ field: 'cursor', message: '游标：格式不正确' });
    const result = await c.get('/api/audit?result=maybe');
    expect(result.json().error.field).toBe('result');
    const unknown = await c.get('/api/audit?colour=red');
    expect(unknown.json().error.field).toBe('colour');
    c.lang = 'en';
    expect((await c.get('/api/audit?to=tomorrow')).json().error).toMatchObject({ field: 'to', message: 'To: has the wrong format' });
  });

  it('403 for everyone but the auditor: the system admin cannot read the log (三权分立)', async () => {
    for (const who of ['sysA', 'secA', 'commA1']) {
      const c = await signedIn(t.app, who);
      expect((await c.get('/api/audit')).statusCode).toBe(403);
      expect((await c.get('/api/audit/export?format=csv')).statusCode).toBe(403);
    }
  });

  it('cuts the log to the auditor’s subtree; entries without a unit only for an auditor at a root unit', async () => {
    const a = await search(await signedIn(t.app, 'audA'), 'action=unit.create');
    expect(a.items.map((e) => e.actorUsername)).toEqual(['commA1', 'commA1']);
    expect(a.items.every((e) => e.unitPath!.startsWith(tree.streetA.path + '.'))).toBe(true);
    const b = await search(await signedIn(t.app, 'audB'), 'action=unit.create');
    expect(b.items.map((e) => e.actorUsername)).toEqual(['commB1']);
    const root = await signedIn(t.app, 'audRoot');
    expect((await search(root, 'action=unit.create')).items).toHaveLength(3);

    const unknownName = 'actor=' + encodeURIComponent('=SUM(1+1)');
    const hidden = await search(await signedIn(t.app, 'audA'), unknownName);
    expect(hidden.items).toEqual([]);
    const seen = await search(root, unknownName);
    expect(seen.items).toHaveLength(1);
    expect(seen.items[0]).toMatchObject({ action: 'auth.login', result: 'failure', unitPath: null, actorId: null, detail: { reason: 'unknown_user' } });
  });

  it('filters by actor (any case), action (exact or prefix*), result, resource and time', async () => {
    const c = await signedIn(t.app, 'audRoot');
    const byActor = await search(c, 'actor=COMMA1');
    expect(new Set(byActor.items.map((e) => e.actorUsername))).toEqual(new Set(['commA1']));
    expect(byActor.items.filter((e) => e.action === 'unit.create')).toHaveLength(2);
    expect(byActor.items.filter((e) => e.result === 'failure').map((e) => e.action)).toEqual(['auth.login']);

    const auth = await search(c, 'action=auth.*');
    expect(auth.items.length).toBeGreaterThanOrEqual(4);
    expect(auth.items.every((e) => e.action.startsWith('auth.'))).toBe(true);
    expect((await search(c, 'action=auth')).items).toEqual([]);

    const failed = await search(c, 'action=auth.login&result=failure');
    expect(failed.items.map((e) => e.actorUsername).sort()).toEqual(['=SUM(1+1)', 'commA1']);

    const created = await search(c, 'action=unit.create');
    const target = created.items[0]!;
    const one = await search(c, `resourceType=unit&resourceId=${target.resourceId}`);
    expect(one.items.map((e) => e.id)).toEqual([target.id]);

    const at = encodeURIComponent(target.occurredAt);
    expect((await search(c, `action=unit.create&from=${at}&to=${at}`)).items.map((e) => e.id)).toContain(target.id);
    const later = encodeURIComponent(new Date(Date.parse(target.occurredAt) + 60_000).toISOString());
    expect((await search(c, `action=unit.create&from=${later}`)).items).toEqual([]);
    expect((await search(c, `action=unit.create&to=${later}`)).items).toHaveLength(3);
  });

  it('pages newest first with a keyset cursor, also through entries written in the same instant', async () => {
    // Seven entries in one transaction share occurred_at: the id breaks the tie.
    await t.db.transaction().execute(async (trx) => {
      for (let i = 1; i <= 7; i++) {
        await writeAudit(trx, { actorId: null, actorUsername: 'pager', ip: null }, {
          action: 'page.test', resourceType: 'page', resourceId: i, unitPath: tree.commA1.path,
        });
      }
    });
    await writeAudit(t.db, { actorId: null, actorUsername: 'pager', ip: null }, { action: 'page.test', resourceId: 8, unitPath: tree.gridA1g1.path });
    const c = await signedIn(t.app, 'audA');
    const seen: Entry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await search(c, `action=page.test&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((e) => e.resourceId)).toEqual(['8', '7', '6', '5', '4', '3', '2', '1']);
    expect(new Set(seen.map((e) => e.id)).size).toBe(8);
    const exact = await search(c, 'action=page.test&limit=8');
    expect(exact.nextCursor).toBeNull();
  });
});

describe('GET /api/audit/export', () => {
  it('401, 400 naming the field', async () => {
    expect((await new Client(t.app).get('/api/audit/export')).statusCode).toBe(401);
    const c = await signedIn(t.app, 'audA');
    const fmt = await c.get('/api/audit/export?format=pdf');
    expect(fmt.statusCode).toBe(400);
    expect(fmt.json().error).toMatchObject({ field: 'format', message: '格式：取值应为以下之一：xlsx, csv' });
    c.lang = 'en';
    expect((await c.get('/api/audit/export?format=pdf')).json().error.message).toBe('Format: must be one of: xlsx, csv');
  });

  it('xlsx: Chinese bold frozen headers, column widths, the rows in scope; the export is audited', async () => {
    const c = await signedIn(t.app, 'audA');
    const expected = (await search(c, 'action=unit.create')).items;
    const res = await c.get('/api/audit/export?format=xlsx&action=unit.create');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const disposition = String(res.headers['content-disposition']);
    expect(disposition).toMatch(/^attachment; filename="linli-audit-\d{8}-\d{6}\.xlsx"; filename\*=UTF-8''/);
    expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toMatch(/^审计日志-\d{8}-\d{6}\.xlsx$/);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.name).toBe('审计日志');
    const header = sheet.getRow(1);
    expect((header.values as unknown[]).slice(1)).toEqual([
      '编号', '时间（北京时间）', '操作人', '操作人 ID', 'IP 地址', '操作', '对象类型', '对象 ID', '所属单元', '单元路径', '结果', '详情',
    ]);
    expect(header.font?.bold).toBe(true);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getColumn(12).width).toBe(60);
    expect(sheet.rowCount).toBe(1 + expected.length);
    const rows = [2, 3].map((n) => sheet.getRow(n));
    expect(rows.map((r) => String(r.getCell(1).value))).toEqual(expected.map((e) => e.id));
    expect(rows[0]!.getCell(3).value).toBe('commA1');
    expect(rows[0]!.getCell(6).value).toBe('unit.create');
    // the unit the entry lies in: here the grid just created
    expect(rows[0]!.getCell(9).value).toBe('审计网格二');
    expect(rows[0]!.getCell(11).value).toBe('成功');
    expect(JSON.parse(String(rows[0]!.getCell(12).value))).toMatchObject({ level: 'grid' });
    // Beijing wall time, as an Excel date
    const time = rows[0]!.getCell(2).value as Date;
    expect(time.getTime()).toBe(Date.parse(expected[0]!.occurredAt) + 8 * 3600_000);

    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'audit.export').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_username: 'audA', result: 'success', unit_path: tree.streetA.path });
    expect(audit.detail).toEqual({ format: 'xlsx', filters: { action: 'unit.create' }, rows: 2 });
  });

  it('xlsx headers follow the caller’s language', async () => {
    const c = await signedIn(t.app, 'audA');
    c.lang = 'en';
    const res = await c.get('/api/audit/export?action=unit.create');
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.name).toBe('Audit log');
    expect((sheet.getRow(1).values as unknown[]).slice(1, 4)).toEqual(['No.', 'Time (UTC+8)', 'Actor']);
    expect(sheet.getRow(2).getCell(11).value).toBe('success');
  });

  it('csv: UTF-8 with a byte-order mark, Chinese headers, quoted cells, formulas defused', async () => {
    const c = await signedIn(t.app, 'audRoot');
    const res = await c.get('/api/audit/export?format=csv&action=auth.login&result=failure');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(String(res.headers['content-disposition'])).toMatch(/filename="linli-audit-\d{8}-\d{6}\.csv"; filename\*=UTF-8''/);
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe('编号,时间（北京时间）,操作人,操作人 ID,IP 地址,操作,对象类型,对象 ID,所属单元,单元路径,结果,详情');
    const body = lines.slice(1, -1);
    expect(body).toHaveLength(2);
    const injected = body.find((l) => l.includes('SUM'))!;
    expect(injected).toContain(",'=SUM(1+1),");
    expect(injected).toContain('"{""reason"":""unknown_user""}"');
    expect(body.find((l) => l.includes('commA1'))).toContain('钟家村社区');
    expect(body.every((l) => /^\d+,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},/.test(l))).toBe(true);
  });

  it('streams a large export in batches, newest first, each row once', async () => {
    await sql`
      INSERT INTO audit_log (occurred_at, actor_username, action, unit_path, result, detail)
      SELECT now() - make_interval(secs => n), 'batcher', 'batch.test', ${tree.gridA1g1.path}::ltree, 'success', jsonb_build_object('n', n)
      FROM generate_series(1, 4500) AS n`.execute(t.db);
    const c = await signedIn(t.app, 'audA');
    const res = await c.get('/api/audit/export?format=csv&action=batch.test');
    expect(res.statusCode).toBe(200);
    const lines = res.rawPayload.toString('utf8').split('\r\n').slice(1, -1);
    expect(lines).toHaveLength(4500);
    const ns = lines.map((l) => Number(/""n"":(\d+)/.exec(l)![1]));
    expect(ns[0]).toBe(1);
    expect(ns.at(-1)).toBe(4500);
    expect(new Set(ns).size).toBe(4500);
    expect(ns.every((n, i) => i === 0 || n > ns[i - 1]!)).toBe(true);
  });

  it('400 audit.export_too_large past 100 000 rows, audited as a failure', async () => {
    await sql`
      INSERT INTO audit_log (actor_username, action, unit_path, result)
      SELECT 'bulk', 'bulk.test', ${tree.streetA.path}::ltree, 'success' FROM generate_series(1, 100001)`.execute(t.db);
    const c = await signedIn(t.app, 'audA');
    const res = await c.get('/api/audit/export?format=xlsx&action=bulk.test');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'export_too_large', message: '导出的记录过多（上限 100000 条），请缩小时间范围' });
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'audit.export').where('result', '=', 'failure').executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ reason: 'too_large', max: 100000 });
    c.lang = 'en';
    expect((await c.get('/api/audit/export?format=csv&action=bulk.test')).json().error.message).toBe('Too many records to export (at most 100000); narrow the period');
  });
});

describe('the audit log cannot be changed', () => {
  it('the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    const row = await t.db.selectFrom('audit_log').select('id').orderBy('id').executeTakeFirstOrThrow();
    await expect(t.db.updateTable('audit_log').set({ result: 'denied' }).where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom('audit_log').where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
    expect(await t.db.selectFrom('audit_log').select('result').where('id', '=', row.id).executeTakeFirstOrThrow()).toEqual({ result: 'success' });
  });

  it('no route updates or deletes an entry', async () => {
    const c = await signedIn(t.app, 'audRoot');
    const [entry] = (await search(c, 'limit=1')).items;
    for (const [method, url] of [
      ['DELETE', `/api/audit/${entry!.id}`], ['PATCH', `/api/audit/${entry!.id}`], ['PUT', `/api/audit/${entry!.id}`],
      ['DELETE', '/api/audit'], ['POST', '/api/audit'], ['GET', `/api/audit/${entry!.id}`],
    ] as const) {
      const res = await c.request(method, url, method === 'DELETE' || method === 'GET' ? undefined : {});
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    for (const method of ['DELETE', 'PATCH', 'PUT', 'POST'] as const) {
      for (const url of ['/api/audit', '/api/audit/:id', '/api/audit/export']) expect(t.app.hasRoute({ method, url })).toBe(false);
    }
    expect(t.app.hasRoute({ method: 'GET', url: '/api/audit' })).toBe(true);
  });
});
