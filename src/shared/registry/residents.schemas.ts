import { z } from 'zod';
import { Id, IsoDate, Paging, TagView, UnitRef } from './common.schemas.js';

export const GENDERS = ['male', 'female'] as const;
export const RESIDENCE_TYPES = ['registered', 'floating', 'overseas'] as const;
export const RESIDENT_STATUSES = ['active', 'moved_out', 'deceased'] as const;
export const RELATIONS = ['head', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'tenant', 'other'] as const;
export const POLITICAL_STATUSES = ['masses', 'cpc_member', 'cpc_probationary', 'cyl_member', 'democratic_party', 'other'] as const;

const Name = z.string().trim().min(1).max(50);
/** Raw ID number / phone as typed: format, check digit and dates are checked by the registry (field-named errors). */
const IdNumberText = z.string().trim().min(1).max(25);
const PhoneText = z.string().trim().min(1).max(20);

export const ResidentFields = {
  name: Name,
  gender: z.enum(GENDERS).nullable().optional(),
  birthDate: IsoDate.nullable().optional(),
  idNumber: IdNumberText.nullable().optional(),
  phone: PhoneText.nullable().optional(),
  ethnicity: z.string().trim().max(20).nullable().optional(),
  politicalStatus: z.enum(POLITICAL_STATUSES).nullable().optional(),
  relation: z.enum(RELATIONS).nullable().optional(),
  residenceType: z.enum(RESIDENCE_TYPES).optional(),
  movedInOn: IsoDate.nullable().optional(),
  tagIds: z.array(Id).max(30).optional(),
};

export const CreateResidentInput = z.strictObject({
  /** The household the person lives in; or, for someone not placed in a household yet, a unit. */
  householdId: Id.optional(),
  unitId: Id.optional(),
  ...ResidentFields,
});
export type CreateResidentInput = z.infer<typeof CreateResidentInput>;

export const UpdateResidentInput = z.strictObject({
  /** The version the client read: a change made meanwhile by someone else is refused (409). */
  version: z.number().int().min(1),
  name: Name.optional(),
  gender: ResidentFields.gender,
  birthDate: ResidentFields.birthDate,
  idNumber: ResidentFields.idNumber,
  phone: ResidentFields.phone,
  ethnicity: ResidentFields.ethnicity,
  politicalStatus: ResidentFields.politicalStatus,
  relation: ResidentFields.relation,
  residenceType: ResidentFields.residenceType,
  movedInOn: ResidentFields.movedInOn,
  tagIds: ResidentFields.tagIds,
});
export type UpdateResidentInput = z.infer<typeof UpdateResidentInput>;

export const MoveOutInput = z.strictObject({ version: z.number().int().min(1), date: IsoDate, note: z.string().trim().max(200).optional() });
export const DeathInput = z.strictObject({ version: z.number().int().min(1), date: IsoDate, note: z.string().trim().max(200).optional() });
export const ChangeHouseholdInput = z.strictObject({ version: z.number().int().min(1), householdId: Id, date: IsoDate, relation: z.enum(RELATIONS).optional() });

export const RevealInput = z.strictObject({
  fields: z.array(z.enum(['idNumber', 'phone'])).min(1).max(2),
  reason: z.string().trim().min(2).max(200),
});
export const Revealed = z.object({ idNumber: z.string().nullable().optional(), phone: z.string().nullable().optional() });

export const HouseholdRef = z.object({
  id: z.string(),
  room: z.string(),
  floor: z.number().nullable(),
  buildingId: z.string(),
  buildingName: z.string(),
  entranceName: z.string().nullable(),
  address: z.string().nullable(),
});

export const ResidentView = z.object({
  id: z.string(),
  name: z.string(),
  gender: z.enum(GENDERS).nullable(),
  birthDate: z.string().nullable(),
  age: z.number().nullable(),
  /** Masked: 420105********1234 */
  idNumber: z.string().nullable(),
  /** Masked: 138****5678 */
  phone: z.string().nullable(),
  ethnicity: z.string().nullable(),
  politicalStatus: z.string().nullable(),
  relation: z.string().nullable(),
  residenceType: z.enum(RESIDENCE_TYPES),
  status: z.enum(RESIDENT_STATUSES),
  movedInOn: z.string().nullable(),
  movedOutOn: z.string().nullable(),
  deceasedOn: z.string().nullable(),
  household: HouseholdRef.nullable(),
  unit: UnitRef,
  /** The grid (or micro-grid's grid) the person lives in, and the community above. */
  grid: UnitRef.nullable(),
  community: UnitRef.nullable(),
  tags: z.array(TagView),
  version: z.number(),
  updatedAt: z.string(),
  abilities: z.object({ update: z.boolean(), reveal: z.boolean() }),
});
export type ResidentView = z.infer<typeof ResidentView>;

export const ResidentSearchQuery = z.strictObject({
  /** A name, part of a name, or pinyin initials (zs finds 张三) / full pinyin. */
  q: z.string().trim().max(50).optional(),
  idNumber: z.string().trim().max(25).optional(),
  phone: z.string().trim().max(20).optional(),
  /** One or more tag ids, comma separated: residents carrying all of them. */
  tags: z.string().regex(/^\d{1,18}(,\d{1,18})*$/).optional(),
  address: z.string().trim().max(100).optional(),
  unitId: Id.optional(),
  buildingId: Id.optional(),
  householdId: Id.optional(),
  status: z.enum([...RESIDENT_STATUSES, 'all']).default('active'),
  ...Paging,
});
export type ResidentSearchQuery = z.infer<typeof ResidentSearchQuery>;

export const ResidentList = z.object({
  items: z.array(ResidentView),
  /** Matches counted up to a cap (1 000); totalCapped says there are more. */
  total: z.number(),
  totalCapped: z.boolean(),
});

export const HistoryEntry = z.object({
  id: z.string(),
  kind: z.enum(['update', 'move_in', 'move_out', 'household_change', 'death', 'tags']),
  validFrom: z.string(),
  validTo: z.string(),
  effectiveOn: z.string().nullable(),
  /** The state before the change, masked like any response. */
  before: z.record(z.string(), z.unknown()),
  changedBy: z.string().nullable(),
});
export const HistoryList = z.object({ items: z.array(HistoryEntry) });
