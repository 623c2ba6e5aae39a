/**
 * The tree in memory: every unit by path, and the outlines of communities, grids and micro-grids, so
 * that placing a point (which grid holds it?) and finding an ancestor (the street above a grid) cost no
 * round trip. Held in the process's reference cache (core/reference.ts) and reloaded when any unit
 * changes; what it answers is what locatePoint and the ancestor queries answer from the tables.
 */
import type { AppContext } from '../../core/context.js';
import type { Executor } from '../../core/db/index.js';
import { referenceOf } from '../../core/reference.js';
import { inGeometry } from '../../../shared/geo.js';
import type { UnitLevel } from '../../../shared/roles.js';
import type { PlacedPoint } from './hierarchy.service.js';

export interface AtlasUnit { id: string; name: string; level: UnitLevel; code: string; path: string; region_code: string }
interface Outline { unit: AtlasUnit; boundary: { type: string; coordinates: unknown }; bbox: [number, number, number, number] }

/** The levels whose outlines place a point (as locatePoint). */
export const PLACING_LEVELS: readonly UnitLevel[] = ['community', 'grid', 'microgrid'];

/** Of the units whose outline holds a point, the deepest community, grid and micro-grid that belong together. */
export function pickPlace(hits: readonly AtlasUnit[]): Pick<PlacedPoint, 'community' | 'grid' | 'microgrid'> {
  const pick = (level: UnitLevel) => {
    const u = hits.filter((h) => h.level === level).sort((a, b) => b.path.length - a.path.length)[0];
    return u ? { id: u.id, name: u.name, level: u.level, code: u.code, path: u.path, region_code: u.region_code } : null;
  };
  let community = pick('community');
  const grid = pick('grid');
  let microgrid = pick('microgrid');
  // A grid drawn a little outside its community's outline still belongs to that community.
  if (grid && community && !grid.path.startsWith(community.path + '.')) community = null;
  if (microgrid && grid && !microgrid.path.startsWith(grid.path + '.')) microgrid = null;
  return { community, grid, microgrid };
}

export class Atlas {
  private readonly byPath = new Map<string, AtlasUnit>();
  private readonly outlines: Outline[] = [];

  constructor(rows: readonly (AtlasUnit & { boundary: unknown; bbox: number[] | null })[]) {
    for (const r of rows) {
      const unit: AtlasUnit = { id: r.id, name: r.name, level: r.level, code: r.code, path: r.path, region_code: r.region_code };
      this.byPath.set(unit.path, unit);
      if (r.boundary && r.bbox && PLACING_LEVELS.includes(r.level)) {
        this.outlines.push({ unit, boundary: r.boundary as Outline['boundary'], bbox: r.bbox as Outline['bbox'] });
      }
    }
  }

  /** Which micro-grid, grid and community hold the point (the same answer as locatePoint). */
  place(lng: number, lat: number): PlacedPoint {
    const hits = this.outlines
      .filter(({ bbox: [w, s, e, n] }) => w <= lng && e >= lng && s <= lat && n >= lat)
      .filter((o) => inGeometry(lng, lat, o.boundary))
      .map((o) => o.unit);
    const found = pickPlace(hits);
    const community = found.community ?? (found.grid ? this.ancestorAt(found.grid.path, 'community') ?? null : null);
    const { grid, microgrid } = found;
    return { community, grid, microgrid, unit: microgrid ?? grid ?? community };
  }

  /** The unit at `level` on the way up from `path` (itself included), if any. */
  ancestorAt(path: string, level: UnitLevel): AtlasUnit | undefined {
    const labels = path.split('.');
    for (let i = labels.length; i > 0; i--) {
      const u = this.byPath.get(labels.slice(0, i).join('.'));
      if (u?.level === level) return u;
    }
    return undefined;
  }
}

async function loadAtlas(db: Executor): Promise<Atlas> {
  const rows = await db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path', 'region_code', 'boundary', 'bbox']).execute();
  return new Atlas(rows);
}

/**
 * The tree as of `version` or later (a version the request read with its caller; null: the current
 * one, one query).
 */
export function atlasOf(ctx: Pick<AppContext, 'db'>, version: string | null): Promise<Atlas> {
  return referenceOf(ctx).get('hierarchy.atlas', version, loadAtlas);
}
