/**
 * A resident search by pinyin reads the initials' matches and then the full pinyin's other matches
 * (residents.queries.ts, migrations/0025): district-wide for the total, counted up to the cap; below the
 * district for the page and the total. Both must say the same, each person once, the cap included.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, type Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';

let t: TestApp;
let tree: Tree;
let district: Client;
let community: Client;

/** People in community A1 (grid A1g1), written straight into the table: [name, initials, pinyin, status]. */
async function people(rows: [string, string, string, string][]): Promise<void> {
  await sql`INSERT INTO resident (unit_id, unit_path, region_code, name, name_initials, name_pinyin, status)
    SELECT ${tree.gridA1g1.id}::bigint, ${tree.gridA1g1.path}::ltree, '420105', p.name, p.initials, p.pinyin, p.status
    FROM unnest(${rows.map((r) => r[0])}::text[], ${rows.map((r) => r[1])}::text[], ${rows.map((r) => r[2])}::text[], ${rows.map((r) => r[3])}::text[])
      AS p(name, initials, pinyin, status)`.execute(t.db);
}

/** The total a search answers; limit=1, so that the total is counted and not taken from the page. */
async function total(c: Client, qs: string): Promise<{ total: number; capped: boolean }> {
  const res = await c.get(`/api/residents?limit=1&${qs}`);
  expect(res.statusCode).toBe(200);
  const body = res.json();
  return { total: body.total, capped: body.totalCapped };
}

const names = async (c: Client, qs: string): Promise<string[]> =>
  (await c.get(`/api/residents?${qs}`)).json().items.map((x: { name: string }) => x.name);

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'district', 'district_staff', tree.district);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  district = await signedIn(t.app, 'district');
  community = await signedIn(t.app, 'commA1');
  await people([
    ['王伟', 'ww', 'wangwei', 'active'],
    ['魏文', 'ww', 'weiwen', 'active'],
    ['吴晓', 'wx', 'wuxiao', 'active'],
    ['万', 'w', 'wan', 'active'],
    ['王五', 'ww', 'wangwu', 'moved_out'],
    ['张三', 'zs', 'zhangsan', 'active'],
  ]);
});
afterAll(() => t.close());

describe('the total of a search by pinyin', () => {
  it('counts each person once, whether their initials, their full pinyin or both match', async () => {
    for (const c of [district, community]) {
      expect(await total(c, 'q=w')).toEqual({ total: 4, capped: false }); // initials and pinyin both: once each
      expect(await total(c, 'q=ww')).toEqual({ total: 2, capped: false }); // initials only
      expect(await total(c, 'q=wang')).toEqual({ total: 1, capped: false }); // full pinyin only
      expect(await total(c, 'q=w&status=all')).toEqual({ total: 5, capped: false });
      expect(await total(c, 'q=w&status=moved_out')).toEqual({ total: 1, capped: false });
      // The pages hold the same people, in id order (here the order they were written in).
      expect(await names(c, 'q=w&limit=10')).toEqual(['王伟', '魏文', '吴晓', '万']);
      expect(await names(c, 'q=w&limit=2&offset=2')).toEqual(['吴晓', '万']);
      expect(await names(c, 'q=wang&status=all&limit=10')).toEqual(['王伟', '王五']);
    }
  });

  it('stops at the cap, district-wide and below', async () => {
    await people(Array.from({ length: 1005 }, (_, i) => [`测试${i}`, 'cs', 'ceshi', 'active'] as [string, string, string, string]));
    for (const c of [district, community]) {
      expect(await total(c, 'q=cs')).toEqual({ total: 1000, capped: true });
      expect(await total(c, 'q=ce')).toEqual({ total: 1000, capped: true });
      expect(await total(c, 'q=c')).toEqual({ total: 1000, capped: true });
      expect(await total(c, 'q=zs')).toEqual({ total: 1, capped: false });
    }
  });

  it('pages as many matches as the district-wide plan sorts, and more, as the subtree does', async () => {
    // Past SORTED_CAP (5 000) the district-wide page is found by a walk in id order instead.
    await people(Array.from({ length: 5010 }, (_, i) => [`李${i}`, 'l', 'li', 'active'] as [string, string, string, string]));
    for (const qs of ['q=l&limit=20&offset=30', 'q=li&limit=5&offset=4990', 'q=cs&limit=20&offset=990', 'q=ce&limit=20&offset=1000']) {
      const [d, c] = [(await district.get(`/api/residents?${qs}`)).json(), (await community.get(`/api/residents?${qs}`)).json()];
      expect(d.items.length).toBeGreaterThan(0);
      expect(d.items.map((x: { id: string }) => x.id)).toEqual(c.items.map((x: { id: string }) => x.id));
      expect([d.total, d.totalCapped]).toEqual([1000, true]);
      expect([c.total, c.totalCapped]).toEqual([1000, true]);
    }
    // With a tag too, on both sides of the line: only the tag's holders (5 005 of the 李, and one 测试).
    const tag = (await t.db.selectFrom('care_tag').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
    await sql`INSERT INTO resident_tag (resident_id, tag_id, since)
      SELECT id, ${tag}::bigint, current_date FROM resident
      WHERE (name LIKE '李%' AND name NOT IN ('李0', '李1', '李2', '李3', '李4')) OR name = '测试3'`.execute(t.db);
    for (const c of [district, community]) {
      expect(await names(c, `q=l&tags=${tag}&limit=3`)).toEqual(['李5', '李6', '李7']);
      expect(await names(c, `q=cs&tags=${tag}&limit=3`)).toEqual(['测试3']);
    }
  });
});
