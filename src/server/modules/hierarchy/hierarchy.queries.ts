import { sql } from 'kysely';
import type { Executor, Unit } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import type { UnitLevel } from '../../../shared/roles.js';
import { P } from './hierarchy.policy.js';

export type UnitRow = Unit & { child_count: number };

const childCount = sql<number>`(SELECT count(*)::int FROM unit c WHERE c.parent_id = unit.id)`.as('child_count');

/** A unit by id, only if it lies in the caller's readable scope. */
export function findUnitInScope(db: Executor, actor: Actor, id: string): Promise<UnitRow | undefined> {
  return db.selectFrom('unit').selectAll().select(childCount)
    .where('id', '=', id).where(inScope(actor, P.read, 'unit.path')).executeTakeFirst();
}

/** The units at the roots of the caller's scope. */
export function scopeRoots(db: Executor, actor: Actor): Promise<UnitRow[]> {
  const roots = actor.scopesFor(P.read);
  if (roots.length === 0) return Promise.resolve([]);
  return db.selectFrom('unit').selectAll().select(childCount)
    .where(sql<boolean>`path = ANY(${roots}::ltree[])`).orderBy('code').execute();
}

export function children(db: Executor, actor: Actor, parentId: string): Promise<UnitRow[]> {
  return db.selectFrom('unit').selectAll().select(childCount)
    .where('parent_id', '=', parentId).where(inScope(actor, P.read, 'unit.path'))
    .orderBy('code').execute();
}

export function searchUnits(db: Executor, actor: Actor, q: { q?: string; level?: UnitLevel; limit: number }): Promise<UnitRow[]> {
  let query = db.selectFrom('unit').selectAll().select(childCount).where(inScope(actor, P.read, 'unit.path'));
  if (q.q) {
    const like = `%${q.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    // Only a query with digits can be a code prefix (an empty prefix would match every unit).
    const digits = q.q.replace(/\D/g, '');
    query = query.where((eb) => (digits ? eb.or([eb('name', 'ilike', like), eb('code', 'like', `${digits}%`)]) : eb('name', 'ilike', like)));
  }
  if (q.level) query = query.where('level', '=', q.level);
  return query.orderBy(sql`nlevel(path)`).orderBy('code').limit(q.limit).execute();
}

/** The ancestors of a path that lie in the caller's scope, top down (excluding the unit itself). */
export function ancestorsInScope(db: Executor, actor: Actor, path: string) {
  return db.selectFrom('unit').select(['id', 'name', 'level', 'code'])
    .where(sql<boolean>`path @> ${path}::ltree`).where(sql<boolean>`path <> ${path}::ltree`)
    .where(inScope(actor, P.read, 'unit.path'))
    .orderBy(sql`nlevel(path)`).execute();
}

/** Tables that hang records on the tree: every table with both unit_id and unit_path, except unit itself. */
export async function scopedTables(db: Executor): Promise<string[]> {
  const rows = await sql<{ table_name: string }>`
    SELECT c.table_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = current_schema() AND c.column_name IN ('unit_id', 'unit_path') AND c.table_name <> 'unit'
    GROUP BY c.table_name HAVING count(*) = 2 ORDER BY c.table_name`.execute(db);
  return rows.rows.map((r) => r.table_name);
}

export async function subtreeStats(db: Executor, path: string) {
  const count = async (table: 'building' | 'household' | 'resident' | 'app_user') =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE unit_path <@ ${path}::ltree`.execute(db)).rows[0]?.n ?? 0);
  const descendants = Number((await sql<{ n: string }>`SELECT count(*) - 1 AS n FROM unit WHERE path <@ ${path}::ltree`.execute(db)).rows[0]?.n ?? 0);
  const [buildings, households, residents, users] = await Promise.all([count('building'), count('household'), count('resident'), count('app_user')]);
  return { descendants, buildings, households, residents, users };
}

/** Units with a boundary whose bounding box holds the point (the candidates for point-in-polygon). */
export function unitsWhoseBoxHolds(db: Executor, lng: number, lat: number, levels: UnitLevel[]) {
  return db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path', 'region_code', 'boundary'])
    .where('level', 'in', levels)
    .where(sql<boolean>`bbox IS NOT NULL AND bbox[1] <= ${lng} AND bbox[3] >= ${lng} AND bbox[2] <= ${lat} AND bbox[4] >= ${lat}`)
    .execute();
}
