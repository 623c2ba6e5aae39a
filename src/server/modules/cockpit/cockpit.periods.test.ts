import { describe, expect, it } from 'vitest';
import { addMonths, bounds, isRealDate, lastMonth, periodsOf, ratio, wholeMonths, yearToDate } from './cockpit.periods.js';

describe('cockpit periods', () => {
  it('a month compares with the month before and the same month a year earlier', () => {
    expect(periodsOf('2026-03-01', '2026-03-31')).toEqual({
      current: { from: '2026-03-01', to: '2026-03-31' },
      yoy: { from: '2025-03-01', to: '2025-03-31' },
      mom: { from: '2026-02-01', to: '2026-02-28' },
    });
  });

  it('whole months move by months, other periods by as many days', () => {
    expect(periodsOf('2026-01-01', '2026-06-30').mom).toEqual({ from: '2025-07-01', to: '2025-12-31' });
    expect(periodsOf('2026-01-01', '2026-11-21').mom).toEqual({ from: '2025-02-10', to: '2025-12-31' });
    expect(periodsOf('2026-11-10', '2026-11-16').mom).toEqual({ from: '2026-11-03', to: '2026-11-09' });
  });

  it('a year back clamps the day like PostgreSQL', () => {
    expect(addMonths('2024-02-29', -12)).toBe('2023-02-28');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2026-01-15', -13)).toBe('2024-12-15');
    expect(periodsOf('2024-02-01', '2024-02-28').yoy).toEqual({ from: '2023-02-01', to: '2023-02-27' });
  });

  it('Beijing day bounds, defaults, real dates and ratios', () => {
    const [s, e] = bounds({ from: '2026-01-01', to: '2026-01-01' });
    expect(s.toISOString()).toBe('2025-12-31T16:00:00.000Z');
    expect(e.toISOString()).toBe('2026-01-01T16:00:00.000Z');
    expect(yearToDate('2026-11-21')).toEqual({ from: '2026-01-01', to: '2026-11-21' });
    expect(lastMonth('2026-01-05')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(isRealDate('2026-02-30')).toBe(false);
    expect(isRealDate('2024-02-29')).toBe(true);
    expect(isRealDate('2026-2-3')).toBe(false);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(1, 4)).toBe(0.25);
  });
});

describe('whole months of a period', () => {
  const at = (d: string) => new Date(`${d}T00:00:00+08:00`);
  const split = (from: string, to: string) => wholeMonths(bounds({ from, to }));
  it('a year to date: January to October whole, November so far from the cases', () => {
    expect(split('2026-01-01', '2026-11-21')).toEqual({ months: ['2026-01-01', '2026-11-01'], ends: [[at('2026-11-01'), at('2026-11-22')]] });
  });
  it('ragged at both ends, across a year', () => {
    expect(split('2025-02-10', '2025-12-31')).toEqual({ months: ['2025-03-01', '2026-01-01'], ends: [[at('2025-02-10'), at('2025-03-01')]] });
    expect(split('2025-11-15', '2026-02-03')).toEqual({
      months: ['2025-12-01', '2026-02-01'], ends: [[at('2025-11-15'), at('2025-12-01')], [at('2026-02-01'), at('2026-02-04')]],
    });
  });
  it('a whole month, and less than one', () => {
    expect(split('2026-02-01', '2026-02-28')).toEqual({ months: ['2026-02-01', '2026-03-01'], ends: [] });
    expect(split('2026-11-10', '2026-11-16')).toEqual({ months: null, ends: [[at('2026-11-10'), at('2026-11-17')]] });
    expect(split('2026-11-02', '2026-12-30')).toEqual({ months: null, ends: [[at('2026-11-02'), at('2026-12-31')]] });
  });
});
