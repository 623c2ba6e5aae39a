import { describe, expect, it } from 'vitest';
import { cleanRoute, type Point } from './route.js';
import { distanceM } from './checklist.js';

// Around 汉阳: 0.0001° of latitude ≈ 11.1 m.
const LNG = 114.27;
const LAT = 30.55;
const T0 = Date.parse('2026-11-20T00:00:00Z');
/** A point `north` metres north of the origin at `s` seconds. */
const pt = (north: number, s: number, east = 0): Point => [LNG + east / 95_800, LAT + north / 111_195, T0 + s * 1000];
const metres = (a: Point, b: Point) => distanceM({ lng: a[0], lat: a[1] }, { lng: b[0], lat: b[1] });

describe('cleanRoute', () => {
  it('counts a two-point patrol of 48 m, whatever the seconds between the fixes', () => {
    for (const seconds of [0, 1, 2, 30]) {
      const a = pt(0, 0);
      const b = pt(48, seconds);
      const { route, distanceM } = cleanRoute([a, b], 2000);
      expect(distanceM).toBe(Math.round(metres(a, b)));
      expect(distanceM).toBeGreaterThanOrEqual(47);
      expect(route).toEqual([a, b]);
    }
  });

  it('counts every accepted segment, also between points thinned out of the map', () => {
    // A walk north, a fix every 3 m and 2 s: most are thinned, all are walked.
    const walk = Array.from({ length: 101 }, (_, i) => pt(i * 3, i * 2));
    const { route, distanceM } = cleanRoute(walk, 2000);
    expect(distanceM).toBeGreaterThanOrEqual(299);
    expect(distanceM).toBeLessThanOrEqual(301);
    expect(route.length).toBeLessThan(walk.length);
    expect(route[0]).toEqual(walk[0]);
    expect(route.at(-1)).toEqual(walk.at(-1));
    // No kept point is closer than 10 m to the one before it unless a minute passed, the last excepted.
    for (let i = 1; i < route.length - 1; i++) expect(metres(route[i - 1]!, route[i]!)).toBeGreaterThanOrEqual(10);
  });

  it('keeps the last point even when it is close to the one kept before it', () => {
    const points = [pt(0, 0), pt(20, 20), pt(22, 25)];
    const { route, distanceM } = cleanRoute(points, 2000);
    expect(route).toEqual(points);
    expect(distanceM).toBe(Math.round(metres(points[0]!, points[1]!) + metres(points[1]!, points[2]!)));
  });

  it('leaves a glitch out of the distance and of the route, and measures on from the last good fix', () => {
    const glitch = pt(5000, 11); // 5 km in a second
    const points = [pt(0, 0), pt(15, 10), glitch, pt(30, 20), pt(45, 30)];
    const { route, distanceM } = cleanRoute(points, 2000);
    expect(route).toEqual(points.filter((p) => p !== glitch));
    expect(distanceM).toBeGreaterThanOrEqual(44);
    expect(distanceM).toBeLessThanOrEqual(46);
  });

  it('sorts the points by time first', () => {
    const points = [pt(40, 40), pt(0, 0), pt(20, 20)];
    const { route, distanceM } = cleanRoute(points, 2000);
    expect(route.map((p) => p[2])).toEqual([T0, T0 + 20_000, T0 + 40_000]);
    expect(distanceM).toBeGreaterThanOrEqual(39);
  });

  it('keeps at most `keep` points, the first and the last among them, and the whole distance', () => {
    const walk = Array.from({ length: 500 }, (_, i) => pt(i * 12, i * 10));
    const { route, distanceM } = cleanRoute(walk, 50);
    expect(route).toHaveLength(50);
    expect(route[0]).toEqual(walk[0]);
    expect(route.at(-1)).toEqual(walk.at(-1));
    expect(Math.abs(distanceM - 499 * 12)).toBeLessThanOrEqual(5);
  });

  it('answers nothing for no points, and one point for one', () => {
    expect(cleanRoute([], 2000)).toEqual({ route: [], distanceM: 0 });
    expect(cleanRoute([pt(0, 0)], 2000)).toEqual({ route: [pt(0, 0)], distanceM: 0 });
  });
});
