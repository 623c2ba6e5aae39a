import type { MessageKey } from '../../../shared/i18n/index.js';
import type { Boundary } from '../../api/units.js';

export type Extracted = { ok: true; boundary: Boundary } | { ok: false; reason: MessageKey };

const isPolygonal = (g: unknown): g is Boundary =>
  !!g && typeof g === 'object' && ((g as { type?: unknown }).type === 'Polygon' || (g as { type?: unknown }).type === 'MultiPolygon')
  && Array.isArray((g as { coordinates?: unknown }).coordinates);

/**
 * The boundary geometry in pasted or uploaded GeoJSON: a Feature, a FeatureCollection holding one
 * polygon, or a bare Polygon / MultiPolygon. Only { type, coordinates } is kept; the server checks the rest.
 */
export function extractBoundary(text: string): Extracted {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'ui.geojson.notJson' };
  }
  if (!json || typeof json !== 'object') return { ok: false, reason: 'ui.geojson.notGeojson' };
  const obj = json as { type?: unknown; geometry?: unknown; features?: unknown };
  let geometry: unknown;
  switch (obj.type) {
    case 'Feature':
      geometry = obj.geometry;
      break;
    case 'FeatureCollection': {
      const features = Array.isArray(obj.features) ? (obj.features as { geometry?: unknown }[]) : [];
      const polygons = features.map((f) => f?.geometry).filter(isPolygonal);
      if (polygons.length === 0) return { ok: false, reason: 'ui.geojson.noPolygon' };
      if (polygons.length > 1) return { ok: false, reason: 'ui.geojson.manyPolygons' };
      geometry = polygons[0];
      break;
    }
    case 'Polygon':
    case 'MultiPolygon':
      geometry = obj;
      break;
    default:
      return { ok: false, reason: 'ui.geojson.notGeojson' };
  }
  if (!isPolygonal(geometry)) return { ok: false, reason: 'ui.geojson.noPolygon' };
  return { ok: true, boundary: { type: geometry.type, coordinates: geometry.coordinates } as Boundary };
}
