import { sql, type SqlBool } from 'kysely';
import type { Executor } from '../../core/db/index.js';
import type { UnitRef } from './cases.queries.js';

/**
 * The stamp of what a unit's closed cases would teach: how many, and the last closing time. A case
 * closing (or reopening after a dissatisfied rating) changes it, so a model cached under the old
 * stamp is retrained — in every server process, since each reads the stamp from the database.
 * One query on the partial index of closed cases (migrations/0012_case_suggestions.sql).
 */
export async function closedStamp(db: Executor, path: string): Promise<{ count: number; last: Date | null }> {
  const row = await db.selectFrom('cases')
    .select([sql<string>`count(*)`.as('n'), sql<Date | null>`max(closed_at)`.as('last')])
    .where('state', '=', 'closed')
    .where(sql<SqlBool>`unit_path <@ ${path}::ltree`)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), last: row.last };
}

export interface TrainingRow {
  description: string;
  category_code: string;
  /** The assignee of the lead work order that finished the case (done), if any. */
  handler_kind: 'unit' | 'department' | null;
  handler_id: string | null;
  /** The handler was the very unit (grid) the case happened in. */
  handler_is_place: boolean;
}

/** The closed cases of a subtree to learn from, most recently closed first, at most `limit`. */
export async function trainingCases(db: Executor, path: string, limit: number): Promise<TrainingRow[]> {
  const rows = await sql<TrainingRow>`
    SELECT c.description, cat.code AS category_code, w.assignee_kind AS handler_kind,
           coalesce(w.assignee_unit_id, w.assignee_department_id)::text AS handler_id,
           coalesce(w.assignee_unit_id = c.unit_id, false) AS handler_is_place
    FROM cases c
    JOIN case_category cat ON cat.id = c.category_id
    LEFT JOIN LATERAL (
      SELECT assignee_kind, assignee_unit_id, assignee_department_id FROM work_order
      WHERE case_id = c.id AND lead AND state = 'done' ORDER BY id DESC LIMIT 1
    ) w ON true
    WHERE c.state = 'closed' AND c.unit_path <@ ${path}::ltree
    ORDER BY c.closed_at DESC, c.id DESC
    LIMIT ${limit}`.execute(db);
  return rows.rows;
}

/** The units a case handled at `handlingPath` may be dispatched to: its subtree, micro-grids excepted. */
export function dispatchableUnits(db: Executor, handlingPath: string): Promise<UnitRef[]> {
  return db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path', 'region_code'])
    .where(sql<SqlBool>`path <@ ${handlingPath}::ltree`)
    .where('level', '<>', 'microgrid')
    .orderBy(sql`nlevel(path)`).orderBy('code').orderBy('id')
    .execute();
}

/** A unit by its path (the caller's own unit). */
export function unitByPath(db: Executor, path: string): Promise<UnitRef | undefined> {
  return db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path', 'region_code'])
    .where(sql<SqlBool>`path = ${path}::ltree`).executeTakeFirst();
}

/** The active categories by code, with the level a case of them starts at. */
export async function activeCategories(db: Executor): Promise<Map<string, { id: string; name_zh: string; name_en: string; default_level: 'grid' | 'community' | 'street' }>> {
  const rows = await db.selectFrom('case_category').select(['id', 'code', 'name_zh', 'name_en', 'default_level']).where('is_active', '=', true).execute();
  return new Map(rows.map((r) => [r.code, r]));
}

/** The community, street and district above (or at) a place, from the top down. */
export function ancestorsOf(db: Executor, path: string): Promise<UnitRef[]> {
  return db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path', 'region_code'])
    .where(sql<SqlBool>`path @> ${path}::ltree`)
    .where('level', 'in', ['community', 'street', 'district'])
    .orderBy(sql`nlevel(path)`)
    .execute();
}
