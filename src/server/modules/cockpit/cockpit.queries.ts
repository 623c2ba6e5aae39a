import { sql, type SqlBool } from 'kysely';
import type { Executor } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope, inSubtree } from '../../core/access/scope.js';
import type { Boundary } from '../../../shared/hierarchy.schemas.js';
import { P } from './cockpit.policy.js';

/**
 * One row of the figures: kind 'total' (per period, with the parts of every rate), 'category'
 * (top-level category id × state group), 'source', 'month' (Beijing "YYYY-MM", cur and yoy) or
 * 'unit' (the case's unit). The same rows, column for column, as bench/cockpit-reference.sql.
 */
export interface FigureRow {
  kind: 'total' | 'category' | 'source' | 'month' | 'unit';
  period: 'cur' | 'yoy' | 'mom';
  k1: string | null;
  k2: string | null;
  n: string;
  overdue: string;
  open: string | null;
  closed: string | null;
  rejected: string | null;
  merged: string | null;
  response_counted: string | null;
  responded_on_time: string | null;
  response_unknown: string | null;
  closed_on_time: string | null;
  rated: string | null;
  satisfied_or_basic: string | null;
  overdue_open: string | null;
  mean_close_h: number | string | null;
  median_close_h: number | string | null;
}

export type Bounds = Record<'cur' | 'yoy' | 'mom', [Date, Date]>;

const NONE = sql`NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`;

/**
 * The cockpit's figures in one statement: the subtree's cases reported in any of the three periods,
 * read once (a range of cases_cockpit_idx: inSubtree writes the subtree as a range of the ltree
 * order), then counted with FILTER aggregates.
 */
export async function figures(db: Executor, actor: Actor, path: string, b: Bounds): Promise<FigureRow[]> {
  const lo = new Date(Math.min(b.cur[0].getTime(), b.yoy[0].getTime(), b.mom[0].getTime()));
  const hi = new Date(Math.max(b.cur[1].getTime(), b.yoy[1].getTime(), b.mom[1].getTime()));
  const { rows } = await sql<FigureRow>`
    WITH r AS MATERIALIZED (
      SELECT p.period, c.source, c.unit_id, c.was_overdue,
             CASE WHEN c.state IN ('closed', 'rejected', 'merged') THEN c.state ELSE 'open' END AS state_group,
             COALESCE(k.parent_id, k.id) AS top_id,
             date_trunc('month', c.created_at AT TIME ZONE 'Asia/Shanghai') AS month,
             c.state <> 'merged' AND c.response_deadline IS NOT NULL AS response_known,
             c.state <> 'merged' AND c.responded_at <= c.response_deadline AS responded_on_time,
             c.rating IS NOT NULL AS rated,
             c.rating IN ('satisfied', 'basic') AS satisfied_or_basic,
             c.overdue_level = 'red' AS red,
             extract(epoch FROM c.closed_at - c.created_at) / 3600 AS hours
      FROM cases c
      CROSS JOIN LATERAL unnest(ARRAY[
        CASE WHEN c.created_at >= ${b.cur[0]}::timestamptz AND c.created_at < ${b.cur[1]}::timestamptz THEN 'cur' END,
        CASE WHEN c.created_at >= ${b.yoy[0]}::timestamptz AND c.created_at < ${b.yoy[1]}::timestamptz THEN 'yoy' END,
        CASE WHEN c.created_at >= ${b.mom[0]}::timestamptz AND c.created_at < ${b.mom[1]}::timestamptz THEN 'mom' END]) AS p(period)
      JOIN case_category k ON k.id = c.category_id
      WHERE ${inSubtree('c.unit_path', path)}
        AND c.created_at >= ${lo} AND c.created_at < ${hi}
        AND ${inScope(actor, P.read, 'c.unit_path')} AND p.period IS NOT NULL
    )
    SELECT 'total' AS kind, p.period, NULL::text AS k1, NULL::text AS k2, t.*
    FROM (VALUES ('cur'), ('yoy'), ('mom')) AS p(period)
    CROSS JOIN LATERAL (SELECT count(*) AS n,
           count(*) FILTER (WHERE was_overdue) AS overdue,
           count(*) FILTER (WHERE state_group = 'open') AS open,
           count(*) FILTER (WHERE state_group = 'closed') AS closed,
           count(*) FILTER (WHERE state_group = 'rejected') AS rejected,
           count(*) FILTER (WHERE state_group = 'merged') AS merged,
           count(*) FILTER (WHERE response_known) AS response_counted,
           count(*) FILTER (WHERE response_known AND responded_on_time) AS responded_on_time,
           count(*) FILTER (WHERE state_group <> 'merged' AND NOT response_known) AS response_unknown,
           count(*) FILTER (WHERE state_group = 'closed' AND NOT was_overdue) AS closed_on_time,
           count(*) FILTER (WHERE rated) AS rated,
           count(*) FILTER (WHERE satisfied_or_basic) AS satisfied_or_basic,
           count(*) FILTER (WHERE state_group = 'open' AND red) AS overdue_open,
           avg(hours) FILTER (WHERE state_group = 'closed') AS mean_close_h,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE state_group = 'closed') AS median_close_h
      FROM r WHERE r.period = p.period) t
    UNION ALL
    SELECT 'category', period, top_id::text, state_group, count(*), count(*) FILTER (WHERE was_overdue), ${NONE}
    FROM r WHERE period = 'cur' GROUP BY period, top_id, state_group
    UNION ALL
    SELECT 'source', period, source, NULL, count(*), count(*) FILTER (WHERE was_overdue), ${NONE}
    FROM r WHERE period = 'cur' GROUP BY period, source
    UNION ALL
    SELECT 'month', period, to_char(month, 'YYYY-MM'), NULL, count(*), count(*) FILTER (WHERE was_overdue), ${NONE}
    FROM r WHERE period IN ('cur', 'yoy') GROUP BY period, month
    UNION ALL
    SELECT 'unit', period, unit_id::text, NULL, count(*), count(*) FILTER (WHERE was_overdue), ${NONE}
    FROM r WHERE period = 'cur' GROUP BY period, unit_id`.execute(db);
  return rows;
}

/** A unit the caller reads the cockpit of: by id within their scope, or the first root of their scope. */
export async function unitFor(db: Executor, actor: Actor, unitId: string | undefined) {
  let q = db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path']).where(inScope(actor, P.read, 'path'));
  if (unitId) q = q.where('id', '=', unitId);
  else q = q.where('path', 'in', actor.scopesFor(P.read).length ? actor.scopesFor(P.read) : ['']).orderBy(sql`nlevel(path)`).orderBy('id');
  return q.limit(1).executeTakeFirst();
}

/** The grids of a subtree with their boundaries (the map), in code order. */
export async function gridsUnder(db: Executor, actor: Actor, path: string) {
  return db.selectFrom('unit').select(['id', 'name', 'code', 'path', 'boundary'])
    .where('level', '=', 'grid').where(sql<SqlBool>`path <@ ${path}::ltree`).where(inScope(actor, P.read, 'path'))
    .orderBy('code').orderBy('id').execute() as Promise<{ id: string; name: string; code: string; path: string; boundary: Boundary | null }[]>;
}

/** The top-level categories (for names), in their order. */
export async function topCategories(db: Executor) {
  return db.selectFrom('case_category').select(['id', 'code', 'name_zh', 'name_en', 'sort_order'])
    .where('parent_id', 'is', null).orderBy('sort_order').orderBy('id').execute();
}
