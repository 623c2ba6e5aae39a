import { describe, expect, it } from 'vitest';
import { addDays, dailyQuota, expectedVisits, rulesFor, visitStatus, type VisitRule } from './visit-rules.js';

const rule = (over: Partial<VisitRule> & Pick<VisitRule, 'id' | 'kind'>): VisitRule => ({
  name: over.id, tagCode: null, intervalDays: null, perDay: null, unitPath: '1', active: true, ...over,
});
const RULES: VisitRule[] = [
  rule({ id: 'alone', kind: 'tag', tagCode: 'living_alone', intervalDays: 7 }),
  rule({ id: 'disabled', kind: 'tag', tagCode: 'disabled', intervalDays: 30 }),
  rule({ id: 'all', kind: 'all_households', intervalDays: 90 }),
  rule({ id: 'quota', kind: 'daily_quota', perDay: 10 }),
  rule({ id: 'elsewhere', kind: 'tag', tagCode: 'disabled', intervalDays: 3, unitPath: '1.9' }),
  rule({ id: 'off', kind: 'tag', tagCode: 'disabled', intervalDays: 1, active: false }),
];
// Fixed clock: 2026-11-20 10:00 Beijing.
const NOW = new Date('2026-11-20T10:00:00+08:00');

describe('visit rules', () => {
  it('applies the rules of the household’s unit and its ancestors, matching tags; inactive ones never', () => {
    expect(rulesFor({ unitPath: '1.2.3', tags: ['disabled'] }, RULES).map((r) => r.id)).toEqual(['disabled', 'all']);
    expect(rulesFor({ unitPath: '1.9.4', tags: ['disabled'] }, RULES).map((r) => r.id)).toEqual(['disabled', 'all', 'elsewhere']);
    expect(rulesFor({ unitPath: '2.1', tags: ['disabled'] }, RULES)).toEqual([]);
    expect(dailyQuota('1.2', RULES)).toBe(10);
    expect(dailyQuota('2', RULES)).toBeNull();
  });

  it('takes the strictest interval; next due = last visit + interval; overdue after that day', () => {
    const s = visitStatus({ id: 'h', unitPath: '1.2', tags: ['living_alone', 'disabled'], lastVisitAt: new Date('2026-11-13T16:00:00+08:00') }, RULES, NOW);
    expect(s).toMatchObject({ intervalDays: 7, ruleIds: ['alone'], nextDueDate: '2026-11-20', state: 'due', daysOverdue: 0, special: true });
    const late = visitStatus({ id: 'h', unitPath: '1.2', tags: ['living_alone'], lastVisitAt: new Date('2026-11-10T09:00:00+08:00') }, RULES, NOW);
    expect(late).toMatchObject({ nextDueDate: '2026-11-17', state: 'overdue', daysOverdue: 3 });
    const fine = visitStatus({ id: 'h', unitPath: '1.2', tags: [], lastVisitAt: new Date('2026-11-01T09:00:00+08:00') }, RULES, NOW);
    expect(fine).toMatchObject({ intervalDays: 90, nextDueDate: '2027-01-30', state: 'ok', special: false });
  });

  it('counts dates in Beijing: a visit at 00:30 on the 14th (16:30 UTC on the 13th) is due on the 21st', () => {
    const s = visitStatus({ id: 'h', unitPath: '1', tags: ['living_alone'], lastVisitAt: new Date('2026-11-13T16:30:00Z') }, RULES, NOW);
    expect(s.nextDueDate).toBe('2026-11-21');
  });

  it('is due now when never visited, and without a rule has no due date', () => {
    expect(visitStatus({ id: 'h', unitPath: '1', tags: [], lastVisitAt: null }, RULES, NOW)).toMatchObject({ nextDueDate: '2026-11-20', state: 'due' });
    expect(visitStatus({ id: 'h', unitPath: '2', tags: [], lastVisitAt: null }, RULES, NOW)).toMatchObject({ nextDueDate: null, state: 'none', intervalDays: null });
  });

  it('expects days / interval visits of each household over a period', () => {
    const hs = [{ unitPath: '1', tags: ['living_alone'] }, { unitPath: '1', tags: [] }, { unitPath: '1', tags: [] }, { unitPath: '2', tags: [] }];
    // 28/7 + 28/90 + 28/90 = 4.62
    expect(expectedVisits(hs, RULES, 28)).toBe(5);
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
  });
});
