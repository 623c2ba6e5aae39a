/**
 * The working-time calendar that every case deadline is computed with: weekdays are working days,
 * except official holidays; some weekend days are make-up working days (调休上班). Working hours
 * within a day are configurable. Times are China Standard Time (UTC+8, no daylight saving), so a
 * "day" is a calendar day in Beijing whatever the server's timezone.
 */

export interface CalendarYear {
  /** Official holidays (放假), YYYY-MM-DD. */
  holidays: string[];
  /** Weekend days that are working days (调休上班), YYYY-MM-DD. */
  workdays: string[];
}

export interface CalendarConfig {
  /** Working periods of a working day, "HH:MM" in Beijing time, in order, not overlapping. */
  hours: [string, string][];
  years: Record<string, CalendarYear>;
}

const CST = 8 * 3600_000;

/**
 * Defaults from the State Council's notices (国务院办公厅关于部分节假日安排的通知). A community
 * edits them when the next year's notice comes out; a year with no entry counts weekdays only.
 */
export const DEFAULT_CALENDAR: CalendarConfig = {
  hours: [['09:00', '12:00'], ['13:30', '17:30']],
  years: {
    '2025': {
      holidays: [
        '2025-01-01',
        '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02', '2025-02-03', '2025-02-04',
        '2025-04-04', '2025-04-05', '2025-04-06',
        '2025-05-01', '2025-05-02', '2025-05-03', '2025-05-04', '2025-05-05',
        '2025-05-31', '2025-06-01', '2025-06-02',
        '2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04', '2025-10-05', '2025-10-06', '2025-10-07', '2025-10-08',
      ],
      workdays: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
    },
    '2026': {
      holidays: [
        '2026-01-01', '2026-01-02', '2026-01-03',
        '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23',
        '2026-04-04', '2026-04-05', '2026-04-06',
        '2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05',
        '2026-06-19', '2026-06-20', '2026-06-21',
        '2026-09-25', '2026-09-26', '2026-09-27',
        '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07',
      ],
      workdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
    },
  },
};

function minutesOf(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59) throw new Error(`bad time ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** "YYYY-MM-DD" of a Beijing calendar day, from ms since the epoch. */
function dayKey(ms: number): string {
  return new Date(ms + CST).toISOString().slice(0, 10);
}
/** Midnight (Beijing) of the day holding `ms`, as epoch ms. */
function dayStart(ms: number): number {
  return Math.floor((ms + CST) / 86_400_000) * 86_400_000 - CST;
}

export class WorkCalendar {
  private readonly holidays = new Set<string>();
  private readonly workdays = new Set<string>();
  private readonly periods: [number, number][]; // minutes after midnight

  constructor(private readonly config: CalendarConfig = DEFAULT_CALENDAR) {
    for (const y of Object.values(config.years)) {
      y.holidays.forEach((d) => this.holidays.add(d));
      y.workdays.forEach((d) => this.workdays.add(d));
    }
    this.periods = config.hours.map(([a, b]) => [minutesOf(a), minutesOf(b)] as [number, number]);
    if (this.periods.length === 0 || this.periods.some(([a, b], i) => a >= b || (i > 0 && a < this.periods[i - 1]![1]))) {
      throw new Error('working hours must be ordered, non-empty periods');
    }
  }

  /** Is this Beijing calendar day a working day? */
  isWorkingDay(day: string): boolean {
    if (this.workdays.has(day)) return true;
    if (this.holidays.has(day)) return false;
    const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
    return dow !== 0 && dow !== 6;
  }

  /** The working periods of the day holding `ms`, as epoch-ms intervals (empty on a day off). */
  private periodsOfDay(ms: number): [number, number][] {
    if (!this.isWorkingDay(dayKey(ms))) return [];
    const start = dayStart(ms);
    return this.periods.map(([a, b]) => [start + a * 60_000, start + b * 60_000]);
  }

  /** Working milliseconds between two instants (0 when `to` is not after `from`). */
  workingMsBetween(from: Date, to: Date): number {
    let total = 0;
    const end = to.getTime();
    for (let day = dayStart(from.getTime()); day < end; day += 86_400_000) {
      for (const [a, b] of this.periodsOfDay(day + 12 * 3600_000)) {
        const lo = Math.max(a, from.getTime()), hi = Math.min(b, end);
        if (hi > lo) total += hi - lo;
      }
    }
    return total;
  }

  /** The instant `hours` working hours after `from` (working time only runs inside working periods). */
  addWorkingHours(from: Date, hours: number): Date {
    let left = Math.round(hours * 3600_000);
    const t = from.getTime();
    if (left <= 0) return new Date(t);
    for (let day = dayStart(t), guard = 0; guard < 3660; day += 86_400_000, guard++) {
      for (const [a, b] of this.periodsOfDay(day + 12 * 3600_000)) {
        const lo = Math.max(a, t);
        if (b <= lo) continue;
        if (b - lo >= left) return new Date(lo + left);
        left -= b - lo;
      }
    }
    throw new Error('no working time within ten years');
  }

  /**
   * The deadline of `days` working days from `from`: the close of the N-th working day after the
   * day of `from` (a case reported on Friday with 1 working day is due at Monday's close).
   */
  addWorkingDays(from: Date, days: number): Date {
    let left = days;
    let day = dayStart(from.getTime());
    for (let guard = 0; guard < 3660; guard++) {
      day += 86_400_000;
      if (this.isWorkingDay(dayKey(day + 12 * 3600_000))) {
        left -= 1;
        if (left <= 0) return new Date(day + this.periods[this.periods.length - 1]![1] * 60_000);
      }
    }
    throw new Error('no working day within ten years');
  }

  /** Clock hours, for urgent cases (e.g. 2 h when a life is in danger). */
  addClockHours(from: Date, hours: number): Date {
    return new Date(from.getTime() + Math.round(hours * 3600_000));
  }
}

export type TimeLimit = { unit: 'working_hours' | 'working_days' | 'clock_hours'; amount: number };

/** A stage's deadline from its start, by the kind of limit. */
export function deadlineFor(cal: WorkCalendar, start: Date, limit: TimeLimit): Date {
  switch (limit.unit) {
    case 'working_hours': return cal.addWorkingHours(start, limit.amount);
    case 'working_days': return cal.addWorkingDays(start, limit.amount);
    case 'clock_hours': return cal.addClockHours(start, limit.amount);
  }
}

/**
 * Where a stage stands at `now`: the share of its time used (0 at the start, 1 at the deadline) and
 * its colour — green, yellow from 80 % of the time, red once the deadline has passed. Clock-hour
 * limits count clock time; the others count working time, so a weekend does not turn a case yellow.
 */
export function stageStatus(
  cal: WorkCalendar, start: Date, deadline: Date, now: Date, unit: TimeLimit['unit'],
): { share: number; level: 'green' | 'yellow' | 'red' } {
  let share: number;
  if (unit === 'clock_hours') {
    const span = deadline.getTime() - start.getTime();
    share = span <= 0 ? 1 : (now.getTime() - start.getTime()) / span;
  } else {
    const span = cal.workingMsBetween(start, deadline);
    share = span <= 0 ? 1 : cal.workingMsBetween(start, now) / span;
  }
  const level = now.getTime() > deadline.getTime() ? 'red' : share >= 0.8 ? 'yellow' : 'green';
  return { share, level };
}
