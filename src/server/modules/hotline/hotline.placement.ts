import { pathWithin } from '../../core/access/actor.js';
import type { UnitLevel } from '../../core/db/index.js';
import { fold } from './hotline.mapping.js';

/**
 * Where a hotline order goes, without any internet geocoding: the address of a registry building
 * within the receiving unit (its point and its grid); else the name of a community or grid of the
 * receiving unit found in the address (that unit's boundary centre); else the receiving unit itself
 * (its boundary centre — the street or community then dispatches it). A unit without a boundary of
 * its own is centred on the boundaries drawn below it.
 */

export interface PlaceUnit { id: string; name: string; level: UnitLevel; code: string; path: string; region_code: string; bbox: number[] | null }
export interface PlaceBuilding { id: string; name: string; address: string | null; lng: number | null; lat: number | null; unit_id: string }

export interface Placement {
  kind: 'building' | 'unit' | 'source';
  unitId: string;
  unitName: string;
  building: string | null;
  lng: number;
  lat: number;
}

/** Building addresses shorter than this (folded) are too vague to find inside a longer address. */
const MIN_ADDRESS = 4;
const MIN_NAME = 2;

export class Placer {
  private readonly units = new Map<string, PlaceUnit>();
  private readonly centres = new Map<string, { lng: number; lat: number } | null>();
  private readonly buildings: { key: string; b: PlaceBuilding }[];
  private readonly names: { key: string; u: PlaceUnit }[];
  private readonly nameCount = new Map<string, number>();

  constructor(private readonly source: PlaceUnit, units: PlaceUnit[], buildings: PlaceBuilding[]) {
    for (const u of units) this.units.set(u.id, u);
    for (const u of units) {
      // The union of the boxes drawn at the unit and below it.
      let box: number[] | null = null;
      for (const v of units) {
        if (!v.bbox || !pathWithin(v.path, u.path)) continue;
        const b: number[] = box ?? [...v.bbox];
        box = [Math.min(b[0]!, v.bbox[0]!), Math.min(b[1]!, v.bbox[1]!), Math.max(b[2]!, v.bbox[2]!), Math.max(b[3]!, v.bbox[3]!)];
      }
      this.centres.set(u.id, box ? { lng: (box[0]! + box[2]!) / 2, lat: (box[1]! + box[3]!) / 2 } : null);
    }
    this.buildings = buildings.filter((b) => b.address && b.lng !== null && b.lat !== null && this.units.has(b.unit_id))
      .map((b) => ({ key: fold(b.address!), b }))
      .filter((x) => x.key.length >= MIN_ADDRESS)
      .sort((a, b) => b.key.length - a.key.length || Number(a.b.id) - Number(b.b.id));
    this.names = units.filter((u) => u.id !== source.id).map((u) => ({ key: fold(u.name), u })).filter((x) => x.key.length >= MIN_NAME);
    for (const n of this.names) this.nameCount.set(n.key, (this.nameCount.get(n.key) ?? 0) + 1);
  }

  centreOf(unitId: string): { lng: number; lat: number } | null {
    return this.centres.get(unitId) ?? null;
  }

  /** The building an address names: the same address, else the longest building address inside it. */
  private building(a: string): PlaceBuilding | null {
    const exact = this.buildings.find((x) => x.key === a);
    if (exact) return exact.b;
    return this.buildings.find((x) => a.includes(x.key))?.b ?? null;
  }

  /**
   * The deepest unit whose name the address holds. A name used by several units (第一网格) counts
   * only when a unit above it is named too; two different units at the deepest level → none.
   */
  private unit(a: string): PlaceUnit | null {
    const hits = this.names.filter((x) => a.includes(x.key)).map((x) => x.u);
    const named = hits.filter((u) => this.nameCount.get(fold(u.name)) === 1 || hits.some((v) => v.id !== u.id && pathWithin(u.path, v.path)));
    const deepest = named.filter((u) => !named.some((v) => v.id !== u.id && pathWithin(v.path, u.path)));
    if (deepest.length === 0) return null;
    const depth = (u: PlaceUnit) => u.path.split('.').length;
    const max = Math.max(...deepest.map(depth));
    const at = deepest.filter((u) => depth(u) === max);
    return at.length === 1 ? at[0]! : null;
  }

  place(address: string | null): Placement | null {
    if (address) {
      const a = fold(address);
      const b = this.building(a);
      if (b) {
        const u = this.units.get(b.unit_id)!;
        return { kind: 'building', unitId: u.id, unitName: u.name, building: b.name, lng: b.lng!, lat: b.lat! };
      }
      const u = this.unit(a);
      const c = u ? this.centreOf(u.id) : null;
      if (u && c) return { kind: 'unit', unitId: u.id, unitName: u.name, building: null, ...c };
    }
    const c = this.centreOf(this.source.id);
    return c ? { kind: 'source', unitId: this.source.id, unitName: this.source.name, building: null, ...c } : null;
  }
}
