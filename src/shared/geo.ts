/** Plane geometry on GeoJSON coordinates ([lng, lat]); enough for grids a few hundred metres wide. */

type Ring = number[][];

/** Ray casting: is the point inside the ring? Points on an edge count as inside. */
export function inRing(lng: number, lat: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    // On the edge?
    const cross = (lng - xi) * (yj - yi) - (lat - yi) * (xj - xi);
    if (Math.abs(cross) < 1e-12 && lng >= Math.min(xi, xj) && lng <= Math.max(xi, xj) && lat >= Math.min(yi, yj) && lat <= Math.max(yi, yj)) return true;
    if ((yi > lat) !== (yj > lat) && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Inside a Polygon (outer ring minus holes) or any polygon of a MultiPolygon. */
export function inGeometry(lng: number, lat: number, g: { type: string; coordinates: unknown }): boolean {
  const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []) as Ring[][];
  return polygons.some((rings) => rings.length > 0 && inRing(lng, lat, rings[0]!) && !rings.slice(1).some((hole) => inRing(lng, lat, hole)));
}
