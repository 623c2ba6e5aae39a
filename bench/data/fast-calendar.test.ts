import { describe, expect, it } from 'vitest';
import { deadlineFor, stageStatus } from '../../src/server/modules/cases/calendar.js';
import { calendar, stageClock, warnAt, type CategoryLimits } from '../../src/server/modules/cases/cases.rules.js';
import { Random } from '../../src/server/demo/random.js';
import { FastCalendar } from './fast-calendar.js';

const from = new Date('2023-06-01T00:00:00Z');
const to = new Date('2026-12-31T00:00:00Z');
const fast = new FastCalendar(from, to);
const r = new Random(7);
const instants = Array.from({ length: 3000 }, (_, i) => {
  // Random instants, and some on the edges of working periods (09:00, 12:00, 13:30, 17:30 Beijing).
  const t = from.getTime() + r.next() * (to.getTime() - from.getTime() - 60 * 86_400_000);
  if (i % 4 !== 0) return new Date(Math.floor(t / 1000) * 1000);
  const midnight = Math.floor((t + 8 * 3600_000) / 86_400_000) * 86_400_000 - 8 * 3600_000;
  return new Date(midnight + r.pick([9 * 60, 12 * 60, 13.5 * 60, 17.5 * 60, 0, 24 * 60 - 1]) * 60_000);
});
const limits = [
  { unit: 'working_hours', amount: 2 }, { unit: 'working_hours', amount: 4 }, { unit: 'working_hours', amount: 7 }, { unit: 'working_hours', amount: 0.5 },
  { unit: 'working_days', amount: 1 }, { unit: 'working_days', amount: 3 }, { unit: 'working_days', amount: 10 },
  { unit: 'clock_hours', amount: 1 }, { unit: 'clock_hours', amount: 4 }, { unit: 'clock_hours', amount: 48 },
] as const;

describe('FastCalendar', () => {
  it('gives the working-time calendar’s deadlines, to the millisecond', () => {
    for (const start of instants) {
      for (const limit of limits) expect(fast.deadlineFor(start, limit).getTime()).toBe(deadlineFor(calendar, start, limit).getTime());
    }
  });

  it('counts working time and the 80 % point as the calendar does', () => {
    for (let i = 0; i < 1000; i++) {
      const a = instants[i]!;
      const b = i % 5 === 0 ? instants[i + 1]! : new Date(a.getTime() + Math.floor(r.next() * 30 * 86_400_000));
      if (b < a) continue;
      expect(fast.workingMsBetween(a, b)).toBe(calendar.workingMsBetween(a, b));
      expect(fast.addWorkingHours(a, (i % 37) / 3).getTime()).toBe(calendar.addWorkingHours(a, (i % 37) / 3).getTime());
      for (const unit of ['working_hours', 'working_days', 'clock_hours'] as const) {
        if (b > a) expect(fast.warnAt(a, b, unit).getTime()).toBe(warnAt(a, b, unit).getTime());
      }
    }
  });

  it('makes the stage clocks and colours of cases.rules', () => {
    const category: CategoryLimits = {
      accept_limit: { unit: 'working_hours', amount: 2 }, handle_limit: { unit: 'working_days', amount: 5 },
      verify_limit: { unit: 'working_days', amount: 1 }, urgent_handle_limit: { unit: 'clock_hours', amount: 4 },
    };
    for (const start of instants.slice(0, 500)) {
      for (const urgency of ['normal', 'urgent'] as const) {
        for (const stage of ['accept', 'handle', 'verify', 'rate', null] as const) {
          const a = fast.stageClock(category, urgency, stage, start);
          expect(a).toEqual(stageClock(category, urgency, stage, start));
          if (a.stage_deadline && a.stage_limit_unit) {
            for (const k of [0.5, 0.85, 1.2]) {
              const now = new Date(start.getTime() + (a.stage_deadline.getTime() - start.getTime()) * k);
              expect(fast.overdueNow(a, now)).toBe(stageStatus(calendar, start, a.stage_deadline, now, a.stage_limit_unit).level);
            }
          }
        }
      }
    }
  });
});
