import type { Boundary } from '../../api/units.js';

/**
 * The arithmetic of drawing a boundary on a plain map: a local equirectangular view (a degree of
 * longitude drawn cos(latitude) as wide as a degree of latitude — true enough for a district),
 * fitting, zooming about a point, and checks on the drawn ring.
 */

/** A lng/lat pair, as GeoJSON writes it. */
export type Position = [number, number];

export interface Bounds { west: number; south: number; east: number; north: number }

/** The lng/lat at the centre of the canvas and the pixels per degree of latitude. */
export interface View {
  lng: number;
  lat: number;
  scale: number;
  /** cos(latitude) when the view was fitted: how much narrower a degree of longitude is drawn. */
  kx: number;
}

export interface Canvas { width: number; height: number }

const MIN_SCALE = 20;
const MAX_SCALE = 5e7;

/** Six decimals: about 0.1 m, finer than any click. */
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Every ring of a Polygon or MultiPolygon. */
export function ringsOf(b: Boundary | null | undefined): number[][][] {
  if (!b) return [];
  return b.type === 'Polygon' ? (b.coordinates as number[][][]) : (b.coordinates as number[][][][]).flat();
}

/** The outer ring of each polygon (where a label goes). */
export function outerRingsOf(b: Boundary | null | undefined): number[][][] {
  if (!b) return [];
  return b.type === 'Polygon' ? (b.coordinates as number[][][]).slice(0, 1) : (b.coordinates as number[][][][]).map((p) => p[0]!);
}

/** The box around the points; a point or a line gets a small box around it (about 400 m). */
export function boundsOf(points: number[][]): Bounds | null {
  let west = Infinity, south = Infinity, east = -Infinity, north = -Infinity;
  for (const p of points) {
    west = Math.min(west, p[0]!); east = Math.max(east, p[0]!);
    south = Math.min(south, p[1]!); north = Math.max(north, p[1]!);
  }
  if (!Number.isFinite(west)) return null;
  if (east - west < 1e-4) { west -= 0.002; east += 0.002; }
  if (north - south < 1e-4) { south -= 0.002; north += 0.002; }
  return { west, south, east, north };
}

/** The view that shows the box with a margin. */
export function fit(b: Bounds, c: Canvas): View {
  const lat = (b.south + b.north) / 2;
  const kx = Math.cos((lat * Math.PI) / 180);
  const scale = Math.min((c.width * 0.88) / ((b.east - b.west) * kx), (c.height * 0.88) / (b.north - b.south));
  return { lng: (b.west + b.east) / 2, lat, scale: Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale)), kx };
}

export function project(v: View, c: Canvas, lng: number, lat: number): [number, number] {
  return [c.width / 2 + (lng - v.lng) * v.kx * v.scale, c.height / 2 - (lat - v.lat) * v.scale];
}

/** The lng/lat under a pixel, to six decimals. */
export function unproject(v: View, c: Canvas, x: number, y: number): Position {
  return [round6(v.lng + (x - c.width / 2) / (v.kx * v.scale)), round6(v.lat - (y - c.height / 2) / v.scale)];
}

/** Zoom by `factor`, keeping the place under the pixel (x, y) where it is. */
export function zoomAbout(v: View, c: Canvas, factor: number, x: number, y: number): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale * factor));
  const lng = v.lng + (x - c.width / 2) / (v.kx * v.scale);
  const lat = v.lat - (y - c.height / 2) / v.scale;
  return { ...v, scale, lng: lng - (x - c.width / 2) / (v.kx * scale), lat: lat + (y - c.height / 2) / scale };
}

/** Move the view as the pointer drags the map by (dx, dy) pixels from where the drag began. */
export function panned(from: View, dx: number, dy: number): View {
  return { ...from, lng: from.lng - dx / (from.kx * from.scale), lat: from.lat + dy / from.scale };
}

/** Do segments ab and cd cross (touching at an end does not count)? */
function crosses(a: Position, b: Position, c: Position, d: Position): boolean {
  const orient = (p: Position, q: Position, r: Position) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  const o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
  return o1 !== o2 && o3 !== o4 && o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0;
}

/** Does the closed ring through these corners cross itself? */
export function selfIntersects(points: Position[]): boolean {
  const n = points.length;
  if (n < 4) return false;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // Neighbouring edges share a corner.
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (crosses(points[i]!, points[(i + 1) % n]!, points[j]!, points[(j + 1) % n]!)) return true;
    }
  }
  return false;
}

/** The corners as a GeoJSON polygon, the ring closed by repeating the first corner. */
export function polygonOf(points: Position[]): Boundary {
  if (points.length < 3) throw new Error('a polygon needs three corners');
  return { type: 'Polygon', coordinates: [[...points, points[0]!]] } as Boundary;
}
