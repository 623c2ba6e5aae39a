import { describe, expect, it } from 'vitest';
import { buildChecklist, distanceM, type ChecklistHousehold } from './checklist.js';
import { visitStatus, type VisitRule } from './visit-rules.js';
import { cleanRoute, type Point } from './route.js';

const NOW = new Date('2026-11-20T08:30:00+08:00');
const RULES: VisitRule[] = [
  { id: 'alone', name: '独居', kind: 'tag', tagCode: 'living_alone', intervalDays: 7, perDay: null, unitPath: '1', active: true },
  { id: 'all', name: '全覆盖', kind: 'all_households', tagCode: null, intervalDays: 90, perDay: null, unitPath: '1', active: true },
];
const hh = (id: string, building: [string, number, number], tags: string[], last: string | null, visitedToday = false): ChecklistHousehold => ({
  id, room: id, buildingId: building[0], buildingName: `${building[0]}栋`, lng: building[1], lat: building[2], tags,
  status: visitStatus({ id, unitPath: '1.2', tags, lastVisitAt: last ? new Date(last) : null }, RULES, NOW), visitedToday,
});
const B1: [string, number, number] = ['1', 114.2700, 30.5500];
const B2: [string, number, number] = ['2', 114.2760, 30.5500]; // ~575 m east of B1

describe('the day’s checklist', () => {
  const households = [
    hh('0101', B1, [], '2026-11-01T10:00:00+08:00'), // ok: not listed
    hh('0102', B1, ['living_alone'], '2026-11-10T10:00:00+08:00'), // overdue 3 days
    hh('0201', B2, ['living_alone'], '2026-11-13T10:00:00+08:00'), // due today
    hh('0202', B2, [], null), // never visited: due now
    hh('0203', B2, ['living_alone'], '2026-11-20T08:00:00+08:00', true), // visited this morning: ticked
  ];
  const base = { date: '2026-11-20', households, openCases: [], toVerify: [], quota: 10, visitsToday: 1 };

  it('lists due and overdue households grouped by building, nearest building first', () => {
    const near2 = buildChecklist({ ...base, position: { lng: 114.2761, lat: 30.5501 } });
    expect(near2.visits.buildings.map((b) => b.buildingId)).toEqual(['2', '1']);
    expect(near2.visits.buildings[0]!.items.map((i) => [i.householdId, i.state, i.ticked])).toEqual([
      ['0201', 'due', false], ['0202', 'due', false], ['0203', 'ok', true],
    ]);
    expect(near2.visits.buildings[0]!.distanceM).toBeLessThan(20);
    expect(near2.visits).toMatchObject({ total: 4, ticked: 1 });
    const near1 = buildChecklist({ ...base, position: { lng: 114.2699, lat: 30.5499 } });
    expect(near1.visits.buildings.map((b) => b.buildingId)).toEqual(['1', '2']);
    expect(near1.visits.buildings[0]!.items[0]).toMatchObject({ householdId: '0102', state: 'overdue', daysOverdue: 3, special: true });
  });

  it('without a position puts the most overdue building first', () => {
    const c = buildChecklist({ ...base, position: null });
    expect(c.visits.buildings.map((b) => [b.buildingId, b.distanceM])).toEqual([['1', null], ['2', null]]);
    expect(c.quota).toEqual({ perDay: 10, done: 1, met: false });
  });

  it('orders cases by deadline, ticked ones last', () => {
    const kase = (id: string, deadline: string | null, acted: boolean) => ({
      id, number: `HY-${id}`, description: id, state: 'in_progress', deadline: deadline ? new Date(deadline) : null,
      overdueLevel: 'green' as const, lng: 114.27, lat: 30.55, actedToday: acted,
    });
    const c = buildChecklist({ ...base, position: null, visitsToday: 10, openCases: [kase('a', null, false), kase('b', '2026-11-21T10:00:00+08:00', false), kase('c', '2026-11-20T10:00:00+08:00', true)] });
    expect(c.cases.map((x) => [x.id, x.ticked])).toEqual([['b', false], ['a', false], ['c', true]]);
    expect(c.quota.met).toBe(true);
  });
});

describe('patrol routes', () => {
  it('measures the walk, drops GPS jumps, keeps a point every 10 m or minute', () => {
    const t0 = Date.parse('2026-11-20T09:00:00+08:00');
    const pts: Point[] = [];
    // 100 fixes one second apart walking east ~1.1 m each (0.00001° lng ≈ 0.96 m at 30.55°N).
    for (let i = 0; i < 100; i++) pts.push([114.27 + i * 0.00001, 30.55, t0 + i * 1000]);
    pts.splice(50, 0, [115.27, 30.55, t0 + 50_500]); // a glitch 100 km away
    const { route, distanceM: d } = cleanRoute(pts.reverse(), 2000);
    const straight = distanceM({ lng: 114.27, lat: 30.55 }, { lng: 114.27 + 99 * 0.00001, lat: 30.55 });
    expect(Math.abs(d - straight)).toBeLessThan(2);
    expect(route[0]![2]).toBe(t0);
    expect(route[route.length - 1]![2]).toBe(t0 + 99_000);
    expect(route.length).toBeLessThan(15);
    expect(cleanRoute(pts, 5).route).toHaveLength(5);
  });
});
