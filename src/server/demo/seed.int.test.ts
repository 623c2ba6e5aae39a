import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { parseIdNumber } from '../../shared/validation/id-number.js';
import { isDatabaseEmpty, readDemoAccounts, seedDemo, type DemoResult } from './seed.js';

let t: TestApp;
let dataDir: string;
let seeded: DemoResult;
let seconds: number;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-demo-seed-'));
  t = await createTestApp({ LINLI_DATA_DIR: dataDir });
  expect(await isDatabaseEmpty(t.ctx)).toBe(true);
  const started = performance.now();
  const result = await seedDemo(t.ctx);
  seconds = (performance.now() - started) / 1000;
  expect(result).not.toBeNull();
  seeded = result!;
  console.log(`seedDemo: ${seconds.toFixed(2)} s — ${seeded.summary}`);
}, 120_000);
afterAll(async () => {
  await t?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const count = async (query: ReturnType<typeof sql<{ n: string }>>) => Number((await query.execute(t.db)).rows[0]!.n);

describe('the demo seed', () => {
  it('seeds 汉阳区 with its 11 streets and 118 communities and their official codes', async () => {
    expect(await isDatabaseEmpty(t.ctx)).toBe(false);
    const district = await t.db.selectFrom('unit').selectAll().where('level', '=', 'district').execute();
    expect(district.map((u) => [u.code, u.name, u.parent_id])).toEqual([['420105000000', '汉阳区', null]]);
    const streets = await t.db.selectFrom('unit').select(['code', 'name']).where('parent_id', '=', district[0]!.id).orderBy('code').execute();
    expect(streets).toHaveLength(11);
    expect(streets[0]).toEqual({ code: '420105002000', name: '建桥街道' });
    expect(streets.every((s) => /^420105\d{3}000$/.test(s.code))).toBe(true);
    expect(await count(sql`SELECT count(*) AS n FROM unit WHERE level = 'community' AND path <@ ${district[0]!.path}::ltree`)).toBe(118);

    const longhu = await t.db.selectFrom('unit as c').innerJoin('unit as s', 's.id', 'c.parent_id')
      .select(['c.name', 'c.region_code', 's.code as streetCode', 's.name as streetName', 'c.boundary'])
      .where('c.code', '=', '420105013007').executeTakeFirstOrThrow();
    expect(longhu).toMatchObject({ name: '龙湖东岸社区', region_code: '420105', streetCode: '420105013000', streetName: '龙阳街道' });
    expect(longhu.boundary).toMatchObject({ type: 'Polygon' });
  });

  it('gives the three detailed communities grids and micro-grids with boundaries', async () => {
    const grids = await t.db.selectFrom('unit as g').innerJoin('unit as c', 'c.id', 'g.parent_id')
      .select(['c.code as community', 'g.code', 'g.name', 'g.boundary']).where('g.level', '=', 'grid').orderBy('g.code').execute();
    expect(grids).toHaveLength(16);
    expect(grids.filter((g) => g.community === '420105013007').map((g) => g.name))
      .toEqual(['第一网格', '第二网格', '第三网格', '第四网格', '第五网格', '第六网格']);
    for (const g of grids) {
      expect(g.code).toMatch(new RegExp(`^${g.community}\\d{3}$`));
      const ring = (g.boundary as { coordinates: number[][][] }).coordinates[0]!;
      expect(ring[0]).toEqual(ring[ring.length - 1]);
    }
    expect(await count(sql`SELECT count(*) AS n FROM unit WHERE level = 'microgrid' AND boundary IS NOT NULL`)).toBe(32);
    expect(seeded.counts).toMatchObject({ districts: 1, streets: 11, communities: 118, grids: 16, microgrids: 32, accounts: 12 });
  });

  it('files every building, entrance, household and resident under its micro-grid', async () => {
    for (const table of ['building', 'entrance', 'household', 'resident'] as const) {
      const total = await count(sql`SELECT count(*) AS n FROM ${sql.table(table)}`);
      const placed = await count(sql`
        SELECT count(*) AS n FROM ${sql.table(table)} t JOIN unit u ON u.id = t.unit_id
        WHERE u.level = 'microgrid' AND t.unit_path = u.path AND t.unit_path <@ u.path AND t.region_code = '420105'`);
      expect(placed, table).toBe(total);
      expect(total, table).toBe(seeded.counts[`${table}s` as 'buildings']);
    }
    // Entrances, households and residents sit in the micro-grid of their building / household.
    expect(await count(sql`SELECT count(*) AS n FROM entrance e JOIN building b ON b.id = e.building_id WHERE e.unit_id <> b.unit_id`)).toBe(0);
    expect(await count(sql`SELECT count(*) AS n FROM household h JOIN entrance e ON e.id = h.entrance_id WHERE h.unit_id <> e.unit_id OR h.building_id <> e.building_id`)).toBe(0);
    expect(await count(sql`SELECT count(*) AS n FROM resident r JOIN household h ON h.id = r.household_id WHERE r.unit_id <> h.unit_id`)).toBe(0);
    expect(seeded.counts.residents).toBeGreaterThanOrEqual(5000);
    expect(seeded.counts.residents).toBeLessThanOrEqual(10000);
  });

  it('places every building inside its micro-grid’s boundary', async () => {
    const outside = await count(sql`
      SELECT count(*) AS n FROM building b JOIN unit u ON u.id = b.unit_id
      WHERE NOT (b.lng > (u.boundary->'coordinates'->0->0->>0)::float AND b.lng < (u.boundary->'coordinates'->0->2->>0)::float
             AND b.lat > (u.boundary->'coordinates'->0->0->>1)::float AND b.lat < (u.boundary->'coordinates'->0->2->>1)::float)`);
    expect(outside).toBe(0);
  });

  it('stores ID numbers and phones only encrypted', async () => {
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM resident`.execute(t.db)).rows;
    const plain = /\d{17}[\dX]|1[358]\d{9}/;
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (typeof value === 'string' && column !== 'id' && column !== 'unit_path' && column !== 'household_id' && column !== 'unit_id') {
          expect(plain.test(value), `${column}: ${value}`).toBe(false);
        }
      }
    }
    const one = rows.find((r) => r.phone_enc)!;
    const idNumber = t.ctx.cipher.decrypt(one.id_number_enc as string);
    const parsed = parseIdNumber(idNumber);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.info.regionCode).toBe('420105');
      expect(parsed.info.birthDate).toBe(one.birth_date);
      expect(parsed.info.gender).toBe(one.gender);
    }
    expect(one.id_number_hash).toBe(t.ctx.cipher.blindIndex(idNumber));
    const phone = t.ctx.cipher.decrypt(one.phone_enc as string);
    expect(phone).toMatch(/^1[358]\d{9}$/);
    expect(one.phone_hash).toBe(t.ctx.cipher.blindIndex(phone));
    // Unique ID numbers: the keyed hashes are.
    expect(await count(sql`SELECT count(DISTINCT id_number_hash) AS n FROM resident`)).toBe(rows.length);
  });

  it('creates the 12 demo accounts, each bound where it belongs', async () => {
    const rows = await t.db.selectFrom('app_user as a')
      .innerJoin('role_binding as b', 'b.user_id', 'a.id')
      .innerJoin('unit as u', 'u.id', 'b.unit_id')
      .select(['a.username', 'a.display_name', 'a.unit_id', 'b.role', 'b.unit_id as binding_unit', 'u.code', 'u.name'])
      .orderBy('a.id').execute();
    expect(rows.map((r) => [r.username, r.role, r.code, r.name])).toEqual([
      ['admin', 'system_admin', '420105000000', '汉阳区'],
      ['security', 'security_admin', '420105000000', '汉阳区'],
      ['auditor', 'auditor', '420105000000', '汉阳区'],
      ['district', 'district_staff', '420105000000', '汉阳区'],
      ['street', 'street_staff', '420105013000', '龙阳街道'],
      ['community', 'community_staff', '420105013007', '龙湖东岸社区'],
      ['grid', 'grid_worker', '420105013007006', '第六网格'],
      ['grid2', 'grid_worker', '420105013007002', '第二网格'],
      ['department', 'department_handler', '420105000000', '汉阳区'],
      ['partymember', 'party_member', '420105013007', '龙湖东岸社区'],
      ['volunteer', 'volunteer', '420105013007', '龙湖东岸社区'],
      ['resident', 'resident', '420105013007006', '第六网格'],
    ]);
    for (const r of rows) expect(r.unit_id).toBe(r.binding_unit);
    expect(rows.find((r) => r.username === 'grid')!.display_name).toBe('黄艳娇');
    expect(seeded.accounts.find((a) => a.username === 'grid')).toMatchObject({ unit: '龙湖东岸社区 第六网格', unitCode: '420105013007006', mfa: false });
    expect(seeded.accounts.filter((a) => a.mfa).map((a) => a.username)).toEqual(['admin', 'security', 'auditor']);
  });

  it('audits the seed', async () => {
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'demo.seed').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_id: null, actor_username: 'seed', result: 'success', resource_type: 'unit' });
    expect(audit[0]!.detail).toMatchObject({ residents: seeded.counts.residents, accounts: 12 });
  });

  it('lets a demo account sign in with the demo password; MFA roles must enrol first', async () => {
    const grid = new Client(t.app);
    const res = await grid.login('grid', seeded.password);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ok');
    const kids = await grid.get('/api/units/roots');
    expect(kids.statusCode).toBe(200);
    expect(kids.json().items.map((u: { code: string }) => u.code)).toEqual(['420105013007006']);
    const admin = await new Client(t.app).login('admin', seeded.password);
    expect(admin.statusCode).toBe(200);
    expect(admin.json().status).toBe('mfa_enrollment_required');
  });

  it('gives the demo people pinyin keys and care tags, findable through the registry API', async () => {
    const missing = await t.db.selectFrom('resident').select('id').where('name_initials', 'is', null).execute();
    expect(missing).toHaveLength(0);
    const counts = await t.db.selectFrom('resident_tag as rt').innerJoin('care_tag as c', 'c.id', 'rt.tag_id')
      .select(['c.code', t.db.fn.countAll<string>().as('n')]).groupBy('c.code').execute();
    const byCode = Object.fromEntries(counts.map((c) => [c.code, Number(c.n)]));
    for (const code of ['living_alone', 'empty_nest', 'elderly_80', 'floating', 'disabled', 'party_member']) expect(byCode[code]).toBeGreaterThan(0);
    expect((await t.db.selectFrom('household_tag').select('household_id').execute()).length).toBeGreaterThan(0);

    const someone = await t.db.selectFrom('resident').select(['name', 'name_initials', 'unit_path']).where('relation', '=', 'head').orderBy('id').limit(1).executeTakeFirstOrThrow();
    const community = new Client(t.app);
    expect((await community.login('community', seeded.password)).json().status).toBe('ok');
    const found = (await community.get(`/api/residents?q=${someone.name_initials}&limit=200`)).json();
    expect(found.items.map((r: { name: string }) => r.name)).toContain(someone.name);
    expect(found.items.every((r: { idNumber: string }) => /^420105\*{8}[0-9X]{4}$/.test(r.idNumber))).toBe(true);
  });

  it('writes the accounts file for its owner only', async () => {
    const file = path.join(dataDir, 'demo-accounts.json');
    expect(seeded.file).toBe(file);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const read = await readDemoAccounts(t.config);
    expect(read).toMatchObject({ password: seeded.password, summary: seeded.summary });
    expect(read!.accounts).toHaveLength(12);
    expect(read!.accounts[0]).toEqual({ username: 'admin', role: 'system_admin', displayName: '系统管理员', unit: '汉阳区', unitCode: '420105000000', mfa: true });
  });

  it('does nothing the second time', async () => {
    const before = await count(sql`SELECT count(*) AS n FROM resident`);
    expect(await seedDemo(t.ctx)).toBeNull();
    expect(await count(sql`SELECT count(*) AS n FROM resident`)).toBe(before);
    // The 12 demo accounts and the one that records the history's steps (it cannot sign in).
    expect(await count(sql`SELECT count(*) AS n FROM app_user`)).toBe(13);
    expect(await count(sql`SELECT count(*) AS n FROM app_user WHERE is_active`)).toBe(12);
  });

  it('seeds half a year of cases whose rows agree with their timelines and work orders', async () => {
    expect(seeded.counts.cases).toBeGreaterThan(150);
    expect(await count(sql`SELECT count(*) AS n FROM cases`)).toBe(seeded.counts.cases);
    // The state is the last step's; the version counts the steps; steps are in time order.
    const mismatched = await count(sql`
      SELECT count(*) AS n FROM cases c
      JOIN LATERAL (SELECT to_state FROM case_event e WHERE e.case_id = c.id ORDER BY occurred_at DESC, id DESC LIMIT 1) last ON true
      WHERE last.to_state <> c.state
         OR c.version <> (SELECT count(*) FROM case_event e WHERE e.case_id = c.id)
         OR c.created_at <> (SELECT min(occurred_at) FROM case_event e WHERE e.case_id = c.id)`);
    expect(mismatched).toBe(0);
    // Open cases have a running stage clock; closed ones a closing time; numbers are unique and continue.
    expect(await count(sql`SELECT count(*) AS n FROM cases WHERE state IN ('reported','accepted','dispatched','in_progress','handled','verified') AND (stage IS NULL OR stage_deadline IS NULL)`)).toBe(0);
    expect(await count(sql`SELECT count(*) AS n FROM cases WHERE state = 'closed' AND closed_at IS NULL`)).toBe(0);
    expect(await count(sql`SELECT count(*) AS n FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_number_counter k WHERE c.number LIKE k.prefix || '-' || to_char(k.day, 'YYYYMMDD') || '-%' AND k.last >= substring(c.number from '[0-9]+$')::int)`)).toBe(0);
    // Every open work order belongs to a case in the handle stage.
    expect(await count(sql`SELECT count(*) AS n FROM work_order w JOIN cases c ON c.id = w.case_id WHERE w.state IN ('dispatched','claimed') AND c.state NOT IN ('dispatched','in_progress')`)).toBe(0);
    const states = Object.fromEntries((await sql<{ state: string; n: string }>`SELECT state, count(*) AS n FROM cases GROUP BY state`.execute(t.db)).rows.map((r) => [r.state, Number(r.n)]));
    expect(states.closed).toBeGreaterThan(100);
    const longhuClosed = await count(sql`SELECT count(*) AS n FROM cases c JOIN unit u ON u.code = '420105013007' WHERE c.unit_path <@ u.path AND c.state = 'closed'`);
    expect(longhuClosed).toBeGreaterThanOrEqual(30);
    expect(await count(sql`SELECT count(*) AS n FROM cases WHERE rating IS NOT NULL`)).toBeGreaterThan(10);
    expect(await count(sql`SELECT count(*) AS n FROM cases WHERE hotline_order_no IS NOT NULL`)).toBeGreaterThan(10);
  });

  it('gives the demo accounts something in their work lists, and the department handler its department', async () => {
    const signIn = async (username: string) => {
      const c = new Client(t.app);
      expect((await c.login(username, seeded.password)).json().status).toBe('ok');
      return c;
    };
    const community = await signIn('community');
    const all = (await community.get('/api/cases?limit=1')).json();
    expect(all.total).toBeGreaterThan(60);
    const grid = await signIn('grid');
    const mine = (await grid.get('/api/cases?list=all&limit=200')).json();
    expect(mine.items.length).toBeGreaterThan(5);
    // Only the worker's own grid.
    expect(mine.items.every((c: { unit: { code: string } }) => c.unit.code === '420105013007006')).toBe(true);
    const detail = (await grid.get(`/api/cases/${mine.items[0].id}`)).json();
    expect(detail.timeline.length).toBeGreaterThan(0);
    const resident = await signIn('resident');
    expect((await resident.get('/api/cases?list=reported_by_me')).json().total).toBeGreaterThan(0);
    const member = await t.db.selectFrom('department_member as m').innerJoin('department as d', 'd.id', 'm.department_id')
      .innerJoin('app_user as a', 'a.id', 'm.user_id').select(['d.code', 'a.username']).execute();
    expect(member).toEqual([{ code: 'urban_management', username: 'department' }]);
    const department = await signIn('department');
    const sent = (await department.get('/api/cases?limit=200')).json();
    expect(sent.total).toBeGreaterThan(0);
  });

  it('sets the district’s visit rules and gives 黄艳娇 four weeks of field work to check and supervise', async () => {
    const rules = await t.db.selectFrom('visit_rule as r').innerJoin('unit as u', 'u.id', 'r.unit_id')
      .select(['r.kind', 'r.tag_code', 'r.interval_days', 'r.per_day', 'u.level']).orderBy('r.id').execute();
    expect(rules.map((r) => [r.kind, r.tag_code, r.interval_days ?? r.per_day])).toEqual([
      ['tag', 'living_alone', 7], ['tag', 'disabled', 30], ['tag', 'low_income', 30], ['all_households', null, 90], ['daily_quota', null, 10],
    ]);
    expect(rules.every((r) => r.level === 'district')).toBe(true);
    const grid = new Client(t.app);
    expect((await grid.login('grid', seeded.password)).json().status).toBe('ok');
    const checklist = (await grid.get('/api/checklist')).json();
    expect(checklist.quota.perDay).toBe(10);
    expect(checklist.visits.total).toBeGreaterThan(0);
    expect(checklist.visits.buildings[0].items.length).toBeGreaterThan(0);
    // Some special households slipped in the last days: the checklist has overdue care visits.
    expect(checklist.visits.buildings.some((b: { items: { state: string; special: boolean }[] }) => b.items.some((i) => i.state === 'overdue' && i.special))).toBe(true);
    const pack = (await grid.get('/api/fieldwork/offline-pack')).json();
    expect(pack.grids.map((g: { code: string }) => g.code)).toEqual(['420105013007006']);
    expect(pack.residents.every((r: { idNumber: string | null }) => r.idNumber === null || /^420105\*{8}[0-9X]{4}$/.test(r.idNumber))).toBe(true);

    const community = new Client(t.app);
    expect((await community.login('community', seeded.password)).json().status).toBe('ok');
    const longhu = await t.db.selectFrom('unit').select('id').where('code', '=', '420105013007').executeTakeFirstOrThrow();
    const now = t.ctx.clock.now();
    const day = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const view = (await community.get(`/api/fieldwork/compliance?unitId=${longhu.id}&from=${day(new Date(now.getTime() - 28 * 86_400_000))}&to=${day(now)}`)).json();
    const huang = view.workers.find((w: { name: string }) => w.name === '黄艳娇');
    const visits = await count(sql`SELECT count(*) AS n FROM visit v JOIN app_user u ON u.id = v.visitor_id WHERE u.username = 'grid'`);
    expect(visits).toBeGreaterThan(150);
    expect(huang.figures.visitsDone).toBe(visits);
    expect(huang.figures.patrols).toBeGreaterThan(15);
    expect(huang.figures.quotaDaysMet).toBeGreaterThan(15);
    expect(huang.figures.diaryEntries).toBeGreaterThan(0);
  });

  it('takes a few seconds', () => {
    expect(seconds).toBeLessThan(30);
  });
});
