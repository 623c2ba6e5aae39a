import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, type Client, type TestApp, settledJob } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { idCheckChar } from '../../../shared/validation/id-number.js';
import { XLSX_CONTENT_TYPE } from '../../../shared/registry/import.schemas.js';

/*
 * A care tag carries its resident's place (resident_tag.unit_path, migrations/0021), and a tag search
 * below the district reads the tag's holders from that copy. These tests move people every way the
 * registry and the hierarchy can — a change of household, a community moved to another street, an
 * import that registers and moves people — and ask street, community and grid callers after each: a
 * copy left behind would show a person where they no longer live, or hide them where they do.
 */

let t: TestApp;
let tree: Tree;
let elderly: string; // 高龄
let emptyNest: string; // 空巢
const hh: Record<string, string> = {};
const who: Record<string, string> = {}; // name → resident id
const id = (first17: string) => first17 + idCheckChar(first17);
const CHEN = id('42010519400101011');
const NEW_PERSON = id('42010519380505022');

async function household(unit: { id: string; path: string }, building: string, room: string): Promise<string> {
  const b = await t.db.insertInto('building').values({ unit_id: unit.id, unit_path: unit.path, region_code: '420105', name: building, address: `汉阳大道8号${building}`, floors: 6 })
    .returning('id').executeTakeFirstOrThrow();
  return (await t.db.insertInto('household').values({ building_id: b.id, unit_id: unit.id, unit_path: unit.path, region_code: '420105', room, floor: 1 })
    .returning('id').executeTakeFirstOrThrow()).id;
}

/** The ids a caller finds with these tags (in the order returned), paging through the whole list. */
async function found(username: string, tags: string[], extra: Record<string, string> = {}): Promise<string[]> {
  const c = await signedIn(t.app, username);
  const out: string[] = [];
  for (let offset = 0; ; offset += 2) {
    const res = await c.get(`/api/residents?${new URLSearchParams({ tags: tags.join(','), limit: '2', offset: String(offset), ...extra })}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { items: { id: string }[]; total: number };
    out.push(...body.items.map((r) => r.id));
    if (body.items.length < 2) {
      expect(body.total).toBe(out.length);
      return out;
    }
  }
}

/** People by name, in the search's page order (their ids as numbers). */
const inOrder = (...names: string[]) => names.map((n) => who[n]!).sort((a, b) => Number(a) - Number(b));

/** Tags whose copy of the place differs from their resident's. */
async function stale(): Promise<number> {
  const r = await sql<{ n: string }>`
    SELECT count(*) AS n FROM resident_tag rt JOIN resident r ON r.id = rt.resident_id WHERE rt.unit_path IS DISTINCT FROM r.unit_path`.execute(t.db);
  return Number(r.rows[0]!.n);
}

async function register(c: Client, name: string, householdId: string, tagIds: string[]) {
  const res = await c.post('/api/residents', { householdId, name, tagIds });
  expect(res.statusCode, res.body).toBe(201);
  who[name] = res.json().id;
}

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('居民');
  ws.addRow(['姓名*', '身份证号码*', '性别', '出生日期', '联系电话', '民族', '政治面貌', '与户主关系', '户籍类型', '楼栋*', '单元', '房号*', '迁入日期', '标签']);
  for (const r of rows) ws.addRow(r);
  wb.addWorksheet('说明').addRow(['说明']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const settled = (c: Client, jobId: string) => settledJob(c, `/api/registry/imports/${jobId}`);

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  const tag = async (code: string) => (await t.db.selectFrom('care_tag').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;
  elderly = await tag('elderly_80');
  emptyNest = await tag('empty_nest');
  hh.A1g1 = await household(tree.microA1g1m1, '1栋', '0101');
  hh.A1g2 = await household(tree.gridA1g2, '3栋', '0101');
  hh.A2g1 = await household(tree.gridA2g1, '5栋', '0101');
  hh.B1g1 = await household(tree.gridB1g1, '9栋', '0101');
  await makeUser(t.ctx, 'district', 'district_staff', tree.district);
  await makeUser(t.ctx, 'streetA', 'street_staff', tree.streetA);
  await makeUser(t.ctx, 'streetB', 'street_staff', tree.streetB);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'commA2', 'community_staff', tree.commA2);
  await makeUser(t.ctx, 'gridA1g1', 'grid_worker', tree.gridA1g1);
  await makeUser(t.ctx, 'gridA1g2', 'grid_worker', tree.gridA1g2);
  await makeUser(t.ctx, 'gridA2g1', 'grid_worker', tree.gridA2g1);
  await makeUser(t.ctx, 'gridB1g1', 'grid_worker', tree.gridB1g1);
  const d = await signedIn(t.app, 'district');
  await register(d, '甲', hh.A1g1!, [elderly, emptyNest]);
  await register(d, '乙', hh.A1g1!, []);
  await register(d, '丙', hh.A1g2!, [elderly]);
  await register(d, '丁', hh.A2g1!, [elderly, emptyNest]);
  await register(d, '戊', hh.B1g1!, [elderly]);
  await register(d, '己', hh.A1g2!, [emptyNest]);
});
afterAll(() => t.close());

describe('a care tag search by place', () => {
  it('finds the holders of a tag in a street, community and grid, in id order, as district-wide', async () => {
    expect(await stale()).toBe(0);
    expect(await found('district', [elderly])).toEqual(inOrder('甲', '丙', '丁', '戊'));
    expect(await found('streetA', [elderly])).toEqual(inOrder('甲', '丙', '丁'));
    expect(await found('streetB', [elderly])).toEqual(inOrder('戊'));
    expect(await found('commA1', [elderly])).toEqual(inOrder('甲', '丙'));
    expect(await found('gridA1g1', [elderly])).toEqual(inOrder('甲'));
    expect(await found('gridA1g2', [elderly])).toEqual(inOrder('丙'));
    // Two tags: holders of both. A subtree filter from a wider caller takes the same road.
    expect(await found('streetA', [elderly, emptyNest])).toEqual(inOrder('甲', '丁'));
    expect(await found('district', [emptyNest, elderly], { unitId: tree.commA1.id })).toEqual(inOrder('甲'));
    expect(await found('district', [elderly], { unitId: tree.streetA.id })).toEqual(inOrder('甲', '丙', '丁'));
  });

  it('a tag added to someone is found where they live', async () => {
    const c = await signedIn(t.app, 'commA1');
    const yi = (await c.get(`/api/residents/${who['乙']}`)).json();
    const res = await c.patch(`/api/residents/${who['乙']}`, { version: yi.version, tagIds: [elderly] });
    expect(res.statusCode, res.body).toBe(200);
    expect(await stale()).toBe(0);
    expect(await found('gridA1g1', [elderly])).toEqual(inOrder('甲', '乙'));
    expect(await found('streetA', [elderly])).toEqual(inOrder('甲', '乙', '丙', '丁'));
  });

  it('after a resident moves to a household in another grid', async () => {
    const c = await signedIn(t.app, 'commA1');
    const jia = (await c.get(`/api/residents/${who['甲']}`)).json();
    const res = await c.post(`/api/residents/${who['甲']}/household`, { version: jia.version, householdId: hh.A1g2, date: '2026-11-19' });
    expect(res.statusCode, res.body).toBe(200);
    expect(await stale()).toBe(0);
    expect(await found('gridA1g1', [elderly])).toEqual(inOrder('乙'));
    expect(await found('gridA1g2', [elderly])).toEqual(inOrder('甲', '丙'));
    expect(await found('gridA1g2', [elderly, emptyNest])).toEqual(inOrder('甲'));
    expect(await found('commA1', [elderly])).toEqual(inOrder('甲', '乙', '丙'));
  });

  it('after a community moves to another street', async () => {
    const d = await signedIn(t.app, 'district');
    const res = await d.post(`/api/units/${tree.commA2.id}/move`, { parentId: tree.streetB.id });
    expect(res.statusCode, res.body).toBe(200);
    const moved = await t.db.selectFrom('resident_tag').select('unit_path').where('resident_id', '=', who['丁']!).execute();
    expect(moved.map((r) => r.unit_path)).toEqual([`${tree.streetB.path}.${tree.commA2.id}.${tree.gridA2g1.id}`, `${tree.streetB.path}.${tree.commA2.id}.${tree.gridA2g1.id}`]);
    expect(await stale()).toBe(0);
    expect(await found('streetA', [elderly])).toEqual(inOrder('甲', '乙', '丙'));
    expect(await found('streetB', [elderly])).toEqual(inOrder('丁', '戊'));
    expect(await found('streetB', [emptyNest])).toEqual(inOrder('丁'));
    expect(await found('commA2', [elderly])).toEqual(inOrder('丁'));
    expect(await found('gridA2g1', [elderly])).toEqual(inOrder('丁'));
    expect(await found('district', [elderly], { unitId: tree.streetB.id })).toEqual(inOrder('丁', '戊'));
  });

  it('after an import that registers new people and moves a registered one', async () => {
    // 陈 is registered in grid A1g2, then the sheet moves her to 1栋 (micro-grid A1g1m1); a new person
    // is registered there with a tag.
    const c = await signedIn(t.app, 'commA1');
    const chen = await c.post('/api/residents', { householdId: hh.A1g2, name: '陈', idNumber: CHEN, tagIds: [elderly] });
    expect(chen.statusCode, chen.body).toBe(201);
    who['陈'] = chen.json().id;
    expect(await found('gridA1g2', [elderly])).toEqual(inOrder('甲', '丙', '陈'));
    const body = await xlsx([
      ['陈', CHEN, null, null, null, null, null, null, null, '1栋', null, '0101', null, '高龄'],
      ['新人', NEW_PERSON, null, null, null, null, null, null, null, '1栋', null, '0201', null, '高龄,空巢'],
    ]);
    const up = await t.app.inject({
      method: 'POST', url: `/api/registry/imports?unitId=${tree.commA1.id}&fileName=tags.xlsx`, payload: body,
      headers: { 'content-type': XLSX_CONTENT_TYPE, cookie: c.cookie! },
    });
    expect(up.statusCode, up.body).toBe(202);
    const job = await settled(c, up.json().id);
    expect(job).toMatchObject({ status: 'ready', valid: 2, errors: 0, new: 1, updated: 1 });
    expect((await c.post(`/api/registry/imports/${job.id}/commit`)).statusCode).toBe(202);
    expect(await settled(c, job.id)).toMatchObject({ status: 'committed', new: 1, updated: 1 });
    who['新人'] = (await t.db.selectFrom('resident').select('id').where('name', '=', '新人').executeTakeFirstOrThrow()).id;
    expect(await stale()).toBe(0);
    expect(await found('gridA1g1', [elderly])).toEqual(inOrder('乙', '陈', '新人'));
    expect(await found('gridA1g1', [emptyNest, elderly])).toEqual(inOrder('新人'));
    expect(await found('gridA1g2', [elderly])).toEqual(inOrder('甲', '丙'));
    expect(await found('commA1', [elderly])).toEqual(inOrder('甲', '乙', '丙', '陈', '新人'));
    expect(await found('streetA', [elderly])).toEqual(inOrder('甲', '乙', '丙', '陈', '新人'));
  });

  it('a tag cannot be given another place than its resident’s, nor hang on no resident', async () => {
    await sql`UPDATE resident_tag SET unit_path = ${tree.gridB1g1.path}::ltree WHERE resident_id = ${who['甲']}`.execute(t.db);
    expect(await stale()).toBe(0);
    await expect(sql`INSERT INTO resident_tag (resident_id, tag_id) VALUES (999999, ${elderly})`.execute(t.db))
      .rejects.toMatchObject({ code: '23503' });
  });
});
