/**
 * The working-time calendar of src/server/modules/cases/calendar.ts, answered from a table of days
 * built once from it: the generator computes some ten million stage clocks, and the real calendar
 * walks day by day (with a date formatted per day), ~20 µs a clock. Same inputs, same instants — the
 * unit test compares the two on random instants and every limit; each day's working flag comes from
 * WorkCalendar.isWorkingDay itself, and the working periods from the same configuration.
 */
import { DEFAULT_CALENDAR, WorkCalendar, type CalendarConfig, type TimeLimit } from '../../src/server/modules/cases/calendar.js';
import { limitFor, type CategoryLimits, type Stage, type Urgency } from '../../src/server/modules/cases/cases.rules.js';

const CST = 8 * 3600_000;
const DAY = 86_400_000;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export interface StageClock {
  stage: Stage | null;
  stage_started_at: Date | null;
  stage_deadline: Date | null;
  stage_limit_unit: TimeLimit['unit'] | null;
  stage_warn_at: Date | null;
}

export class FastCalendar {
  private readonly first: number; // day index (Beijing days since the epoch) of working[0]
  private readonly working: Uint8Array;
  /** Working ms of all days before day i (relative to `first`). */
  private readonly cum: Float64Array;
  private readonly periods: [number, number][]; // ms after midnight
  private readonly dayWork: number;
  private readonly lastEnd: number;

  /** Days from `from` to `to` (both Dates), with a year of margin on both sides. */
  constructor(from: Date, to: Date, config: CalendarConfig = DEFAULT_CALENDAR) {
    const real = new WorkCalendar(config);
    this.periods = config.hours.map(([a, b]) => [minutesOf(a) * 60_000, minutesOf(b) * 60_000]);
    this.dayWork = this.periods.reduce((s, [a, b]) => s + (b - a), 0);
    this.lastEnd = this.periods[this.periods.length - 1]![1];
    this.first = Math.floor((from.getTime() + CST) / DAY) - 400;
    const last = Math.floor((to.getTime() + CST) / DAY) + 400;
    const n = last - this.first + 1;
    this.working = new Uint8Array(n);
    this.cum = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const key = new Date((this.first + i) * DAY).toISOString().slice(0, 10);
      this.working[i] = real.isWorkingDay(key) ? 1 : 0;
      this.cum[i + 1] = this.cum[i]! + (this.working[i] ? this.dayWork : 0);
    }
  }

  private index(ms: number): number {
    const i = Math.floor((ms + CST) / DAY) - this.first;
    if (i < 0 || i >= this.working.length) throw new Error('instant outside the generator calendar');
    return i;
  }

  /** Working ms from the start of the table to `ms`. */
  private w(ms: number): number {
    const i = this.index(ms);
    let total = this.cum[i]!;
    if (this.working[i]) {
      const offset = ms - ((i + this.first) * DAY - CST);
      for (const [a, b] of this.periods) if (offset > a) total += Math.min(offset, b) - a;
    }
    return total;
  }

  workingMsBetween(from: Date, to: Date): number {
    const f = from.getTime(), t = to.getTime();
    return t > f ? this.w(t) - this.w(f) : 0;
  }

  addWorkingHours(from: Date, hours: number): Date {
    const left = Math.round(hours * 3600_000);
    const t = from.getTime();
    if (left <= 0) return new Date(t);
    const target = this.w(t) + left;
    // The first day whose working time reaches the target (a target at a day's very end lands on it).
    let lo = this.index(t), hi = this.working.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid + 1]! >= target) hi = mid; else lo = mid + 1;
    }
    let rest = target - this.cum[lo]!;
    const start = (lo + this.first) * DAY - CST;
    for (const [a, b] of this.periods) {
      if (rest <= b - a) return new Date(start + a + rest);
      rest -= b - a;
    }
    throw new Error('working time beyond the generator calendar');
  }

  addWorkingDays(from: Date, days: number): Date {
    let left = days;
    let i = this.index(from.getTime());
    for (;;) {
      i++;
      if (i >= this.working.length) throw new Error('working day beyond the generator calendar');
      if (this.working[i]) {
        left -= 1;
        if (left <= 0) return new Date((i + this.first) * DAY - CST + this.lastEnd);
      }
    }
  }

  deadlineFor(start: Date, limit: TimeLimit): Date {
    switch (limit.unit) {
      case 'working_hours': return this.addWorkingHours(start, limit.amount);
      case 'working_days': return this.addWorkingDays(start, limit.amount);
      case 'clock_hours': return new Date(start.getTime() + Math.round(limit.amount * 3600_000));
    }
  }

  /** cases.rules.ts warnAt. */
  warnAt(start: Date, deadline: Date, unit: TimeLimit['unit']): Date {
    if (unit === 'clock_hours') return new Date(start.getTime() + Math.round((deadline.getTime() - start.getTime()) * 0.8));
    const span = this.workingMsBetween(start, deadline);
    return this.addWorkingHours(start, (span * 0.8) / 3600_000);
  }

  /** cases.rules.ts stageClock. */
  stageClock(category: CategoryLimits, urgency: Urgency, stage: Stage | null, now: Date): StageClock {
    if (!stage) return { stage: null, stage_started_at: null, stage_deadline: null, stage_limit_unit: null, stage_warn_at: null };
    const limit = limitFor(category, urgency, stage);
    const deadline = limit ? this.deadlineFor(now, limit) : null;
    return {
      stage,
      stage_started_at: now,
      stage_deadline: deadline,
      stage_limit_unit: limit?.unit ?? null,
      stage_warn_at: deadline && limit ? this.warnAt(now, deadline, limit.unit) : null,
    };
  }

  /** cases.service.ts overdueNow (calendar.ts stageStatus). */
  overdueNow(c: Pick<StageClock, 'stage_started_at' | 'stage_deadline' | 'stage_limit_unit'>, now: Date): 'green' | 'yellow' | 'red' {
    if (!c.stage_started_at || !c.stage_deadline || !c.stage_limit_unit) return 'green';
    const start = c.stage_started_at, deadline = c.stage_deadline;
    let share: number;
    if (c.stage_limit_unit === 'clock_hours') {
      const span = deadline.getTime() - start.getTime();
      share = span <= 0 ? 1 : (now.getTime() - start.getTime()) / span;
    } else {
      const span = this.workingMsBetween(start, deadline);
      share = span <= 0 ? 1 : this.workingMsBetween(start, now) / span;
    }
    return now.getTime() > deadline.getTime() ? 'red' : share >= 0.8 ? 'yellow' : 'green';
  }
}
