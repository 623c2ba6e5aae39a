import { z } from 'zod';
import { Id, Paging, TagView, UnitRef } from './common.schemas.js';

/** 楼栋、单元、户 (房): where people live, drawn floor by floor for 以房找人. */

export const BUILDING_TYPES = ['residential', 'commercial', 'mixed', 'public', 'other'] as const;
export const HOUSEHOLD_USAGES = ['owner_occupied', 'rented', 'vacant', 'commercial'] as const;

const Lng = z.number().min(-180).max(180);
const Lat = z.number().min(-90).max(90);
const BuildingName = z.string().trim().min(1).max(100);
const Address = z.string().trim().max(200);
const Floors = z.number().int().min(1).max(200);
/** Basements are negative floors; 0 is not a floor. */
const Floor = z.number().int().min(-10).max(200);
/** A room number as written on the door: 0302, 1-2-301, 商铺3. */
const Room = z.string().trim().min(1).max(20);

export const BuildingListQuery = z.strictObject({
  /** Only buildings in this unit's subtree. */
  unitId: Id.optional(),
  /** Matches the name or the address. */
  q: z.string().trim().max(100).optional(),
  ...Paging,
});
export type BuildingListQuery = z.infer<typeof BuildingListQuery>;

export const CreateBuildingInput = z.strictObject({
  /**
   * A grid or micro-grid. May be left out when lng and lat are given: the building then goes to the
   * micro-grid or grid whose boundary holds the point.
   */
  unitId: Id.optional(),
  name: BuildingName,
  address: Address.nullable().optional(),
  lng: Lng.nullable().optional(),
  lat: Lat.nullable().optional(),
  floors: Floors.nullable().optional(),
  buildingType: z.enum(BUILDING_TYPES).optional(),
});
export type CreateBuildingInput = z.infer<typeof CreateBuildingInput>;

export const UpdateBuildingInput = z.strictObject({
  name: BuildingName.optional(),
  address: Address.nullable().optional(),
  lng: Lng.nullable().optional(),
  lat: Lat.nullable().optional(),
  floors: Floors.nullable().optional(),
  buildingType: z.enum(BUILDING_TYPES).optional(),
});
export type UpdateBuildingInput = z.infer<typeof UpdateBuildingInput>;

export const CreateEntranceInput = z.strictObject({ name: z.string().trim().min(1).max(50) });

export const EntranceView = z.object({ id: z.string(), name: z.string(), householdCount: z.number() });

export const BuildingView = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string().nullable(),
  lng: z.number().nullable(),
  lat: z.number().nullable(),
  floors: z.number().nullable(),
  buildingType: z.enum(BUILDING_TYPES),
  unit: UnitRef,
  /** The grid the building lies in (its unit, or the grid above a micro-grid) and the community above. */
  grid: UnitRef.nullable(),
  community: UnitRef.nullable(),
  householdCount: z.number(),
  /** Active residents of its households. */
  residentCount: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  abilities: z.object({ update: z.boolean() }),
});
export type BuildingView = z.infer<typeof BuildingView>;

export const BuildingDetail = BuildingView.extend({ entrances: z.array(EntranceView) });
export type BuildingDetail = z.infer<typeof BuildingDetail>;

export const BuildingList = z.object({ items: z.array(BuildingView), total: z.number() });

/** 以房找人: the building drawn top floor first, one column per entrance. */
export const ViewHousehold = z.object({
  id: z.string(),
  room: z.string(),
  usage: z.enum(HOUSEHOLD_USAGES),
  memberCount: z.number(),
  /** The household's own tags and those of its active residents, as the caller may see them. */
  tags: z.array(TagView),
});
export const BuildingFloorView = z.object({
  building: BuildingView,
  /** The columns: every entrance, and (id null) the households recorded without one, when there are any. */
  entrances: z.array(z.object({ id: z.string().nullable(), name: z.string().nullable() })),
  /** Top floor first; households recorded without a floor come last, as floor null. */
  floors: z.array(z.object({
    floor: z.number().nullable(),
    cells: z.array(z.object({ entranceId: z.string().nullable(), households: z.array(ViewHousehold) })),
  })),
});
export type BuildingFloorView = z.infer<typeof BuildingFloorView>;

export const CreateHouseholdInput = z.strictObject({
  buildingId: Id,
  entranceId: Id.nullable().optional(),
  room: Room,
  floor: Floor.nullable().optional(),
  usage: z.enum(HOUSEHOLD_USAGES).optional(),
  tagIds: z.array(Id).max(30).optional(),
});
export type CreateHouseholdInput = z.infer<typeof CreateHouseholdInput>;

export const UpdateHouseholdInput = z.strictObject({
  room: Room.optional(),
  floor: Floor.nullable().optional(),
  usage: z.enum(HOUSEHOLD_USAGES).optional(),
  /** The full set of tags; sensitive tags the caller cannot see are kept. */
  tagIds: z.array(Id).max(30).optional(),
});
export type UpdateHouseholdInput = z.infer<typeof UpdateHouseholdInput>;

export const HouseholdMember = z.object({
  id: z.string(),
  name: z.string(),
  gender: z.enum(['male', 'female']).nullable(),
  age: z.number().nullable(),
  relation: z.string().nullable(),
  status: z.enum(['active', 'moved_out', 'deceased']),
  tags: z.array(TagView),
});

export const HouseholdView = z.object({
  id: z.string(),
  room: z.string(),
  floor: z.number().nullable(),
  usage: z.enum(HOUSEHOLD_USAGES),
  building: z.object({ id: z.string(), name: z.string(), address: z.string().nullable() }),
  entrance: z.object({ id: z.string(), name: z.string() }).nullable(),
  unit: UnitRef,
  tags: z.array(TagView),
  /** Active residents first; no ID numbers or phones here. */
  members: z.array(HouseholdMember),
  createdAt: z.string(),
  abilities: z.object({ update: z.boolean() }),
});
export type HouseholdView = z.infer<typeof HouseholdView>;
