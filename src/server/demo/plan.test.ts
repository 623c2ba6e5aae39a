import { describe, expect, it } from 'vitest';
import { countPlan, planDetailedCommunities } from './plan.js';

describe('the demo plan', () => {
  const plan = planDetailedCommunities('420105');

  it('comes out the same every time', () => {
    expect(planDetailedCommunities('420105')).toEqual(plan);
  });

  it('is big enough to make every page meaningful, small enough to seed in seconds', () => {
    const c = countPlan(plan);
    expect(c.grids).toBe(16);
    expect(c.microgrids).toBe(32);
    expect(c.buildings).toBeGreaterThanOrEqual(96);
    expect(c.buildings).toBeLessThanOrEqual(160);
    expect(c.residents).toBeGreaterThanOrEqual(5000);
    expect(c.residents).toBeLessThanOrEqual(10000);
  });

  it('codes grids and micro-grids under their community', () => {
    for (const c of plan) {
      c.grids.forEach((g, i) => {
        expect(g.code).toBe(c.code + String(i + 1).padStart(3, '0'));
        g.microgrids.forEach((m, j) => expect(m.code).toBe(g.code + String(j + 1).padStart(3, '0')));
      });
    }
  });

  it('builds plausible buildings, households and families', () => {
    const usages = new Map<string, number>();
    const residence = new Map<string, number>();
    for (const c of plan) for (const g of c.grids) for (const m of g.microgrids) {
      expect(m.buildings.length).toBeGreaterThanOrEqual(3);
      expect(m.buildings.length).toBeLessThanOrEqual(5);
      for (const b of m.buildings) {
        expect(b.name).toMatch(/^\d+栋$/);
        expect(b.address).toMatch(new RegExp(`^汉阳区.+\\d+号 ${b.name}$`));
        expect(b.floors).toBeGreaterThanOrEqual(6);
        expect(b.floors).toBeLessThanOrEqual(18);
        expect(b.entrances.length).toBeGreaterThanOrEqual(1);
        expect(b.entrances.length).toBeLessThanOrEqual(3);
        const rooms = new Set<string>();
        b.entrances.forEach((e, i) => {
          expect(e.name).toBe(`${i + 1}单元`);
          const perFloor = e.households.length / b.floors;
          expect([2, 3, 4]).toContain(perFloor);
          for (const h of e.households) {
            expect(h.room).toMatch(/^\d{4}$/);
            expect(Number(h.room.slice(0, 2))).toBe(h.floor);
            expect(rooms.has(h.room)).toBe(false);
            rooms.add(h.room);
            usages.set(h.usage, (usages.get(h.usage) ?? 0) + 1);
            expect(h.residents.length).toBeLessThanOrEqual(5);
            if (h.usage === 'vacant') expect(h.residents).toHaveLength(0);
            if (h.residents.length) expect(h.residents[0]!.relation).toBe('户主');
            expect(h.residents.filter((p) => p.relation === '户主').length).toBeLessThanOrEqual(1);
            for (const p of h.residents) {
              expect(p.name).toMatch(/^\p{Script=Han}{2,3}$/u);
              expect(['户主', '配偶', '子女', '父母', '其他']).toContain(p.relation);
              residence.set(p.residenceType, (residence.get(p.residenceType) ?? 0) + 1);
            }
          }
        });
      }
    }
    const owner = usages.get('owner_occupied')!, rented = usages.get('rented')!, vacant = usages.get('vacant')!;
    expect(owner).toBeGreaterThan(rented);
    expect(rented).toBeGreaterThan(vacant);
    expect(vacant).toBeGreaterThan(0);
    expect(residence.get('registered')!).toBeGreaterThan(residence.get('floating')!);
    expect(residence.get('floating')!).toBeGreaterThan(0);
  });
});
