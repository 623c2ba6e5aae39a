import { z } from 'zod';
import { Boundary } from './hierarchy.schemas.js';
import { Id, UnitRef } from './registry/common.schemas.js';

/** A Beijing calendar date "YYYY-MM-DD" that exists (not 2026-02-30). */
export const CockpitDate = z.string().superRefine((v, ctx) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const ok = m && Number(m[1]) >= 1970 && Number(m[2]) >= 1 && Number(m[2]) <= 12
    && Number(m[3]) >= 1 && Number(m[3]) <= new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  if (!ok) ctx.addIssue({ code: 'custom', messageKey: 'cockpit.date_format', input: v });
});

/**
 * GET /api/cockpit/summary: a subtree (default: the root of the caller's scope) and a period of
 * Beijing days, both ends included (default: 1 January of this year to today).
 */
export const CockpitQuery = z.strictObject({
  unitId: Id.optional(),
  from: CockpitDate.optional(),
  to: CockpitDate.optional(),
});
export type CockpitQuery = z.infer<typeof CockpitQuery>;

export const CockpitPeriod = z.object({ from: z.string(), to: z.string() });

/**
 * The figures of one period, over the cases REPORTED in it (created_at in the period) in the subtree.
 * State groups: open (reported … verified), closed, rejected (不予受理), merged (合并).
 */
export const CockpitFigures = z.object({
  /** Cases reported in the period. */
  total: z.number(),
  open: z.number(),
  closed: z.number(),
  rejected: z.number(),
  merged: z.number(),
  /** Cases that some stage of ended, or is still open, past its deadline (was_overdue). */
  overdue: z.number(),
  /** Open cases red now (past their stage's deadline, as the overdue watch colours them). */
  overdueOpen: z.number(),
  /** Cases (not merged) whose accept deadline is known: the base of the response rate. */
  responseCounted: z.number(),
  /** …of which accepted or rejected (the first response) no later than the accept deadline. */
  respondedOnTime: z.number(),
  /** Cases (not merged) reported before the deadline was recorded, whose deadline is not known: left out. */
  responseUnknown: z.number(),
  /** 响应率 = responded on time / cases not merged with a known accept deadline. */
  responseRate: z.number().nullable(),
  /** 解决率 = closed / (cases − rejected − merged). */
  resolutionRate: z.number().nullable(),
  rated: z.number(),
  satisfiedOrBasic: z.number(),
  /** 满意率 = (satisfied + basically satisfied) / rated cases. */
  satisfactionRate: z.number().nullable(),
  closedOnTime: z.number(),
  /** 按期办结率 = closed without ever being overdue / closed. */
  onTimeRate: z.number().nullable(),
  /** Clock hours from report to close, over the closed cases: mean and median. */
  meanHoursToClose: z.number().nullable(),
  medianHoursToClose: z.number().nullable(),
});
export type CockpitFigures = z.infer<typeof CockpitFigures>;

export const CockpitSummary = z.object({
  unit: UnitRef,
  /** The period asked for; yoy the same a year earlier (同比); mom the period before it (环比). */
  period: CockpitPeriod,
  yoyPeriod: CockpitPeriod,
  momPeriod: CockpitPeriod,
  current: CockpitFigures,
  yoy: CockpitFigures,
  mom: CockpitFigures,
  /** The period's cases per top-level category and state group. */
  byCategory: z.array(z.object({
    code: z.string(), name: z.string(), total: z.number(), open: z.number(), closed: z.number(), rejected: z.number(), merged: z.number(),
  })),
  bySource: z.array(z.object({ source: z.string(), count: z.number() })),
  /** Per Beijing month of the period, with the same month a year earlier. */
  byMonth: z.array(z.object({ month: z.string(), count: z.number(), lastYear: z.number() })),
  /** The grids of the subtree with their boundaries, and the period's cases placed in them. */
  grids: z.array(z.object({ id: z.string(), name: z.string(), count: z.number(), overdue: z.number(), boundary: Boundary.nullable() })),
  /** Cases placed above grid level (the place known only to its community or street): not on the map. */
  outsideGrids: z.number(),
  /** When the figures were computed. */
  computedAt: z.string(),
});
export type CockpitSummary = z.infer<typeof CockpitSummary>;
