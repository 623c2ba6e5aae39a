import type { AppContext } from '../../core/context.js';
import type { Actor } from '../../core/access/actor.js';
import { AppError, invalid } from '../../core/http/errors.js';
import type { UnitLevel } from '../../core/db/index.js';
import type { Locale } from '../../../shared/i18n/index.js';
import { beijingDate } from '../../../shared/dates.js';
import type * as S from '../../../shared/cockpit.schemas.js';
import { bounds, daysBetween, periodsOf, ratio, yearToDate } from './cockpit.periods.js';
import * as Q from './cockpit.queries.js';

/** The longest period the cockpit answers (a few years of a district). */
export const MAX_DAYS = 3 * 366;

const num = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
const hours = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100);

/** The figures of one period from its 'total' row (all zero when it had no cases). */
export function figuresOf(row: Q.FigureRow | undefined): S.CockpitFigures {
  const total = num(row?.n);
  const rejected = num(row?.rejected);
  const merged = num(row?.merged);
  const closed = num(row?.closed);
  const responseCounted = num(row?.response_counted);
  const respondedOnTime = num(row?.responded_on_time);
  const rated = num(row?.rated);
  const satisfiedOrBasic = num(row?.satisfied_or_basic);
  const closedOnTime = num(row?.closed_on_time);
  return {
    total, open: num(row?.open), closed, rejected, merged,
    overdue: num(row?.overdue), overdueOpen: num(row?.overdue_open),
    responseCounted, respondedOnTime, responseUnknown: num(row?.response_unknown),
    responseRate: ratio(respondedOnTime, responseCounted),
    resolutionRate: ratio(closed, total - rejected - merged),
    rated, satisfiedOrBasic, satisfactionRate: ratio(satisfiedOrBasic, rated),
    closedOnTime, onTimeRate: ratio(closedOnTime, closed),
    meanHoursToClose: hours(row?.mean_close_h), medianHoursToClose: hours(row?.median_close_h),
  };
}

type Category = Awaited<ReturnType<typeof Q.topCategories>>[number];
type Grid = Awaited<ReturnType<typeof Q.gridsUnder>>[number];

/** Turn the figure rows into the summary's parts (pure: the reference query's rows give the same). */
export function assemble(rows: Q.FigureRow[], categories: Category[], grids: Grid[], locale: Locale) {
  const of = (kind: Q.FigureRow['kind'], period: Q.FigureRow['period']) => rows.filter((r) => r.kind === kind && r.period === period);
  const totals = (p: Q.FigureRow['period']) => figuresOf(of('total', p)[0]);

  const byTop = new Map<string, { total: number; open: number; closed: number; rejected: number; merged: number }>();
  for (const r of of('category', 'cur')) {
    const e = byTop.get(r.k1!) ?? { total: 0, open: 0, closed: 0, rejected: 0, merged: 0 };
    e[r.k2 as 'open' | 'closed' | 'rejected' | 'merged'] += num(r.n);
    e.total += num(r.n);
    byTop.set(r.k1!, e);
  }
  const byCategory = categories.filter((c) => byTop.has(c.id)).map((c) => ({
    code: c.code, name: locale === 'en' ? c.name_en : c.name_zh, ...byTop.get(c.id)!,
  }));

  const bySource = of('source', 'cur').map((r) => ({ source: r.k1!, count: num(r.n) }))
    .sort((a, b) => b.count - a.count || a.source.localeCompare(b.source));

  const lastYear = new Map(of('month', 'yoy').map((r) => [r.k1!, num(r.n)]));
  const thisYear = new Map(of('month', 'cur').map((r) => [r.k1!, num(r.n)]));
  const shift = (month: string) => `${Number(month.slice(0, 4)) + 1}${month.slice(4)}`;
  const months = new Set([...thisYear.keys(), ...[...lastYear.keys()].map(shift)]);
  const back = (month: string) => `${Number(month.slice(0, 4)) - 1}${month.slice(4)}`;
  const byMonth = [...months].sort().map((m) => ({ month: m, count: thisYear.get(m) ?? 0, lastYear: lastYear.get(back(m)) ?? 0 }));

  const perUnit = new Map(of('unit', 'cur').map((r) => [r.k1!, { count: num(r.n), overdue: num(r.overdue) }]));
  const gridIds = new Set(grids.map((g) => g.id));
  const outsideGrids = [...perUnit].filter(([id]) => !gridIds.has(id)).reduce((s, [, v]) => s + v.count, 0);
  return {
    current: totals('cur'), yoy: totals('yoy'), mom: totals('mom'),
    byCategory, bySource, byMonth,
    grids: grids.map((g) => ({ id: g.id, name: g.name, count: perUnit.get(g.id)?.count ?? 0, overdue: perUnit.get(g.id)?.overdue ?? 0, boundary: g.boundary ?? null })),
    outsideGrids,
  };
}

/**
 * The cockpit of a subtree for a period of Beijing days (inclusive): the figures of the cases reported
 * in it, the same a year earlier and for the period before. 404 for a unit outside the caller's scope.
 */
export async function summary(ctx: AppContext, actor: Actor, q: S.CockpitQuery, locale: Locale): Promise<S.CockpitSummary> {
  const now = ctx.clock.now();
  const ytd = yearToDate(beijingDate(now));
  const from = q.from ?? (q.to && q.to < ytd.from ? `${q.to.slice(0, 4)}-01-01` : ytd.from);
  const to = q.to ?? (from > ytd.to ? from : ytd.to);
  if (to < from) throw invalid('to', 'cockpit.period_order');
  if (daysBetween(from, to) + 1 > MAX_DAYS) throw invalid('to', 'cockpit.period_too_long', { days: MAX_DAYS });
  const unit = await Q.unitFor(ctx.db, actor, q.unitId);
  if (!unit) throw new AppError(404, 'not_found', 'cockpit.unit_not_found', undefined, 'unitId');

  const periods = periodsOf(from, to);
  const b: Q.Bounds = { cur: bounds(periods.current), yoy: bounds(periods.yoy), mom: bounds(periods.mom) };
  const [rows, categories, grids] = await Promise.all([
    Q.figures(ctx.db, actor, unit.path, b),
    Q.topCategories(ctx.db),
    Q.gridsUnder(ctx.db, actor, unit.path),
  ]);
  return {
    unit: { id: unit.id, name: unit.name, level: unit.level as UnitLevel, code: unit.code },
    period: periods.current, yoyPeriod: periods.yoy, momPeriod: periods.mom,
    ...assemble(rows, categories, grids, locale),
    computedAt: now.toISOString(),
  };
}
