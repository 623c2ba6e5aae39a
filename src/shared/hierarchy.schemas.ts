import { z } from 'zod';
import { UNIT_LEVELS } from './roles.js';

export const IdParam = z.strictObject({ id: z.string().regex(/^\d{1,18}$/) });

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);
const Ring = z.array(Position).min(4).max(5000);
/** A GeoJSON Polygon or MultiPolygon geometry (WGS 84 longitude, latitude). */
export const Boundary = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1).max(50) }),
  z.strictObject({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1).max(50)).min(1).max(50) }),
]);
export type Boundary = z.infer<typeof Boundary>;

export const UnitLevel = z.enum(UNIT_LEVELS);

export const UnitAbilities = z.object({
  createChild: z.boolean(),
  update: z.boolean(),
  move: z.boolean(),
  delete: z.boolean(),
});

export const UnitView = z.object({
  id: z.string(),
  parentId: z.string().nullable(),
  level: UnitLevel,
  code: z.string(),
  name: z.string(),
  path: z.string(),
  regionCode: z.string(),
  boundary: z.any().nullable(),
  childCount: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  abilities: UnitAbilities,
});
export type UnitView = z.infer<typeof UnitView>;

export const UnitRef = z.object({ id: z.string(), name: z.string(), level: UnitLevel, code: z.string() });

export const UnitDetail = z.object({
  unit: UnitView,
  /** From the caller's scope root down to the parent. */
  ancestors: z.array(UnitRef),
  stats: z.object({
    descendants: z.number(),
    buildings: z.number(),
    households: z.number(),
    residents: z.number(),
    users: z.number(),
  }),
});

export const UnitList = z.object({ items: z.array(UnitView) });

export const UnitSearchQuery = z.strictObject({
  q: z.string().max(50).optional(),
  level: UnitLevel.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const Name = z.string().trim().min(1).max(100);
const Code = z.string().regex(/^\d{2,20}$/);

export const CreateUnitInput = z.strictObject({
  parentId: z.string().regex(/^\d{1,18}$/),
  /** Defaults to the level below the parent's. */
  level: UnitLevel.optional(),
  /** Official codes for streets and communities; generated under the community for grids and micro-grids when left out. */
  code: Code.optional(),
  name: Name,
  boundary: Boundary.nullable().optional(),
});

export const UpdateUnitInput = z.strictObject({
  name: Name.optional(),
  code: Code.optional(),
  boundary: Boundary.nullable().optional(),
});

export const MoveUnitInput = z.strictObject({ parentId: z.string().regex(/^\d{1,18}$/) });

export const LocateQuery = z.strictObject({
  lng: z.coerce.number().min(-180).max(180),
  lat: z.coerce.number().min(-90).max(90),
});
export const Located = z.object({
  community: UnitRef.nullable(),
  grid: UnitRef.nullable(),
  microgrid: UnitRef.nullable(),
  unit: UnitRef,
});
