import { describe, expect, it } from 'vitest';
import { boxArea, boxContains, boxesOverlap, boxPolygon, pointInBox, splitBox, spreadPoints, tileBox, type Box } from './geometry.js';
import { DETAILED_COMMUNITIES, planDetailedCommunities } from './plan.js';
import { Random } from './random.js';

const community: Box = { west: 114.2215, south: 30.5392, east: 114.2325, north: 30.5468 };

function expectTiling(outer: Box, tiles: Box[]) {
  for (const t of tiles) {
    expect(boxContains(outer, t)).toBe(true);
    expect(t.east).toBeGreaterThan(t.west);
    expect(t.north).toBeGreaterThan(t.south);
  }
  for (let i = 0; i < tiles.length; i++) {
    for (let j = i + 1; j < tiles.length; j++) expect(boxesOverlap(tiles[i]!, tiles[j]!), `${i} and ${j}`).toBe(false);
  }
  // Inside, without overlaps, and as large together as the whole: no gaps either.
  const sum = tiles.reduce((s, t) => s + boxArea(t), 0);
  expect(sum).toBeCloseTo(boxArea(outer), 12);
}

describe('grid tiling', () => {
  it('cuts a community into 1–8 grids that cover it without overlaps', () => {
    const rnd = new Random(1);
    for (let n = 1; n <= 8; n++) {
      const tiles = tileBox(community, n, rnd);
      expect(tiles).toHaveLength(n);
      expectTiling(community, tiles);
    }
  });

  it('splits a grid into two micro-grids', () => {
    const rnd = new Random(2);
    for (const grid of tileBox(community, 6, rnd)) expectTiling(grid, splitBox(grid, rnd));
  });

  it('spreads buildings strictly inside their micro-grid', () => {
    const rnd = new Random(3);
    for (let n = 1; n <= 6; n++) for (const p of spreadPoints(community, n, rnd)) expect(pointInBox(community, p)).toBe(true);
  });

  it('writes a closed GeoJSON ring of [lng, lat]', () => {
    const ring = boxPolygon(community).coordinates[0] as number[][];
    expect(ring).toHaveLength(5);
    expect(ring[0]).toEqual(ring[4]);
    expect(ring[0]).toEqual([community.west, community.south]);
  });
});

describe('the demo plan’s geometry', () => {
  const plan = planDetailedCommunities('420105');

  it('places each community on its own spot in 汉阳', () => {
    const hanyang: Box = { west: 114.2, south: 30.5, east: 114.28, north: 30.57 };
    for (const c of plan) expect(boxContains(hanyang, c.box)).toBe(true);
    for (let i = 0; i < plan.length; i++) for (let j = i + 1; j < plan.length; j++) expect(boxesOverlap(plan[i]!.box, plan[j]!.box)).toBe(false);
  });

  it('tiles every community with its grids and every grid with its micro-grids; buildings lie inside', () => {
    for (const c of plan) {
      expectTiling(c.box, c.grids.map((g) => g.box));
      for (const g of c.grids) {
        expect(g.microgrids).toHaveLength(2);
        expectTiling(g.box, g.microgrids.map((m) => m.box));
        for (const m of g.microgrids) {
          expect(m.boundary).toEqual(boxPolygon(m.box));
          for (const b of m.buildings) expect(pointInBox(m.box, b)).toBe(true);
        }
      }
    }
  });

  it('gives 龙湖东岸社区 exactly six grids', () => {
    expect(DETAILED_COMMUNITIES[0]!.code).toBe('420105013007');
    expect(plan[0]!.grids.map((g) => g.name)).toEqual(['第一网格', '第二网格', '第三网格', '第四网格', '第五网格', '第六网格']);
  });
});
