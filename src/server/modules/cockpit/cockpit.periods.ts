/**
 * The periods the cockpit compares, as Beijing dates (inclusive): the period asked for, the same
 * period a year earlier (同比) and the period just before it (环比) — as many calendar months when
 * the period is whole months (a month against the month before), else as many days. Pure; the
 * hand-written reference query (bench/cockpit-reference.sql) computes the same in SQL, with
 * PostgreSQL's month arithmetic (the 29th of February a year back is the 28th).
 */

const DAY_MS = 86_400_000;
const CST_MS = 8 * 3600_000;

export interface Period { from: string; to: string }
export interface Periods { current: Period; yoy: Period; mom: Period }

const parse = (d: string) => { const [y, m, day] = d.split('-').map(Number) as [number, number, number]; return { y, m, d: day }; };
const fmt = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** A real calendar date "YYYY-MM-DD" (not 2026-02-30). */
export function isRealDate(d: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const { y, m, d: day } = parse(d);
  return y >= 1970 && m >= 1 && m <= 12 && day >= 1 && day <= daysInMonth(y, m);
}

export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** `date` moved by n months, the day clamped to the month's length (as PostgreSQL does). */
export function addMonths(date: string, n: number): string {
  const { y, m, d } = parse(date);
  const idx = y * 12 + (m - 1) + n;
  const ny = Math.floor(idx / 12);
  const nm = (idx % 12) + 1;
  return fmt(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The three periods of [from, to] (inclusive dates); the shifts work on the exclusive end. */
export function periodsOf(from: string, to: string): Periods {
  const end = addDays(to, 1);
  const yoy = { from: addMonths(from, -12), to: addDays(addMonths(end, -12), -1) };
  let momFrom: string;
  if (parse(from).d === 1 && parse(end).d === 1) {
    const a = parse(from);
    const b = parse(end);
    momFrom = addMonths(from, -((b.y - a.y) * 12 + b.m - a.m));
  } else {
    momFrom = addDays(from, -daysBetween(from, end));
  }
  return { current: { from, to }, yoy, mom: { from: momFrom, to: addDays(from, -1) } };
}

/** [start of `from`, end of `to`) in Beijing, as instants. */
export function bounds(p: Period): [Date, Date] {
  return [new Date(Date.parse(`${p.from}T00:00:00Z`) - CST_MS), new Date(Date.parse(`${addDays(p.to, 1)}T00:00:00Z`) - CST_MS)];
}

/** The default period: 1 January of this Beijing year to today. */
export function yearToDate(today: string): Period {
  return { from: `${today.slice(0, 4)}-01-01`, to: today };
}

/** Last calendar month before `today` (a Beijing date). */
export function lastMonth(today: string): Period {
  const first = addMonths(`${today.slice(0, 7)}-01`, -1);
  return { from: first, to: addDays(`${today.slice(0, 7)}-01`, -1) };
}

/** A share, or null when there is nothing to divide by. */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** The Beijing date of an instant. */
function beijingDay(t: Date): string {
  return new Date(t.getTime() + CST_MS).toISOString().slice(0, 10);
}

/**
 * [start, end) — Beijing midnights, as bounds() gives — split into the whole Beijing months it holds,
 * as their first days [first, end) ("YYYY-MM-01"; null when it holds none), and the ragged ends
 * outside them. The cockpit reads whole months from the tally and the ends from the cases.
 */
export function wholeMonths([start, end]: [Date, Date]): { months: [string, string] | null; ends: [Date, Date][] } {
  const a = beijingDay(start);
  const b = beijingDay(end);
  const first = a.endsWith('-01') ? a : addMonths(`${a.slice(0, 7)}-01`, 1);
  const last = `${b.slice(0, 7)}-01`;
  if (first >= last) return { months: null, ends: start < end ? [[start, end]] : [] };
  const ends: [Date, Date][] = [];
  const firstAt = bounds({ from: first, to: first })[0];
  const lastAt = bounds({ from: last, to: last })[0];
  if (start < firstAt) ends.push([start, firstAt]);
  if (lastAt < end) ends.push([lastAt, end]);
  return { months: [first, last], ends };
}
