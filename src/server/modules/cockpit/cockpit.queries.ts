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

/** The 'total' row of a period without cases, as the statement would count it. */
function emptyTotal(period: FigureRow['period']): FigureRow {
  return {
    kind: 'total', period, k1: null, k2: null, n: '0', overdue: '0', open: '0', closed: '0', rejected: '0', merged: '0',
    response_counted: '0', responded_on_time: '0', response_unknown: '0', closed_on_time: '0', rated: '0',
    satisfied_or_basic: '0', overdue_open: '0', mean_close_h: null, median_close_h: null,
  };
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
  // A year's previous period is the year before: its cases are read once, as 'yoy', and their
  // totals copied to 'mom' (otherwise every case of that year was read, and counted, twice).
  const momIsYoy = b.mom[0].getTime() === b.yoy[0].getTime() && b.mom[1].getTime() === b.yoy[1].getTime();
  const mom: [Date, Date] = momIsYoy ? [lo, lo] : b.mom;
  const inPeriod = (p: [Date, Date]) => sql`c.created_at >= ${p[0]}::timestamptz AND c.created_at < ${p[1]}::timestamptz`;
  // Each case in the periods it falls in: one when they do not overlap (a year, a month …), read as
  // one CASE; a period longer than a year overlaps its 同比, and a case is then counted in both.
  const apart = (x: [Date, Date], y: [Date, Date]) => x[1] <= y[0] || y[1] <= x[0];
  const periods = apart(b.cur, b.yoy) && apart(b.cur, mom) && apart(b.yoy, mom)
    ? sql`(SELECT CASE WHEN ${inPeriod(b.cur)} THEN 'cur' WHEN ${inPeriod(b.yoy)} THEN 'yoy' WHEN ${inPeriod(mom)} THEN 'mom' END) AS p(period)`
    : sql`unnest(ARRAY[CASE WHEN ${inPeriod(b.cur)} THEN 'cur' END, CASE WHEN ${inPeriod(b.yoy)} THEN 'yoy' END,
        CASE WHEN ${inPeriod(mom)} THEN 'mom' END]) AS p(period)`;
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
      CROSS JOIN LATERAL ${periods}
      JOIN case_category k ON k.id = c.category_id
      WHERE ${inSubtree('c.unit_path', path)}
        AND c.created_at >= ${lo} AND c.created_at < ${hi}
        AND ${inScope(actor, P.read, 'c.unit_path')} AND p.period IS NOT NULL
    )
    SELECT 'total' AS kind, period, NULL::text AS k1, NULL::text AS k2, count(*) AS n,
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
    FROM r GROUP BY period
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
  const totalOf = (period: FigureRow['period']) => rows.find((r) => r.kind === 'total' && r.period === period);
  for (const period of ['cur', 'yoy', 'mom'] as const) {
    if (totalOf(period)) continue;
    const copied = momIsYoy && period === 'mom' ? totalOf('yoy') : undefined;
    rows.push(copied ? { ...copied, period } : emptyTotal(period));
  }
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
