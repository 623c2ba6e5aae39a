import { describe, expect, it } from 'vitest';
import { deadlineFor, stageStatus, WorkCalendar } from './calendar.js';

const cal = new WorkCalendar();
/** A Beijing wall-clock time. */
const bj = (s: string) => new Date(`${s}+08:00`);
const iso = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

describe('working days', () => {
  it('knows weekends, official holidays and make-up working days', () => {
    expect(cal.isWorkingDay('2026-11-20')).toBe(true); // Friday
    expect(cal.isWorkingDay('2026-11-21')).toBe(false); // Saturday
    expect(cal.isWorkingDay('2026-10-01')).toBe(false); // National Day, a Thursday
    expect(cal.isWorkingDay('2026-10-10')).toBe(true); // Saturday, make-up day
    expect(cal.isWorkingDay('2026-02-14')).toBe(true); // Saturday before the Spring Festival
    expect(cal.isWorkingDay('2026-02-18')).toBe(false); // Spring Festival, a Wednesday
  });
  it('counts working days to the close of the N-th working day', () => {
    expect(iso(cal.addWorkingDays(bj('2026-11-20T10:00'), 1))).toBe('2026-11-23 17:30'); // Fri → Mon
    expect(iso(cal.addWorkingDays(bj('2026-11-18T16:00'), 3))).toBe('2026-11-23 17:30'); // Wed → Mon
    // Across National Day: Sep 30 (Wed) + 2 working days → Oct 8 (Thu), Oct 9 (Fri).
    expect(iso(cal.addWorkingDays(bj('2026-09-30T09:00'), 2))).toBe('2026-10-09 17:30');
    // … and the make-up Saturday after it counts.
    expect(iso(cal.addWorkingDays(bj('2026-10-08T09:00'), 2))).toBe('2026-10-10 17:30');
    // Across the Spring Festival with both make-up Saturdays.
    expect(iso(cal.addWorkingDays(bj('2026-02-13T09:00'), 1))).toBe('2026-02-14 17:30');
    expect(iso(cal.addWorkingDays(bj('2026-02-14T09:00'), 1))).toBe('2026-02-24 17:30');
  });
});

describe('working hours', () => {
  it('runs only inside the working periods', () => {
    expect(iso(cal.addWorkingHours(bj('2026-11-20T10:00'), 1))).toBe('2026-11-20 11:00');
    expect(iso(cal.addWorkingHours(bj('2026-11-20T11:30'), 1))).toBe('2026-11-20 14:00'); // lunch break
    expect(iso(cal.addWorkingHours(bj('2026-11-20T17:00'), 2))).toBe('2026-11-23 10:30'); // over the weekend
    expect(iso(cal.addWorkingHours(bj('2026-11-21T08:00'), 1))).toBe('2026-11-23 10:00'); // reported on Saturday
    expect(iso(cal.addWorkingHours(bj('2026-11-20T20:00'), 7))).toBe('2026-11-23 17:30'); // a full day is 7 h
  });
  it('measures working time between instants', () => {
    expect(cal.workingMsBetween(bj('2026-11-20T17:00'), bj('2026-11-23T10:00')) / 3600_000).toBe(1.5);
    expect(cal.workingMsBetween(bj('2026-11-21T00:00'), bj('2026-11-22T23:59'))).toBe(0);
  });
  it('counts clock hours for urgent cases, weekends included', () => {
    expect(iso(deadlineFor(cal, bj('2026-11-21T23:00'), { unit: 'clock_hours', amount: 2 }))).toBe('2026-11-22 01:00');
  });
  it('accepts a configured calendar and refuses broken hours', () => {
    const custom = new WorkCalendar({ hours: [['08:30', '12:00'], ['14:00', '17:30']], years: { '2026': { holidays: ['2026-11-20'], workdays: ['2026-11-21'] } } });
    expect(custom.isWorkingDay('2026-11-20')).toBe(false);
    expect(iso(custom.addWorkingDays(bj('2026-11-19T09:00'), 1))).toBe('2026-11-21 17:30');
    expect(() => new WorkCalendar({ hours: [['12:00', '09:00']], years: {} })).toThrow();
  });
});

describe('overdue colours', () => {
  const start = bj('2026-11-16T09:00'); // Monday
  const deadline = cal.addWorkingHours(start, 10); // Tuesday 13:30 … 10 h = Mon 7 h + Tue 3 h → Tue 12:00
  it('turns yellow at 80 % of the working time and red past the deadline', () => {
    expect(iso(deadline)).toBe('2026-11-17 12:00');
    expect(stageStatus(cal, start, deadline, bj('2026-11-16T17:00'), 'working_hours').level).toBe('green'); // 6.5 h
    expect(stageStatus(cal, start, deadline, bj('2026-11-17T10:00'), 'working_hours')).toMatchObject({ level: 'yellow', share: 0.8 });
    expect(stageStatus(cal, start, deadline, bj('2026-11-17T12:00'), 'working_hours').level).toBe('yellow');
    expect(stageStatus(cal, start, deadline, bj('2026-11-17T12:01'), 'working_hours').level).toBe('red');
  });
  it('does not turn yellow over a weekend', () => {
    const fri = bj('2026-11-20T16:00');
    const due = cal.addWorkingHours(fri, 5); // Fri 1.5 h + Mon 3.5 h → Mon 14:00
    expect(stageStatus(cal, fri, due, bj('2026-11-22T20:00'), 'working_hours')).toMatchObject({ level: 'green' });
  });
});
