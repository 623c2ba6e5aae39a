import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Executor } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope, inSubtree } from '../../core/access/scope.js';
import type { Boundary } from '../../../shared/hierarchy.schemas.js';
import { P } from './cockpit.policy.js';
import { wholeMonths } from './cockpit.periods.js';

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
 * The cockpit's figures, in two statements side by side. The subtree's units are found by path; each
 * period's whole Beijing months are read from the tally (case_tally, case_tally_source —
 * migrations/0023: the units' rows by id and month); its ragged ends (year to date, a week) from the
 * cases themselves, counted with the same case_tally_part; the median close time, not a sum, from the
 * closed cases (cases_closed_time_idx).
 */
export async function figures(db: Executor, actor: Actor, path: string, b: Bounds): Promise<FigureRow[]> {
  // A year's previous period is the year before: it is read once, as 'yoy', and its totals copied
  // to 'mom'.
  const momIsYoy = b.mom[0].getTime() === b.yoy[0].getTime() && b.mom[1].getTime() === b.yoy[1].getTime();
  const periods = (momIsYoy ? ['cur', 'yoy'] : ['cur', 'yoy', 'mom']) as FigureRow['period'][];
  const split = periods.map((period) => ({ period, ...wholeMonths(b[period]) }));
  // A period longer than a year overlaps its 同比: a month, or a case, in both is counted in both.
  const months = split.flatMap((s) => (s.months ? [sql`(${s.period}, ${s.months[0]}::date, ${s.months[1]}::date)`] : []));
  const ends = split.flatMap((s) => s.ends.map(([from, to]) => ({ period: s.period, from, to })));
  // Each end its own index ranges, one per unit by path (cases_cockpit_idx): a range of the
  // subtree's paths would read all its years and filter the days out, a join with the list of ends
  // their whole envelope.
  const fromEnds = (select: RawBuilder<unknown>) => sql.join(ends.map((e) => sql`
    SELECT ${e.period} AS period, ${select} FROM cases c
    CROSS JOIN LATERAL case_tally_part(c.unit_id, c.created_at, c.category_id, c.state, c.was_overdue,
      c.response_deadline, c.responded_at, c.rating, c.overdue_level, c.closed_at) AS x
    WHERE c.unit_path IN (SELECT path FROM units) AND c.created_at >= ${e.from}::timestamptz AND c.created_at < ${e.to}::timestamptz
      AND ${inScope(actor, P.read, 'c.unit_path')}`), sql` UNION ALL `);
  const monthsLo = split.reduce((lo, s) => (s.months && s.months[0] < lo ? s.months[0] : lo), '9999-12-31');
  const monthsHi = split.reduce((hi, s) => (s.months && s.months[1] > hi ? s.months[1] : hi), '0000-01-01');
  // The envelope of the months bounds each unit's index range (the join with the periods does not).
  const fromMonths = (select: RawBuilder<unknown>, table: RawBuilder<unknown>) => sql`
    SELECT p.period, ${select} FROM (VALUES ${sql.join(months)}) AS p(period, m_from, m_to)
    JOIN ${table} t ON t.month >= p.m_from AND t.month < p.m_to
    WHERE t.unit_id IN (SELECT id FROM units) AND t.month >= ${monthsLo}::date AND t.month < ${monthsHi}::date AND t.n <> 0`;
  const union = (...parts: (RawBuilder<unknown> | false)[]) => sql.join(parts.filter((x): x is RawBuilder<unknown> => x !== false), sql` UNION ALL `);
  const FACTS = sql`unit_id, month, top_category_id, state_group, n, overdue, response_counted, responded_on_time,
    response_unknown, closed_on_time, rated, satisfied_or_basic, overdue_open, close_us, close_n`;
  // The tally's rows and its changes not folded in yet (migrations/0023): summed below like the rest.
  const facts = union(
    months.length > 0 && fromMonths(sql`t.*`, sql`case_tally`),
    months.length > 0 && fromMonths(sql`t.*`, sql`case_tally_change`),
    ends.length > 0 && fromEnds(sql`x.*`),
  );
  const sources = union(
    months.length > 0 && fromMonths(sql`t.source, t.n, t.overdue`, sql`case_tally_source`),
    months.length > 0 && fromMonths(sql`t.source, t.n, t.overdue`, sql`case_tally_source_change`),
    ends.length > 0 && fromEnds(sql`c.source, 1, x.overdue`),
  );
  const median = sql.join(periods.map((p) => sql`
    SELECT ${p} AS period, percentile_cont(0.5) WITHIN GROUP (ORDER BY date_part('epoch', c.closed_at - c.created_at) / 3600) AS h
    FROM cases c WHERE c.state = 'closed' AND c.unit_id IN (SELECT id FROM units)
      AND c.created_at >= ${b[p][0]}::timestamptz AND c.created_at < ${b[p][1]}::timestamptz`), sql` UNION ALL `);
  const sum = (column: string, where?: RawBuilder<unknown>) =>
    where ? sql`COALESCE(sum(${sql.ref(column)}) FILTER (WHERE ${where}), 0)` : sql`COALESCE(sum(${sql.ref(column)}), 0)`;
  const units = sql`units AS MATERIALIZED (
      SELECT u.id, u.path FROM unit u WHERE ${inSubtree('u.path', path)} AND ${inScope(actor, P.read, 'u.path')})`;
  // The medians sort every closed case of the periods: a statement of their own, beside the counts
  // (two connections, two cores: the request waits for the longer, not for both).
  const [{ rows }, { rows: medians }] = await Promise.all([sql<FigureRow>`
    WITH ${units}, f(period, ${FACTS}) AS MATERIALIZED (${facts}),
    s(period, source, n, overdue) AS (${sources})
    SELECT 'total' AS kind, f.period, NULL::text AS k1, NULL::text AS k2, ${sum('n')} AS n, ${sum('overdue')} AS overdue,
           ${sum('n', sql`state_group = 'open'`)} AS open, ${sum('n', sql`state_group = 'closed'`)} AS closed,
           ${sum('n', sql`state_group = 'rejected'`)} AS rejected, ${sum('n', sql`state_group = 'merged'`)} AS merged,
           ${sum('response_counted')} AS response_counted, ${sum('responded_on_time')} AS responded_on_time,
           ${sum('response_unknown')} AS response_unknown, ${sum('closed_on_time')} AS closed_on_time,
           ${sum('rated')} AS rated, ${sum('satisfied_or_basic')} AS satisfied_or_basic, ${sum('overdue_open')} AS overdue_open,
           sum(close_us) / NULLIF(sum(close_n), 0) / 3600000000.0 AS mean_close_h, NULL::float8 AS median_close_h
    FROM f GROUP BY f.period HAVING sum(n) > 0
    UNION ALL
    SELECT 'category', period, top_category_id::text, state_group, sum(n), sum(overdue), ${NONE}
    FROM f WHERE period = 'cur' GROUP BY period, top_category_id, state_group HAVING sum(n) > 0
    UNION ALL
    SELECT 'source', period, source, NULL, sum(n), sum(overdue), ${NONE}
    FROM s WHERE period = 'cur' GROUP BY period, source HAVING sum(n) > 0
    UNION ALL
    SELECT 'month', period, to_char(month, 'YYYY-MM'), NULL, sum(n), sum(overdue), ${NONE}
    FROM f WHERE period IN ('cur', 'yoy') GROUP BY period, month HAVING sum(n) > 0
    UNION ALL
    SELECT 'unit', period, unit_id::text, NULL, sum(n), sum(overdue), ${NONE}
    FROM f WHERE period = 'cur' GROUP BY period, unit_id HAVING sum(n) > 0`.execute(db),
  sql<{ period: FigureRow['period']; h: number | null }>`WITH ${units} ${median}`.execute(db)]);
  const totalOf = (period: FigureRow['period']) => rows.find((r) => r.kind === 'total' && r.period === period);
  for (const m of medians) {
    const total = totalOf(m.period);
    if (total) total.median_close_h = m.h;
  }
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
