import { describe, expect, it } from 'vitest';
import { inGeometry, inRing } from './geo.js';

const square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
describe('point in polygon', () => {
  it('tells inside from outside, edges inside', () => {
    expect(inRing(5, 5, square)).toBe(true);
    expect(inRing(11, 5, square)).toBe(false);
    expect(inRing(10, 5, square)).toBe(true);
    expect(inRing(0, 0, square)).toBe(true);
  });
  it('handles holes, concave shapes and multipolygons', () => {
    const withHole = { type: 'Polygon', coordinates: [square, [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]] };
    expect(inGeometry(5, 5, withHole)).toBe(false);
    expect(inGeometry(2, 2, withHole)).toBe(true);
    const ell = { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 2], [2, 2], [2, 10], [0, 10], [0, 0]]] };
    expect(inGeometry(5, 5, ell)).toBe(false);
    expect(inGeometry(1, 5, ell)).toBe(true);
    const multi = { type: 'MultiPolygon', coordinates: [[square], [[[20, 20], [30, 20], [30, 30], [20, 20]]]] };
    expect(inGeometry(28, 22, multi)).toBe(true);
    expect(inGeometry(15, 15, multi)).toBe(false);
  });
});
