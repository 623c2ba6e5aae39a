import { z } from 'zod';
import { parseUscc } from '../validation/uscc.js';
import { Id, Paging, UnitRef } from './common.schemas.js';

/** 企事业单位、商户、社会组织 of the registry. */

export const ORGANISATION_KINDS = ['enterprise', 'institution', 'merchant', 'social_org'] as const;
export const ORGANISATION_STATUSES = ['active', 'closed'] as const;

/** 统一社会信用代码 (GB 32100): 18 characters, the last a check character. */
export const Uscc = z.string().trim().max(30).superRefine((v, ctx) => {
  const parsed = parseUscc(v);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', messageKey: parsed.problem === 'format' ? 'organisation.uscc_format' : 'organisation.uscc_check', input: v });
  }
});

const PHONE = /^[0-9-]{7,20}$/;
/** A contact phone: 7–20 digits and dashes (mobile 13812345678, landline 027-84812345). */
export const ContactPhone = z.string().trim().superRefine((v, ctx) => {
  if (!PHONE.test(v) || v.replace(/\D/g, '').length < 7) ctx.addIssue({ code: 'custom', messageKey: 'organisation.phone_format', input: v });
}).meta({ pattern: PHONE.source });

/** The digits of a phone: what its blind index is computed from. */
export function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, '');
}

const Name = z.string().trim().min(1).max(100);
const Lng = z.number().min(-180).max(180);
const Lat = z.number().min(-90).max(90);

export const OrganisationListQuery = z.strictObject({
  /** Matches the name, the address or the start of the unified social credit code. */
  q: z.string().trim().max(100).optional(),
  kind: z.enum(ORGANISATION_KINDS).optional(),
  status: z.enum(ORGANISATION_STATUSES).optional(),
  /** Only organisations in this unit's subtree. */
  unitId: Id.optional(),
  buildingId: Id.optional(),
  ...Paging,
});
export type OrganisationListQuery = z.infer<typeof OrganisationListQuery>;

const fields = {
  kind: z.enum(ORGANISATION_KINDS),
  name: Name,
  uscc: Uscc.nullable().optional(),
  contactName: z.string().trim().max(50).nullable().optional(),
  contactPhone: ContactPhone.nullable().optional(),
  address: z.string().trim().max(200).nullable().optional(),
  /** A building in scope: the organisation then belongs to the building's unit. */
  buildingId: Id.nullable().optional(),
  lng: Lng.nullable().optional(),
  lat: Lat.nullable().optional(),
};

export const CreateOrganisationInput = z.strictObject({
  /** A community, grid or micro-grid; may be left out when buildingId is given. */
  unitId: Id.optional(),
  ...fields,
});
export type CreateOrganisationInput = z.infer<typeof CreateOrganisationInput>;

export const UpdateOrganisationInput = z.strictObject({
  unitId: Id.optional(),
  kind: fields.kind.optional(),
  name: Name.optional(),
  uscc: fields.uscc,
  contactName: fields.contactName,
  contactPhone: fields.contactPhone,
  address: fields.address,
  buildingId: fields.buildingId,
  lng: fields.lng,
  lat: fields.lat,
  /** No deletes: an organisation that is gone is closed. */
  status: z.enum(ORGANISATION_STATUSES).optional(),
});
export type UpdateOrganisationInput = z.infer<typeof UpdateOrganisationInput>;

export const OrganisationRevealInput = z.strictObject({ reason: z.string().trim().min(2).max(200) });
export const OrganisationRevealed = z.object({ contactPhone: z.string().nullable() });

export const OrganisationView = z.object({
  id: z.string(),
  kind: z.enum(ORGANISATION_KINDS),
  name: z.string(),
  uscc: z.string().nullable(),
  contactName: z.string().nullable(),
  /** Masked: 138****5678 */
  contactPhone: z.string().nullable(),
  address: z.string().nullable(),
  building: z.object({ id: z.string(), name: z.string() }).nullable(),
  lng: z.number().nullable(),
  lat: z.number().nullable(),
  status: z.enum(ORGANISATION_STATUSES),
  unit: UnitRef,
  grid: UnitRef.nullable(),
  community: UnitRef.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  abilities: z.object({ update: z.boolean(), reveal: z.boolean() }),
});
export type OrganisationView = z.infer<typeof OrganisationView>;

export const OrganisationList = z.object({ items: z.array(OrganisationView), total: z.number() });
