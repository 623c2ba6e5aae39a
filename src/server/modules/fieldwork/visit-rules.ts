import { pathWithin } from '../../core/access/actor.js';
import { beijingDate } from '../../../shared/dates.js';

/**
 * Visit rules (走访频次), pure: which rules apply to a household, the strictest interval, the next due
 * date and whether the household is overdue. Dates are Beijing calendar dates ("YYYY-MM-DD"): a visit
 * due on a day may be made any time that day.
 */

export interface VisitRule {
  id: string;
  name: string;
  kind: 'tag' | 'all_households' | 'daily_quota';
  tagCode: string | null;
  intervalDays: number | null;
  perDay: number | null;
  unitPath: string;
  active: boolean;
}

export interface HouseholdFacts {
  id: string;
  unitPath: string;
  /** Care tag codes of the household and of its active residents. */
  tags: readonly string[];
  lastVisitAt: Date | null;
}

export type VisitState = 'none' | 'ok' | 'due' | 'overdue';

export interface VisitStatus {
  /** The strictest interval among the rules that apply; null when none applies. */
  intervalDays: number | null;
  /** The rules that set that interval (ties all listed), ids. */
  ruleIds: string[];
  lastVisitAt: Date | null;
  /** Beijing date the next visit is due; today when never visited; null without a rule. */
  nextDueDate: string | null;
  state: VisitState;
  /** Whole days past the due date (0 when not overdue). */
  daysOverdue: number;
  /** Does a care-tag rule apply (a special household, 特殊家庭)? */
  special: boolean;
}

const DAY_MS = 86_400_000;

/** Add days to a "YYYY-MM-DD" date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` ("YYYY-MM-DD"). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** The rules in force where a unit lies: active, and set at the unit or one of its ancestors. */
export function rulesAt(unitPath: string, rules: readonly VisitRule[]): VisitRule[] {
  return rules.filter((r) => r.active && pathWithin(unitPath, r.unitPath));
}

/** The interval rules that apply to a household: every all-households rule, and tag rules it matches. */
export function rulesFor(h: Pick<HouseholdFacts, 'unitPath' | 'tags'>, rules: readonly VisitRule[]): VisitRule[] {
  return rulesAt(h.unitPath, rules).filter((r) =>
    (r.kind === 'all_households' && r.intervalDays !== null)
    || (r.kind === 'tag' && r.intervalDays !== null && r.tagCode !== null && h.tags.includes(r.tagCode)));
}

/** The daily quota in force at a unit: the largest per_day among the quota rules there (null without one). */
export function dailyQuota(unitPath: string, rules: readonly VisitRule[]): number | null {
  const quotas = rulesAt(unitPath, rules).filter((r) => r.kind === 'daily_quota' && r.perDay !== null).map((r) => r.perDay!);
  return quotas.length ? Math.max(...quotas) : null;
}

/** Where a household stands on `now`: strictest interval, next due date (last visit + interval), state. */
export function visitStatus(h: HouseholdFacts, rules: readonly VisitRule[], now: Date): VisitStatus {
  const applying = rulesFor(h, rules);
  const special = applying.some((r) => r.kind === 'tag');
  if (applying.length === 0) {
    return { intervalDays: null, ruleIds: [], lastVisitAt: h.lastVisitAt, nextDueDate: null, state: 'none', daysOverdue: 0, special };
  }
  const intervalDays = Math.min(...applying.map((r) => r.intervalDays!));
  const ruleIds = applying.filter((r) => r.intervalDays === intervalDays).map((r) => r.id);
  const today = beijingDate(now);
  if (!h.lastVisitAt) {
    return { intervalDays, ruleIds, lastVisitAt: null, nextDueDate: today, state: 'due', daysOverdue: 0, special };
  }
  const nextDueDate = addDays(beijingDate(h.lastVisitAt), intervalDays);
  const late = daysBetween(nextDueDate, today);
  const state: VisitState = late > 0 ? 'overdue' : late === 0 ? 'due' : 'ok';
  return { intervalDays, ruleIds, lastVisitAt: h.lastVisitAt, nextDueDate, state, daysOverdue: Math.max(0, late), special };
}

/**
 * How many visits the rules expect of a set of households over `days` days: each household
 * days / its strictest interval (a 90-day household over 30 days counts one third), summed and
 * rounded. Households without a rule expect nothing.
 */
export function expectedVisits(households: readonly Pick<HouseholdFacts, 'unitPath' | 'tags'>[], rules: readonly VisitRule[], days: number): number {
  let sum = 0;
  for (const h of households) {
    const applying = rulesFor(h, rules);
    if (applying.length) sum += days / Math.min(...applying.map((r) => r.intervalDays!));
  }
  return Math.round(sum);
}
