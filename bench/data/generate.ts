/**
 * The district generator (issue 6): a plausible district of any size, scaled from its number of
 * residents, written straight into an empty migrated database through COPY — units with boundaries,
 * one account per street, community and grid (and the district), the registry (buildings,
 * entrances, households, residents with care tags, personal data encrypted as the registry stores
 * it), and years of cases with their timelines and work orders. Streams: a grid's registry or a
 * day's cases at a time, whatever the size. Deterministic for a seed (and `now`), except the random
 * IVs of the encryption.
 *
 *   generateDistrict(url, { residents: 1_000_000 }) → 10 streets, ~120 communities, ~1 200 grids,
 *   ~20 000 buildings, ~400 000 households, 1 000 000 residents, 3 000 000 cases over 3 years.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { createDb, createPool } from '../../src/server/core/db/index.js';
import { migrate } from '../../src/server/core/db/migrate.js';
import { hashPassword } from '../../src/server/core/auth/password.js';
import { writeAudit } from '../../src/server/core/audit/audit.js';
import { readDistrictDivisions } from '../../src/server/demo/divisions.js';
import { surname } from '../../src/server/demo/people.js';
import { Random } from '../../src/server/demo/random.js';
import { TYPICAL_CATEGORY_WEIGHTS } from '../../src/server/demo/case-texts.js';
import { addDepartmentMember, ensureStandardDepartments, STANDARD_DEPARTMENTS } from '../../src/server/modules/cases/departments.service.js';
import { numberPrefix } from '../../src/server/modules/cases/cases.service.js';
import type { CategoryRow } from '../../src/server/modules/cases/cases.queries.js';
import { BulkCipher } from './cipher.js';
import { CopyTable } from './copy.js';
import { planDistrict, scale, type PlannedUnit } from './district.js';
import { REGISTRY_COLUMNS, RegistryGenerator, type BuildingPoint, type RegistryTables } from './registry.js';
import { CASE_COLUMNS, CASE_FACT_COLUMNS, CaseGenerator, EVENT_COLUMNS, ORDER_COLUMNS, type Actor, type CaseGrid, type CaseTables } from './cases.js';
import { FastCalendar } from './fast-calendar.js';
import { dropDeferred, readDeferred, restoreDeferred } from './bulk-schema.js';

export interface GenerateOptions {
  residents: number;
  /** Cases per resident over the whole period (default 3). */
  casesPerResident?: number;
  /** Years of cases up to `now` (default 3). */
  years?: number;
  seed?: number;
  now?: Date;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
  /** The master data key (32 bytes) personal data is encrypted under; default LINLI_DATA_KEY, else one derived from the seed. */
  dataKey?: Buffer;
  /** The accounts' password (default Bench-Passw0rd!). */
  password?: string;
  /** scrypt cost of the one password hash (default 15, as a server's default config). */
  scryptLogN?: number;
  /** Keep the secondary indexes during the load instead of rebuilding them after (for comparison). */
  keepIndexes?: boolean;
}

export interface GeneratedDistrict {
  districtUnitId: string;
  streets: { id: string; path: string }[];
  counts: Record<string, number>;
  seconds: number;
  rowsPerSecond: number;
  accounts: { username: string; role: string; unitId: string; unitPath: string }[];
  password: string;
  /** The master data key, base64: a server reading this database needs it as LINLI_DATA_KEY. */
  dataKey: string;
}

export const DEFAULT_SEED = 20261121;
export const DEFAULT_PASSWORD = 'Bench-Passw0rd!';
const DISTRICT_CODE = '420105';
const BULK_TABLES = ['building', 'entrance', 'household', 'resident', 'resident_tag', 'household_tag', 'cases', 'case_event', 'work_order'] as const;

/** The data key a seed gives when none is set (so that a re-run of the same seed can be read with the same key). */
export function dataKeyFor(seed: number): Buffer {
  return crypto.createHash('sha256').update(`linli-bench-data-key:${seed}`).digest();
}

const GIVEN = ['伟', '芳', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '霞', '平', '刚', '建华', '文', '华', '红', '志强', '海燕', '晓东', '雪梅', '俊', '慧', '琳'];

export async function generateDistrict(url: string, opts: GenerateOptions): Promise<GeneratedDistrict> {
  const started = performance.now();
  const residents = Math.floor(opts.residents);
  if (!Number.isFinite(residents) || residents < 100) throw new Error('residents must be at least 100');
  const seed = opts.seed ?? DEFAULT_SEED;
  const years = opts.years ?? 3;
  const casesPerResident = opts.casesPerResident ?? 3;
  if (!(years > 0 && years <= 10)) throw new Error('years must be in (0, 10]');
  if (!(casesPerResident >= 0 && casesPerResident <= 50)) throw new Error('casesPerResident must be in [0, 50]');
  const now = opts.now ?? new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const password = opts.password ?? DEFAULT_PASSWORD;
  const dataKey = opts.dataKey ?? (process.env.LINLI_DATA_KEY ? Buffer.from(process.env.LINLI_DATA_KEY, 'base64') : dataKeyFor(seed));
  const cipher = new BulkCipher(dataKey);
  const progress = opts.onProgress ?? (() => {});

  const pool = createPool(url, 4);
  const db = createDb(pool);
  const copies: CopyTable[] = [];
  let tallyOff = false;
  try {
    progress({ phase: 'migrate', done: 0, total: 1 });
    await migrate(pool);
    progress({ phase: 'migrate', done: 1, total: 1 });
    if (await db.selectFrom('unit').select('id').limit(1).executeTakeFirst()) throw new Error('the database is not empty: the generator fills an empty migrated database');

    // ——— Units ———
    const rnd = new Random(seed);
    const divisions = await readDistrictDivisions(DISTRICT_CODE);
    const size = scale(residents);
    const unitCount = 1 + size.streets + size.communities + size.grids;
    const ids = (await sql<{ id: string }>`SELECT nextval(pg_get_serial_sequence('unit', 'id'))::text AS id FROM generate_series(1, ${unitCount}::int)`.execute(db)).rows.map((r) => r.id);
    let idAt = 0;
    const plan = planDistrict(residents, divisions, rnd, () => ids[idAt++]!);
    const units = [plan.district, ...plan.streets, ...plan.communities, ...plan.grids];
    const byId = new Map(units.map((u) => [u.id, u]));
    for (let i = 0; i < units.length; i += 500) {
      await db.insertInto('unit').values(units.slice(i, i + 500).map((u) => ({
        id: u.id, parent_id: u.parentId, level: u.level, code: u.code, name: u.name, path: u.path, region_code: u.regionCode,
        boundary: u.boundary ? JSON.stringify(u.boundary) : null,
      }))).execute();
    }
    await sql`SELECT setval(pg_get_serial_sequence('unit', 'id'), (SELECT max(id) FROM unit))`.execute(db);
    progress({ phase: 'units', done: units.length, total: units.length });

    // ——— Accounts: one per street, community and grid, the district's, a handler per department ———
    const names = new Random(seed + 1);
    const personName = () => surname(names) + names.pick(GIVEN);
    const hash = await hashPassword(password, opts.scryptLogN ?? 15);
    type Account = { username: string; role: string; unit: PlannedUnit; displayName: string; active: boolean; passwordHash: string };
    const accounts: Account[] = [
      { username: 'bench-district', role: 'district_staff', unit: plan.district, displayName: personName(), active: true, passwordHash: hash },
      ...plan.streets.map((u, i) => ({ username: `bench-street-${i + 1}`, role: 'street_staff', unit: u, displayName: personName(), active: true, passwordHash: hash })),
      ...plan.communities.map((u, i) => ({ username: `bench-community-${i + 1}`, role: 'community_staff', unit: u, displayName: personName(), active: true, passwordHash: hash })),
      ...plan.grids.map((u, i) => ({ username: `bench-grid-${i + 1}`, role: 'grid_worker', unit: u, displayName: personName(), active: true, passwordHash: hash })),
      ...STANDARD_DEPARTMENTS.map((d) => ({ username: `bench-dept-${d.code.replaceAll('_', '-')}`, role: 'department_handler', unit: plan.district, displayName: personName(), active: true, passwordHash: hash })),
    ];
    const accountIds = new Map<string, string>();
    for (let i = 0; i < accounts.length; i += 500) {
      const rows = await db.insertInto('app_user').values(accounts.slice(i, i + 500).map((a) => ({
        username: a.username, display_name: a.displayName, password_hash: a.passwordHash, unit_id: a.unit.id, unit_path: a.unit.path, region_code: a.unit.regionCode,
      }))).returning(['id', 'username']).execute();
      for (const r of rows) accountIds.set(r.username, r.id);
      await db.insertInto('role_binding').values(accounts.slice(i, i + 500).map((a) => ({
        user_id: accountIds.get(a.username)!, role: a.role, unit_id: a.unit.id,
      }))).execute();
    }
    // Steps by people without an account (residents who report and rate, callers) are recorded under one that cannot sign in.
    const { id: history } = await db.insertInto('app_user').values({
      username: 'bench-history', display_name: '历史数据', password_hash: '!bench-history', is_active: false,
      unit_id: plan.district.id, unit_path: plan.district.path, region_code: plan.district.regionCode,
    }).returning('id').executeTakeFirstOrThrow();
    const actorOf = (username: string): Actor => ({ id: accountIds.get(username)!, name: accounts.find((a) => a.username === username)!.displayName });
    const departmentIds = await ensureStandardDepartments(db, { id: plan.district.id, path: plan.district.path, region_code: plan.district.regionCode });
    const departments = new Map<string, { id: string; code: string; name: string; handler: Actor }>();
    for (const d of STANDARD_DEPARTMENTS) {
      const handler = actorOf(`bench-dept-${d.code.replaceAll('_', '-')}`);
      await addDepartmentMember(db, departmentIds[d.code]!, handler.id);
      departments.set(d.code, { id: departmentIds[d.code]!, code: d.code, name: d.zh, handler });
    }
    progress({ phase: 'accounts', done: accounts.length + 1, total: accounts.length + 1 });

    // ——— Bulk tables: foreign keys (and secondary indexes) off for the load ———
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const deferred = await readDeferred(admin, BULK_TABLES, !opts.keepIndexes);
    await dropDeferred(admin, deferred);
    // The cockpit's tally (migrations/0023) is counted once after the load, not upserted per copied case.
    await admin.query('ALTER TABLE cases DISABLE TRIGGER cases_tally');
    tallyOff = true;
    await admin.end();

    const open = async (table: string, columns: readonly string[]) => {
      const t = new CopyTable(table, columns);
      copies.push(t);
      await t.open(url);
      return t;
    };
    const flushAll = (tables: CopyTable[]) => Promise.all(tables.map((t) => t.flush()));

    // ——— Registry, a grid at a time ———
    const tagIds = new Map((await db.selectFrom('care_tag').select(['id', 'code']).execute()).map((t) => [t.code, t.id]));
    const registryTables = Object.fromEntries(await Promise.all(
      Object.entries(REGISTRY_COLUMNS).map(async ([table, cols]) => [table, await open(table, cols)] as const),
    )) as RegistryTables;
    const registry = new RegistryGenerator(new Random(seed + 2), DISTRICT_CODE, cipher, tagIds, registryTables);
    const points = new Map<string, BuildingPoint[]>();
    for (const grid of plan.grids) {
      points.set(grid.id, registry.grid(grid, byId.get(grid.parentId!)!, plan.gridResidents.get(grid.id)!));
      await flushAll(Object.values(registryTables));
      progress({ phase: 'registry', done: registry.counts.residents, total: residents });
    }
    await Promise.all(Object.values(registryTables).map((t) => t.close()));

    // ——— Cases, a day at a time ———
    const factColumns = await sql<{ column_name: string }>`
      SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'cases' AND column_name IN (${sql.join([...CASE_FACT_COLUMNS])})`.execute(db);
    const withFacts = factColumns.rows.length === CASE_FACT_COLUMNS.length;
    const caseTables: CaseTables = {
      cases: await open('cases', withFacts ? [...CASE_COLUMNS, ...CASE_FACT_COLUMNS] : CASE_COLUMNS),
      case_event: await open('case_event', EVENT_COLUMNS),
      work_order: await open('work_order', ORDER_COLUMNS),
    };
    const categories = (await db.selectFrom('case_category').selectAll().where('is_active', '=', true).where('parent_id', 'is not', null).orderBy('id').execute()) as unknown as CategoryRow[];
    const grids: CaseGrid[] = plan.grids.map((g, i) => {
      const community = byId.get(g.parentId!)!;
      return {
        unit: g, community, street: byId.get(community.parentId!)!, points: points.get(g.id)!,
        worker: actorOf(`bench-grid-${i + 1}`), residents: plan.gridResidents.get(g.id)!,
      };
    });
    const from = new Date(now.getTime() - years * 365 * 86_400_000);
    const calendar = new FastCalendar(from, now);
    const totalCases = Math.round(residents * casesPerResident);
    const generator = new CaseGenerator({
      grids,
      communityStaff: new Map(plan.communities.map((c, i) => [c.id, actorOf(`bench-community-${i + 1}`)])),
      streetStaff: new Map(plan.streets.map((s, i) => [s.id, actorOf(`bench-street-${i + 1}`)])),
      districtStaff: actorOf('bench-district'),
      history,
      departments,
      categories: categories.filter((c) => TYPICAL_CATEGORY_WEIGHTS[c.code] !== undefined).map((row) => ({ row, weight: TYPICAL_CATEGORY_WEIGHTS[row.code]! })),
      numberPrefix: numberPrefix(plan.district.name),
    }, new Random(seed + 3), calendar, cipher, caseTables, withFacts, now, Math.max(200, Math.min(50_000, Math.round(residents / 20))), personName);
    const days = CaseGenerator.dayCounts(totalCases, from, now);
    for (const { day, count } of days) {
      generator.day(day, count);
      await flushAll(Object.values(caseTables));
      progress({ phase: 'cases', done: generator.counts.cases, total: totalCases });
    }
    await Promise.all(Object.values(caseTables).map((t) => t.close()));
    copies.length = 0;
    if (generator.perDay.size) {
      const prefix = numberPrefix(plan.district.name);
      const counters = [...generator.perDay].map(([day, last]) => ({ prefix, day, last }));
      for (let i = 0; i < counters.length; i += 500) await db.insertInto('case_number_counter').values(counters.slice(i, i + 500)).execute();
    }
    for (const table of BULK_TABLES) {
      if (table === 'resident_tag' || table === 'household_tag') continue;
      await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), max(id)) FROM ${sql.table(table)} HAVING max(id) IS NOT NULL`.execute(db);
    }

    // ——— Indexes and foreign keys back, statistics ———
    await restoreDeferred(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }, deferred, 2, (phase, done, total) => progress({ phase, done, total }));
    await sql`ALTER TABLE cases ENABLE TRIGGER cases_tally`.execute(db);
    tallyOff = false;
    progress({ phase: 'tally', done: 0, total: 1 });
    await sql`SELECT case_tally_rebuild()`.execute(db);
    progress({ phase: 'tally', done: 1, total: 1 });
    const analyse = [...BULK_TABLES, 'case_tally', 'case_tally_source', 'unit', 'app_user', 'role_binding', 'department', 'case_number_counter'];
    // VACUUM too: rows loaded by COPY are not yet marked all-visible, and until autovacuum gets to
    // them every index-only scan (the scope's ranges, the search's covering index) reads the table.
    for (let i = 0; i < analyse.length; i++) {
      await sql`VACUUM (ANALYZE) ${sql.table(analyse[i]!)}`.execute(db);
      progress({ phase: 'vacuum', done: i + 1, total: analyse.length });
    }

    const counts: Record<string, number> = {
      streets: plan.streets.length, communities: plan.communities.length, grids: plan.grids.length,
      ...registry.counts,
      accounts: accounts.length + 1,
      ...generator.counts,
    };
    await writeAudit(db, { actorId: null, actorUsername: 'bench-data', ip: null }, {
      action: 'bench.generate', resourceType: 'unit', resourceId: plan.district.id, unitPath: plan.district.path,
      detail: { seed, residents, years, casesPerResident, now: now.toISOString(), ...counts },
    });
    const seconds = (performance.now() - started) / 1000;
    const rows = registryTables.building.rows + registryTables.entrance.rows + registryTables.household.rows + registryTables.resident.rows
      + registryTables.resident_tag.rows + registryTables.household_tag.rows + caseTables.cases.rows + caseTables.case_event.rows + caseTables.work_order.rows;
    counts.rows = rows;
    return {
      districtUnitId: plan.district.id,
      streets: plan.streets.map((s) => ({ id: s.id, path: s.path })),
      counts,
      seconds,
      rowsPerSecond: rows / seconds,
      accounts: accounts.filter((a) => a.active).map((a) => ({ username: a.username, role: a.role, unitId: a.unit.id, unitPath: a.unit.path })),
      password,
      dataKey: dataKey.toString('base64'),
    };
  } catch (e) {
    await Promise.all(copies.map((t) => t.abort()));
    if (tallyOff) await sql`ALTER TABLE cases ENABLE TRIGGER cases_tally`.execute(db).catch(() => {});
    throw e;
  } finally {
    await db.destroy();
  }
}
