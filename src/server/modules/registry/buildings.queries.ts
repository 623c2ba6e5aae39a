import { sql, type SqlBool, type Expression } from 'kysely';
import type { Executor, UnitLevel } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { pathWithin } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import type { BuildingListQuery } from '../../../shared/registry/buildings.schemas.js';
import { P } from './registry.policy.js';
import type { TagRow } from './tags.queries.js';

export interface UnitRow { id: string; path: string; region_code: string; name: string; level: UnitLevel; code: string }
export interface UnitRefRow { id: string; name: string; level: UnitLevel; code: string }

export interface BuildingRow {
  id: string;
  unit_id: string;
  unit_path: string;
  region_code: string;
  name: string;
  address: string | null;
  lng: number | null;
  lat: number | null;
  floors: number | null;
  building_type: string;
  created_at: Date;
  updated_at: Date;
  unit_name: string;
  unit_level: UnitLevel;
  unit_code: string;
  household_count: number;
  resident_count: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/** "3栋" before "10栋": the text before the first number, then the number, then the whole name. */
export const naturalOrder = (column: string) => [
  sql`substring(${sql.ref(column)} from '^[^0-9]*')`,
  sql`(substring(${sql.ref(column)} from '[0-9]{1,9}'))::int NULLS FIRST`,
  sql`${sql.ref(column)}`,
];

/** A unit by id, only inside the caller's readable scope. */
export function findUnitInScope(db: Executor, actor: Actor, id: string): Promise<UnitRow | undefined> {
  return db.selectFrom('unit').select(['id', 'path', 'region_code', 'name', 'level', 'code'])
    .where('id', '=', id).where(inScope(actor, P.read, 'unit.path')).executeTakeFirst();
}

/**
 * The grid and community above (or at) each of these unit paths, in one query: a building in a
 * micro-grid names the grid above it and the community above that.
 */
export async function placesOf(db: Executor, paths: string[]): Promise<(path: string) => { grid: UnitRefRow | null; community: UnitRefRow | null }> {
  const unique = [...new Set(paths)];
  const rows = unique.length === 0 ? [] : await db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path'])
    .where('level', 'in', ['grid', 'community'])
    .where(sql<SqlBool>`path @> ${unique}::ltree[]`).execute();
  const ref = (u: (typeof rows)[number]): UnitRefRow => ({ id: u.id, name: u.name, level: u.level, code: u.code });
  return (path) => {
    const grid = rows.find((u) => u.level === 'grid' && pathWithin(path, u.path));
    const community = rows.find((u) => u.level === 'community' && pathWithin(path, u.path));
    return { grid: grid ? ref(grid) : null, community: community ? ref(community) : null };
  };
}

function buildingsIn(db: Executor, actor: Actor) {
  return db.selectFrom('building')
    .innerJoin('unit', 'unit.id', 'building.unit_id')
    .where(inScope(actor, P.read, 'building.unit_path'));
}

const householdCount = sql<number>`(SELECT count(*)::int FROM household h WHERE h.building_id = building.id)`.as('household_count');
const residentCount = sql<number>`(SELECT count(*)::int FROM resident r JOIN household h ON h.id = r.household_id
  WHERE h.building_id = building.id AND r.status = 'active')`.as('resident_count');

const buildingColumns = [
  'building.id', 'building.unit_id', 'building.unit_path', 'building.region_code', 'building.name', 'building.address',
  'building.lng', 'building.lat', 'building.floors', 'building.building_type', 'building.created_at', 'building.updated_at',
  'unit.name as unit_name', 'unit.level as unit_level', 'unit.code as unit_code',
] as const;

/** A building by id, only inside the caller's readable scope; `lock` holds its row for the transaction. */
export function findBuildingInScope(db: Executor, actor: Actor, id: string, opts: { lock?: boolean } = {}): Promise<BuildingRow | undefined> {
  let q = buildingsIn(db, actor).select(buildingColumns).select([householdCount, residentCount]).where('building.id', '=', id);
  if (opts.lock) q = q.forUpdate('building');
  return q.executeTakeFirst();
}

/** A page of the buildings in scope (optionally under `subtree`), and how many match in all. */
export async function listBuildings(
  db: Executor, actor: Actor, f: BuildingListQuery, subtree: string | null,
): Promise<{ rows: BuildingRow[]; total: number }> {
  let base = buildingsIn(db, actor);
  if (subtree) base = base.where(sql<SqlBool>`building.unit_path <@ ${subtree}::ltree`);
  if (f.q) {
    const like = `%${escapeLike(f.q)}%`;
    base = base.where((eb) => eb.or([eb('building.name', 'ilike', like), eb('building.address', 'ilike', like)]));
  }
  let rows = base.select(buildingColumns).select([householdCount, residentCount]).orderBy('building.unit_path');
  for (const o of naturalOrder('building.name')) rows = rows.orderBy(o);
  const [items, count] = await Promise.all([
    rows.orderBy('building.id').limit(f.limit).offset(f.offset).execute(),
    base.select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows: items, total: Number(count.n) };
}

export async function buildingNameTaken(db: Executor, unitId: string, name: string, exceptId?: string): Promise<boolean> {
  let q = db.selectFrom('building').select('id').where('unit_id', '=', unitId).where('name', '=', name);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** Serialise the creation and renaming of buildings in one unit (names are unique per unit). */
export async function lockBuildingNames(db: Executor, unitId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('linli.building.unit'), hashtext(${unitId}))`.execute(db);
}

/** The highest floor on which a household of the building is recorded. */
export async function highestHouseholdFloor(db: Executor, buildingId: string): Promise<number | null> {
  const row = await db.selectFrom('household').select(sql<number | null>`max(floor)`.as('top'))
    .where('building_id', '=', buildingId).executeTakeFirst();
  return row?.top ?? null;
}

export interface EntranceRow { id: string; name: string; household_count: number }

/** The entrances of a building in natural order, with how many households each has. */
export function entrancesOf(db: Executor, buildingId: string): Promise<EntranceRow[]> {
  let q = db.selectFrom('entrance').select(['entrance.id', 'entrance.name'])
    .select(sql<number>`(SELECT count(*)::int FROM household h WHERE h.entrance_id = entrance.id)`.as('household_count'))
    .where('entrance.building_id', '=', buildingId);
  for (const o of naturalOrder('entrance.name')) q = q.orderBy(o);
  return q.orderBy('entrance.id').execute();
}

export async function entranceNameTaken(db: Executor, buildingId: string, name: string): Promise<boolean> {
  const row = await db.selectFrom('entrance').select('id').where('building_id', '=', buildingId).where('name', '=', name).executeTakeFirst();
  return row !== undefined;
}

export function findEntrance(db: Executor, id: string) {
  return db.selectFrom('entrance').select(['id', 'building_id', 'name']).where('id', '=', id).executeTakeFirst();
}

export interface HouseholdRow {
  id: string;
  building_id: string;
  entrance_id: string | null;
  unit_id: string;
  unit_path: string;
  room: string;
  floor: number | null;
  usage: string;
  created_at: Date;
  building_name: string;
  building_address: string | null;
  building_floors: number | null;
  entrance_name: string | null;
  unit_name: string;
  unit_level: UnitLevel;
  unit_code: string;
}

/** A household by id, only inside the caller's readable scope; `lock` holds its row for the transaction. */
export function findHouseholdInScope(db: Executor, actor: Actor, id: string, opts: { lock?: boolean } = {}): Promise<HouseholdRow | undefined> {
  let q = db.selectFrom('household')
    .innerJoin('building', 'building.id', 'household.building_id')
    .innerJoin('unit', 'unit.id', 'household.unit_id')
    .leftJoin('entrance', 'entrance.id', 'household.entrance_id')
    .select([
      'household.id', 'household.building_id', 'household.entrance_id', 'household.unit_id', 'household.unit_path',
      'household.room', 'household.floor', 'household.usage', 'household.created_at',
      'building.name as building_name', 'building.address as building_address', 'building.floors as building_floors',
      'entrance.name as entrance_name', 'unit.name as unit_name', 'unit.level as unit_level', 'unit.code as unit_code',
    ])
    .where('household.id', '=', id)
    .where(inScope(actor, P.read, 'household.unit_path'));
  if (opts.lock) q = q.forUpdate('household');
  return q.executeTakeFirst();
}

/** Is this room already recorded in the building, in the same entrance (or, both without one)? */
export async function roomTaken(db: Executor, buildingId: string, entranceId: string | null, room: string, exceptId?: string): Promise<boolean> {
  let q = db.selectFrom('household').select('id').where('building_id', '=', buildingId).where('room', '=', room)
    .where(sql<SqlBool>`entrance_id IS NOT DISTINCT FROM ${entranceId}::bigint`);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

export interface ViewHouseholdRow {
  id: string;
  entrance_id: string | null;
  unit_path: string;
  room: string;
  floor: number | null;
  usage: string;
  member_count: number;
}

/** Every household of a building in the caller's scope, with how many active residents each has. */
export async function householdsOfBuilding(db: Executor, actor: Actor, buildingId: string): Promise<ViewHouseholdRow[]> {
  let q = db.selectFrom('household')
    .select(['household.id', 'household.entrance_id', 'household.unit_path', 'household.room', 'household.floor', 'household.usage'])
    .select(sql<number>`(SELECT count(*)::int FROM resident r WHERE r.household_id = household.id AND r.status = 'active')`.as('member_count'))
    .where('household.building_id', '=', buildingId)
    .where(inScope(actor, P.read, 'household.unit_path'));
  for (const o of naturalOrder('household.room')) q = q.orderBy(o);
  return q.orderBy('household.id').execute();
}

/**
 * The tags a household shows in the building view: its own, and those of its active residents that
 * lie in the caller's scope, once each, in catalogue order. One query for all the households.
 */
export async function cellTagsOf(db: Executor, actor: Actor, householdIds: string[]): Promise<Map<string, TagRow[]>> {
  const out = new Map<string, TagRow[]>();
  if (householdIds.length === 0) return out;
  const residentScope: Expression<SqlBool> = inScope(actor, P.read, 'r.unit_path');
  const rows = await sql<TagRow & { owner: string }>`
    SELECT DISTINCT x.owner, t.id::text AS id, t.code, t.name_zh, t.name_en, t.color, t.sensitive, t.applies_to, t.sort_order
    FROM (
      SELECT ht.household_id AS owner, ht.tag_id FROM household_tag ht WHERE ht.household_id = ANY(${householdIds}::bigint[])
      UNION
      SELECT r.household_id AS owner, rt.tag_id FROM resident r JOIN resident_tag rt ON rt.resident_id = r.id
      WHERE r.household_id = ANY(${householdIds}::bigint[]) AND r.status = 'active' AND ${residentScope}
    ) x JOIN care_tag t ON t.id = x.tag_id
    WHERE t.is_active
    ORDER BY x.owner, t.sort_order, id`.execute(db);
  for (const r of rows.rows) {
    const owner = String(r.owner);
    const list = out.get(owner) ?? [];
    list.push(r);
    out.set(owner, list);
  }
  return out;
}

export interface MemberRow {
  id: string;
  unit_path: string;
  name: string;
  gender: 'male' | 'female' | null;
  birth_date: string | null;
  relation: string | null;
  status: 'active' | 'moved_out' | 'deceased';
  deceased_on: string | null;
}

/** The residents recorded in a household (in the caller's scope): active ones first, then by name. */
export function membersOf(db: Executor, actor: Actor, householdId: string): Promise<MemberRow[]> {
  return db.selectFrom('resident')
    .select(['id', 'unit_path', 'name', 'gender', 'birth_date', 'relation', 'status', 'deceased_on'])
    .where('household_id', '=', householdId)
    .where(inScope(actor, P.read, 'resident.unit_path'))
    .orderBy(sql`status <> 'active'`)
    .orderBy(sql`relation IS DISTINCT FROM 'head'`)
    .orderBy('birth_date')
    .orderBy('id')
    .execute();
}
