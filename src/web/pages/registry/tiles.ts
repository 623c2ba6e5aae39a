/**
 * Web Mercator arithmetic for drawing slippy-map tiles ({z}/{x}/{y}) under the grid map, and the
 * matching projection for ECharts' geo coordinate system, so polygons, points and tiles line up.
 */

export interface Bounds {
  west: number;
  south: number;
  east: number;
  north: number;
}

export interface TileView {
  /** Fractional zoom the view is drawn at. */
  zoom: number;
  /** World pixel (at `zoom`) of the container's top-left corner. */
  left: number;
  top: number;
  width: number;
  height: number;
}

const TILE = 256;
const MAX_LAT = 85.05112878;

export function worldX(lng: number, zoom: number): number {
  return ((lng + 180) / 360) * TILE * 2 ** zoom;
}

export function worldY(lat: number, zoom: number): number {
  const l = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180;
  return ((1 - Math.log(Math.tan(l) + 1 / Math.cos(l)) / Math.PI) / 2) * TILE * 2 ** zoom;
}

export function lngOf(x: number, zoom: number): number {
  return (x / (TILE * 2 ** zoom)) * 360 - 180;
}

export function latOf(y: number, zoom: number): number {
  const n = Math.PI - (2 * Math.PI * y) / (TILE * 2 ** zoom);
  return (180 / Math.PI) * Math.atan(Math.sinh(n));
}

/** The view that fits the bounds into a width × height box with some margin, at most `maxZoom`. */
export function fitView(b: Bounds, width: number, height: number, maxZoom = 18, margin = 0.08): TileView {
  const span = (zoom: number) => ({ w: worldX(b.east, zoom) - worldX(b.west, zoom), h: worldY(b.south, zoom) - worldY(b.north, zoom) });
  const at0 = span(0);
  const fit = Math.min(
    at0.w > 0 ? Math.log2((width * (1 - 2 * margin)) / at0.w) : maxZoom,
    at0.h > 0 ? Math.log2((height * (1 - 2 * margin)) / at0.h) : maxZoom,
  );
  const zoom = Math.max(1, Math.min(maxZoom, fit));
  const cx = (worldX(b.west, zoom) + worldX(b.east, zoom)) / 2;
  const cy = (worldY(b.north, zoom) + worldY(b.south, zoom)) / 2;
  return { zoom, left: cx - width / 2, top: cy - height / 2, width, height };
}

/** The ECharts projection that puts a lng/lat at its pixel in the container. */
export function projectionOf(v: TileView) {
  return {
    project: ([lng, lat]: number[]) => [worldX(lng!, v.zoom) - v.left, worldY(lat!, v.zoom) - v.top],
    unproject: ([x, y]: number[]) => [lngOf(x! + v.left, v.zoom), latOf(y! + v.top, v.zoom)],
  };
}

/** The lng/lat of the container's corners: ECharts' boundingCoords, so the projected rect is the container. */
export function cornersOf(v: TileView): [[number, number], [number, number]] {
  return [
    [lngOf(v.left, v.zoom), latOf(v.top, v.zoom)],
    [lngOf(v.left + v.width, v.zoom), latOf(v.top + v.height, v.zoom)],
  ];
}

export interface PlacedTile {
  key: string;
  url: string;
  x: number;
  y: number;
  size: number;
}

/** The tiles covering the view, at the integer zoom below it, scaled to the view's zoom. */
export function tilesFor(v: TileView, template: string): PlacedTile[] {
  const z = Math.floor(v.zoom);
  const scale = 2 ** (v.zoom - z);
  const size = TILE * scale;
  const n = 2 ** z;
  const x0 = Math.floor(v.left / size);
  const y0 = Math.floor(v.top / size);
  const x1 = Math.floor((v.left + v.width) / size);
  const y1 = Math.floor((v.top + v.height) / size);
  const out: PlacedTile[] = [];
  for (let ty = Math.max(0, y0); ty <= Math.min(n - 1, y1); ty++) {
    for (let tx = x0; tx <= x1; tx++) {
      const wrapped = ((tx % n) + n) % n;
      const sub = 'abc'[(wrapped + ty) % 3]!;
      const url = template.replace('{z}', String(z)).replace('{x}', String(wrapped)).replace('{y}', String(ty)).replace('{s}', sub);
      out.push({ key: `${z}/${tx}/${ty}`, url, x: tx * size - v.left, y: ty * size - v.top, size });
    }
  }
  return out;
}

/** The bounds of polygons' rings and points. */
export function boundsOf(rings: number[][][], points: [number, number][]): Bounds | null {
  let west = Infinity, south = Infinity, east = -Infinity, north = -Infinity;
  const add = (lng: number, lat: number) => {
    west = Math.min(west, lng); east = Math.max(east, lng);
    south = Math.min(south, lat); north = Math.max(north, lat);
  };
  for (const ring of rings) for (const p of ring) add(p[0]!, p[1]!);
  for (const [lng, lat] of points) add(lng, lat);
  if (!Number.isFinite(west)) return null;
  // A single point: a small box around it.
  if (east - west < 1e-4) { west -= 0.002; east += 0.002; }
  if (north - south < 1e-4) { south -= 0.002; north += 0.002; }
  return { west, south, east, north };
}
