import type { Boundary } from '../../shared/hierarchy.schemas.js';
import type { Random } from './random.js';

/** An axis-aligned box in WGS 84 degrees. */
export interface Box {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** Coordinates are kept to 6 decimals (about 0.1 m); neighbours share the very same edge values. */
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The box as a GeoJSON Polygon: [lng, lat] positions, one closed counter-clockwise ring. */
export function boxPolygon(b: Box): Boundary {
  return {
    type: 'Polygon',
    coordinates: [[[b.west, b.south], [b.east, b.south], [b.east, b.north], [b.west, b.north], [b.west, b.south]]],
  };
}

/** Cut points across [from, to] into `parts` pieces of roughly equal size (each 80–120 % of the mean), at 6 decimals. */
export function cuts(from: number, to: number, parts: number, rnd: Random): number[] {
  const weights = Array.from({ length: parts }, () => rnd.between(0.8, 1.2));
  const total = weights.reduce((s, w) => s + w, 0);
  const out = [from];
  let acc = 0;
  for (let i = 0; i < parts - 1; i++) {
    acc += weights[i]!;
    out.push(round6(from + ((to - from) * acc) / total));
  }
  out.push(to);
  return out;
}

/**
 * Tile a community's box with `n` grids, without gaps or overlaps: one row up to three grids, else
 * two rows (the upper one takes the odd grid), each row cut at uneven widths. Order: upper row west
 * to east, then the lower row.
 */
export function tileBox(box: Box, n: number, rnd: Random): Box[] {
  if (!Number.isInteger(n) || n < 1) throw new Error('tile into at least one box');
  const rows = n <= 3 ? [n] : [Math.ceil(n / 2), Math.floor(n / 2)];
  const ys = cuts(box.north, box.south, rows.length, rnd); // north to south
  const tiles: Box[] = [];
  rows.forEach((cols, r) => {
    const xs = cuts(box.west, box.east, cols, rnd);
    for (let c = 0; c < cols; c++) tiles.push({ west: xs[c]!, east: xs[c + 1]!, north: ys[r]!, south: ys[r + 1]! });
  });
  return tiles;
}

/** Split a box in two across its longer side (in metres), at 40–60 %: west/south part first. */
export function splitBox(box: Box, rnd: Random): [Box, Box] {
  const midLat = ((box.north + box.south) / 2) * (Math.PI / 180);
  const width = (box.east - box.west) * Math.cos(midLat);
  const height = box.north - box.south;
  const f = rnd.between(0.4, 0.6);
  if (width >= height) {
    const x = round6(box.west + (box.east - box.west) * f);
    return [{ ...box, east: x }, { ...box, west: x }];
  }
  const y = round6(box.south + (box.north - box.south) * f);
  return [{ ...box, north: y }, { ...box, south: y }];
}

/** `count` points spread over a box on a jittered lattice, each well inside it (never on an edge). */
export function spreadPoints(box: Box, count: number, rnd: Random): { lng: number; lat: number }[] {
  const cols = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const w = (box.east - box.west) / cols, h = (box.north - box.south) / rows;
  const points: { lng: number; lat: number }[] = [];
  for (let i = 0; i < count; i++) {
    const c = i % cols, r = Math.floor(i / cols);
    points.push({
      lng: round6(box.west + w * (c + rnd.between(0.25, 0.75))),
      lat: round6(box.south + h * (r + rnd.between(0.25, 0.75))),
    });
  }
  return points;
}

export function boxContains(outer: Box, inner: Box): boolean {
  return inner.west >= outer.west && inner.east <= outer.east && inner.south >= outer.south && inner.north <= outer.north;
}

/** Strictly inside (not on the edge). */
export function pointInBox(b: Box, p: { lng: number; lat: number }): boolean {
  return p.lng > b.west && p.lng < b.east && p.lat > b.south && p.lat < b.north;
}

/** Whether two boxes share some area (touching edges do not count). */
export function boxesOverlap(a: Box, b: Box): boolean {
  return Math.min(a.east, b.east) > Math.max(a.west, b.west) && Math.min(a.north, b.north) > Math.max(a.south, b.south);
}

export function boxArea(b: Box): number {
  return (b.east - b.west) * (b.north - b.south);
}
