import { describe, expect, it } from 'vitest';
import { boundsOf, fit, panned, polygonOf, project, selfIntersects, unproject, zoomAbout, type Position } from './drawing.js';

const canvas = { width: 800, height: 440 };
const community = { west: 114.2215, south: 30.5392, east: 114.2325, north: 30.5468 };

describe('drawing a boundary', () => {
  it('fits the box inside the canvas with a margin, centred', () => {
    const v = fit(community, canvas);
    const [x0, y0] = project(v, canvas, community.west, community.north);
    const [x1, y1] = project(v, canvas, community.east, community.south);
    expect(x0).toBeGreaterThanOrEqual(0);
    expect(y0).toBeGreaterThanOrEqual(0);
    expect(x1).toBeLessThanOrEqual(canvas.width);
    expect(y1).toBeLessThanOrEqual(canvas.height);
    // The tighter side fills 88% of the canvas.
    expect(Math.max((x1 - x0) / canvas.width, (y1 - y0) / canvas.height)).toBeCloseTo(0.88, 5);
    expect((x0 + x1) / 2).toBeCloseTo(canvas.width / 2, 6);
    // North is up.
    expect(y0).toBeLessThan(y1);
  });

  it('turns a clicked pixel back into the lng/lat drawn there, to six decimals', () => {
    const v = fit(community, canvas);
    const [x, y] = project(v, canvas, 114.227123, 30.543456);
    expect(unproject(v, canvas, x, y)).toEqual([114.227123, 30.543456]);
  });

  it('zooms about the pointer and pans with the drag', () => {
    const v = fit(community, canvas);
    const under = unproject(v, canvas, 200, 100);
    const zoomed = zoomAbout(v, canvas, 3, 200, 100);
    expect(zoomed.scale).toBeCloseTo(v.scale * 3, 6);
    expect(unproject(zoomed, canvas, 200, 100)).toEqual(under);
    const moved = panned(v, 50, -20);
    expect(unproject(moved, canvas, 250, 80)).toEqual(unproject(v, canvas, 200, 100));
  });

  it('boxes a lone point instead of dividing by zero', () => {
    const b = boundsOf([[114.25, 30.55]])!;
    expect(b.west).toBeCloseTo(114.248, 9);
    expect(b.east).toBeCloseTo(114.252, 9);
    expect(b.south).toBeCloseTo(30.548, 9);
    expect(b.north).toBeCloseTo(30.552, 9);
    expect(boundsOf([])).toBeNull();
  });

  it('closes the ring and notices edges that cross', () => {
    const square: Position[] = [[0, 0], [1, 0], [1, 1], [0, 1]];
    expect(polygonOf(square)).toEqual({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]] });
    expect(() => polygonOf(square.slice(0, 2))).toThrow();
    expect(selfIntersects(square)).toBe(false);
    expect(selfIntersects([[0, 0], [1, 1], [1, 0], [0, 1]])).toBe(true);
    expect(selfIntersects(square.slice(0, 3))).toBe(false);
    // A concave ring is fine.
    expect(selfIntersects([[0, 0], [2, 0], [2, 2], [1, 1], [0, 2]])).toBe(false);
  });
});
