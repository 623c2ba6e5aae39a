import { inGeometry } from '../../../src/shared/geo.js';

export interface Geometry { type: string; coordinates: unknown }

/**
 * A point well inside an area (its neighbours a twentieth of the box away are inside too), from a
 * grid over its bounding box: where a phone's location is set so that reports land in that area.
 */
export function pointWellInside(boundary: Geometry): { lng: number; lat: number } | null {
  const coords = JSON.stringify(boundary.coordinates).match(/-?\d+\.?\d*/g)!.map(Number);
  const lngs = coords.filter((_, i) => i % 2 === 0);
  const lats = coords.filter((_, i) => i % 2 === 1);
  const [x0, x1, y0, y1] = [Math.min(...lngs), Math.max(...lngs), Math.min(...lats), Math.max(...lats)];
  const d = (x1 - x0) / 20;
  for (let i = 2; i < 19; i++) {
    for (let j = 2; j < 19; j++) {
      const lng = x0 + ((x1 - x0) * i) / 20;
      const lat = y0 + ((y1 - y0) * j) / 20;
      if ([[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]].every(([a, b]) => inGeometry(lng + a! * d, lat + b! * d, boundary))) return { lng, lat };
    }
  }
  return null;
}
