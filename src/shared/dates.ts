/** China Standard Time is UTC+8 all year (no daylight saving). */
const CST_MS = 8 * 3600_000;

/** The calendar date in Beijing of an instant, "YYYY-MM-DD" — what "today" means to a community. */
export function beijingDate(d: Date): string {
  return new Date(d.getTime() + CST_MS).toISOString().slice(0, 10);
}
