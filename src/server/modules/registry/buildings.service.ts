import type { Db, Executor, Trx } from '../../core/db/index.js';
import { pathWithin, type Actor } from '../../core/access/actor.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../../core/http/errors.js';
import type {
  CreateBuildingInput, CreateHouseholdInput, UpdateBuildingInput, UpdateHouseholdInput,
} from '../../../shared/registry/buildings.schemas.js';
import { locatePoint } from '../hierarchy/hierarchy.service.js';
import { P } from './registry.policy.js';
import * as Q from './buildings.queries.js';
import { checkTagIds, replaceTags } from './tags.queries.js';

const buildingNotFound = () => new AppError(404, 'not_found', 'building.not_found', undefined, 'buildingId');

/** The building, locked for the transaction: 404 out of sight (like a missing id), 403 when seen but not writable. */
async function writableBuilding(trx: Executor, actor: Actor, id: string, notFoundError: () => AppError = notFound): Promise<Q.BuildingRow> {
  const building = await Q.findBuildingInScope(trx, actor, id, { lock: true });
  if (!building) throw notFoundError();
  if (!actor.can(P.write, building.unit_path)) throw forbidden();
  return building;
}

/** Longitude and latitude go together. */
function checkLocation(lng: number | null | undefined, lat: number | null | undefined): void {
  const hasLng = lng !== null && lng !== undefined;
  const hasLat = lat !== null && lat !== undefined;
  if (hasLng !== hasLat) throw invalid(hasLng ? 'lat' : 'lng', 'building.location_pair');
}

/** A household's floor: no floor 0, and not above the building's floors when those are known. */
function checkFloor(floor: number | null | undefined, buildingFloors: number | null): void {
  if (floor === null || floor === undefined) return;
  if (floor === 0) throw invalid('floor', 'household.floor_zero');
  if (buildingFloors !== null && floor > buildingFloors) throw invalid('floor', 'household.floor_above_building', { floors: buildingFloors });
}

async function checkedTagIds(trx: Executor, actor: Actor, path: string, ids: string[]): Promise<string[]> {
  const checked = await checkTagIds(trx, actor, path, 'household', ids);
  if (!checked.ok) throw invalid('tagIds', 'household.tag_invalid', { id: checked.badId });
  return checked.ids;
}

/**
 * The micro-grid or grid whose boundary holds the point, where a building recorded by its location
 * goes. A point outside every area, or outside the caller's area, is refused the same way (nothing
 * is revealed about other areas); a point in a community of the caller's but in none of its grids
 * is refused with what to do about it.
 */
async function unitAtPoint(trx: Executor, actor: Actor, lng: number, lat: number): Promise<Q.UnitRow> {
  const outside = () => new AppError(400, 'outside_area', 'building.point_outside', undefined, 'lng');
  const placed = await locatePoint(trx, lng, lat);
  if (!placed.unit || !actor.can(P.write, placed.unit.path)) throw outside();
  if (placed.unit.level === 'community') throw invalid('lng', 'building.point_no_grid', { community: placed.unit.name });
  const unit = await Q.findUnitInScope(trx, actor, placed.unit.id);
  if (!unit) throw outside();
  return unit;
}

/** A location given with the unit must not lie in another grid or micro-grid (one unrelated to the unit). */
async function checkPointInUnit(trx: Executor, unit: Q.UnitRow, lng: number, lat: number): Promise<void> {
  const placed = await locatePoint(trx, lng, lat);
  const cell = placed.microgrid ?? placed.grid;
  if (cell && !pathWithin(cell.path, unit.path) && !pathWithin(unit.path, cell.path)) throw invalid('lng', 'building.point_other_grid');
}

/**
 * Record a building in a grid or micro-grid of the caller's scope: the one chosen, or the one whose
 * boundary holds the building's location. Names are unique within the unit.
 */
export async function createBuilding(db: Db, actor: Actor, audit: AuditContext, input: CreateBuildingInput): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const located = input.lng !== null && input.lng !== undefined && input.lat !== null && input.lat !== undefined
      ? { lng: input.lng, lat: input.lat } : null;
    let unit: Q.UnitRow;
    if (input.unitId) {
      const found = await Q.findUnitInScope(trx, actor, input.unitId);
      if (!found) throw new AppError(404, 'not_found', 'building.unit_not_found', undefined, 'unitId');
      if (!actor.can(P.write, found.path)) throw forbidden();
      if (found.level !== 'grid' && found.level !== 'microgrid') throw invalid('unitId', 'building.unit_level');
      checkLocation(input.lng, input.lat);
      if (located) await checkPointInUnit(trx, found, located.lng, located.lat);
      unit = found;
    } else {
      checkLocation(input.lng, input.lat);
      if (!located) throw invalid('unitId', 'building.unit_or_point');
      unit = await unitAtPoint(trx, actor, located.lng, located.lat);
    }
    await Q.lockBuildingNames(trx, unit.id);
    if (await Q.buildingNameTaken(trx, unit.id, input.name)) throw conflict('name_taken', 'building.name_taken', { name: input.name }, 'name');
    const { id } = await trx.insertInto('building').values({
      unit_id: unit.id, unit_path: unit.path, region_code: unit.region_code,
      name: input.name,
      address: input.address || null,
      lng: input.lng ?? null,
      lat: input.lat ?? null,
      floors: input.floors ?? null,
      building_type: input.buildingType ?? 'residential',
    }).returning('id').executeTakeFirstOrThrow();
    await writeAudit(trx, audit, {
      action: 'building.create', resourceType: 'building', resourceId: id, unitPath: unit.path,
      detail: {
        unitId: unit.id, name: input.name, ...(input.unitId ? {} : { placedByPoint: true }),
        fields: Object.keys(input).filter((k) => input[k as keyof typeof input] != null),
      },
    });
    return id;
  });
}

/** Rename a building, change its address, location, floors or type. History stays in the audit log. */
export async function updateBuilding(db: Db, actor: Actor, audit: AuditContext, id: string, input: UpdateBuildingInput, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const b = await writableBuilding(trx, actor, id);
    const before = { name: b.name, address: b.address, lng: b.lng, lat: b.lat, floors: b.floors, buildingType: b.building_type };
    const after = {
      name: input.name ?? b.name,
      address: input.address === undefined ? b.address : input.address || null,
      lng: input.lng === undefined ? b.lng : input.lng,
      lat: input.lat === undefined ? b.lat : input.lat,
      floors: input.floors === undefined ? b.floors : input.floors,
      buildingType: input.buildingType ?? b.building_type,
    };
    const changed = (Object.keys(after) as (keyof typeof after)[]).filter((k) => after[k] !== before[k]);
    if (changed.length === 0) return;
    checkLocation(after.lng, after.lat);
    if (changed.includes('name')) {
      await Q.lockBuildingNames(trx, b.unit_id);
      if (await Q.buildingNameTaken(trx, b.unit_id, after.name, b.id)) throw conflict('name_taken', 'building.name_taken', { name: after.name }, 'name');
    }
    if (changed.includes('floors') && after.floors !== null) {
      const top = await Q.highestHouseholdFloor(trx, b.id);
      if (top !== null && top > after.floors) throw invalid('floors', 'building.floors_below_households', { floor: top });
    }
    await trx.updateTable('building').set({
      name: after.name, address: after.address, lng: after.lng, lat: after.lat, floors: after.floors,
      building_type: after.buildingType, updated_at: now,
    }).where('id', '=', b.id).execute();
    await writeAudit(trx, audit, {
      action: 'building.update', resourceType: 'building', resourceId: b.id, unitPath: b.unit_path,
      detail: { changed, before: Object.fromEntries(changed.map((k) => [k, before[k]])) },
    });
  });
}

/** Add an entrance (单元) to a building; names are unique within the building. */
export async function createEntrance(db: Db, actor: Actor, audit: AuditContext, buildingId: string, name: string): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const b = await writableBuilding(trx, actor, buildingId);
    if (await Q.entranceNameTaken(trx, b.id, name)) throw conflict('name_taken', 'entrance.name_taken', { name }, 'name');
    const { id } = await trx.insertInto('entrance').values({
      building_id: b.id, unit_id: b.unit_id, unit_path: b.unit_path, region_code: b.region_code, name,
    }).returning('id').executeTakeFirstOrThrow();
    await writeAudit(trx, audit, {
      action: 'entrance.create', resourceType: 'entrance', resourceId: id, unitPath: b.unit_path, detail: { buildingId: b.id, name },
    });
    return id;
  });
}

/** The entrance, which must belong to the building (400 on entranceId otherwise). */
async function entranceOf(trx: Executor, buildingId: string, entranceId: string): Promise<{ id: string; name: string }> {
  const e = await Q.findEntrance(trx, entranceId);
  if (!e || e.building_id !== buildingId) throw invalid('entranceId', 'household.entrance_other_building');
  return e;
}

/** Record a household (户) in a building; it takes the building's place in the tree. */
export async function createHousehold(db: Db, actor: Actor, audit: AuditContext, input: CreateHouseholdInput): Promise<string> {
  return db.transaction().execute(async (trx) => {
    // Locking the building serialises the households recorded in it: (entrance, room) stays unique.
    const b = await writableBuilding(trx, actor, input.buildingId, buildingNotFound);
    const entrance = input.entranceId ? await entranceOf(trx, b.id, input.entranceId) : null;
    checkFloor(input.floor, b.floors);
    const tagIds = await checkedTagIds(trx, actor, b.unit_path, input.tagIds ?? []);
    if (await Q.roomTaken(trx, b.id, entrance?.id ?? null, input.room)) {
      throw conflict('room_taken', 'household.room_taken', { room: input.room }, 'room');
    }
    const { id } = await trx.insertInto('household').values({
      building_id: b.id, entrance_id: entrance?.id ?? null,
      unit_id: b.unit_id, unit_path: b.unit_path, region_code: b.region_code,
      room: input.room, floor: input.floor ?? null, usage: input.usage ?? 'owner_occupied',
    }).returning('id').executeTakeFirstOrThrow();
    if (tagIds.length > 0) await replaceTags(trx, actor, b.unit_path, 'household_tag', id, tagIds);
    await writeAudit(trx, audit, {
      action: 'household.create', resourceType: 'household', resourceId: id, unitPath: b.unit_path,
      detail: { buildingId: b.id, entranceId: entrance?.id ?? null, room: input.room, tags: tagIds.length },
    });
    return id;
  });
}

/** Change a household's room, floor, use or tags. Sensitive tags the caller cannot see are kept. */
export async function updateHousehold(db: Db, actor: Actor, audit: AuditContext, id: string, input: UpdateHouseholdInput): Promise<void> {
  await db.transaction().execute((trx) => updateHouseholdIn(trx, actor, audit, id, input));
}

/** updateHousehold inside the caller's transaction (a field visit changes the household with its own record). */
export async function updateHouseholdIn(trx: Trx, actor: Actor, audit: AuditContext, id: string, input: UpdateHouseholdInput): Promise<void> {
  const found = await Q.findHouseholdInScope(trx, actor, id);
  if (!found) throw notFound();
  if (!actor.can(P.write, found.unit_path)) throw forbidden();
  // Lock the building first (as creation does), then read the household again under the lock.
  const b = await writableBuilding(trx, actor, found.building_id);
  const h = (await Q.findHouseholdInScope(trx, actor, id, { lock: true }))!;
  const before = { room: h.room, floor: h.floor, usage: h.usage };
  const after = {
    room: input.room ?? h.room,
    floor: input.floor === undefined ? h.floor : input.floor,
    usage: input.usage ?? h.usage,
  };
  const changed: string[] = (Object.keys(after) as (keyof typeof after)[]).filter((k) => after[k] !== before[k]);
  if (changed.includes('floor')) checkFloor(after.floor, b.floors);
  if (changed.includes('room') && (await Q.roomTaken(trx, b.id, h.entrance_id, after.room, h.id))) {
    throw conflict('room_taken', 'household.room_taken', { room: after.room }, 'room');
  }
  let tags = { added: 0, removed: 0 };
  if (input.tagIds !== undefined) {
    const tagIds = await checkedTagIds(trx, actor, h.unit_path, input.tagIds);
    tags = await replaceTags(trx, actor, h.unit_path, 'household_tag', h.id, tagIds);
    if (tags.added + tags.removed > 0) changed.push('tagIds');
  }
  if (changed.length === 0) return;
  const fieldChanges = changed.filter((k) => k !== 'tagIds');
  if (fieldChanges.length > 0) {
    await trx.updateTable('household').set({ room: after.room, floor: after.floor, usage: after.usage }).where('id', '=', h.id).execute();
  }
  await writeAudit(trx, audit, {
    action: 'household.update', resourceType: 'household', resourceId: h.id, unitPath: h.unit_path,
    detail: {
      changed,
      before: Object.fromEntries(fieldChanges.map((k) => [k, before[k as keyof typeof before]])),
      ...(changed.includes('tagIds') ? { tagsAdded: tags.added, tagsRemoved: tags.removed } : {}),
    },
  });
}
