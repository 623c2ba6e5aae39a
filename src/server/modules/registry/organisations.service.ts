import type { AppContext } from '../../core/context.js';
import type { Updateable } from 'kysely';
import type { Executor, OrganisationTable } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { pathWithin } from '../../core/access/actor.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../../core/http/errors.js';
import { parseUscc } from '../../../shared/validation/uscc.js';
import {
  phoneDigits, type CreateOrganisationInput, type UpdateOrganisationInput,
} from '../../../shared/registry/organisations.schemas.js';
import { P } from './registry.policy.js';
import { findBuildingInScope, findUnitInScope } from './buildings.queries.js';
import * as Q from './organisations.queries.js';

const ORGANISATION_LEVELS = new Set(['community', 'grid', 'microgrid']);

interface Place { unitId: string; unitPath: string; regionCode: string; buildingId: string | null }

function isUniqueViolation(e: unknown, constraint: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === '23505'
    && (e as { constraint?: string }).constraint === constraint;
}

/** Longitude and latitude go together. */
function checkLocation(lng: number | null, lat: number | null): void {
  if ((lng === null) !== (lat === null)) throw invalid(lng === null ? 'lng' : 'lat', 'building.location_pair');
}

const usccTaken = (uscc: string) => conflict('uscc_taken', 'organisation.uscc_taken', { uscc }, 'uscc');

/** The code in its canonical form (upper case, no spaces); the schema has already checked it. */
function normalisedUscc(raw: string): string {
  const parsed = parseUscc(raw);
  if (!parsed.ok) throw invalid('uscc', parsed.problem === 'format' ? 'organisation.uscc_format' : 'organisation.uscc_check');
  return parsed.normalized;
}

/**
 * Where an organisation goes: a community, grid or micro-grid in scope, or the unit of a building in
 * scope (which, when both are given, must lie inside the unit). The caller needs registry.write there.
 */
async function resolvePlace(
  trx: Executor, actor: Actor, unitId: string | undefined, buildingId: string | null | undefined, outsideField: 'unitId' | 'buildingId' = 'buildingId',
): Promise<Place> {
  const unit = unitId ? await findUnitInScope(trx, actor, unitId) : undefined;
  if (unitId && !unit) throw new AppError(404, 'not_found', 'organisation.unit_not_found', undefined, 'unitId');
  const building = buildingId ? await findBuildingInScope(trx, actor, buildingId) : undefined;
  if (buildingId && !building) throw new AppError(404, 'not_found', 'building.not_found', undefined, 'buildingId');
  const place: Place | null = building
    ? { unitId: building.unit_id, unitPath: building.unit_path, regionCode: building.region_code, buildingId: building.id }
    : unit ? { unitId: unit.id, unitPath: unit.path, regionCode: unit.region_code, buildingId: null } : null;
  if (!place) throw invalid('unitId', 'organisation.unit_required');
  if (!actor.can(P.write, place.unitPath)) throw forbidden();
  if (unit && !ORGANISATION_LEVELS.has(unit.level)) throw invalid('unitId', 'organisation.unit_level');
  if (unit && building && !pathWithin(building.unit_path, unit.path)) throw invalid(outsideField, 'organisation.building_outside_unit');
  return place;
}

/** Record an organisation. The contact phone is stored only encrypted, with a blind index for search. */
export async function createOrganisation(ctx: AppContext, actor: Actor, audit: AuditContext, input: CreateOrganisationInput): Promise<string> {
  const uscc = input.uscc ? normalisedUscc(input.uscc) : null;
  return ctx.db.transaction().execute(async (trx) => {
    const place = await resolvePlace(trx, actor, input.unitId, input.buildingId);
    checkLocation(input.lng ?? null, input.lat ?? null);
    if (uscc && (await Q.usccTaken(trx, uscc))) throw usccTaken(uscc);
    const phone = input.contactPhone || null;
    let id: string;
    try {
      ({ id } = await trx.insertInto('organisation').values({
        unit_id: place.unitId, unit_path: place.unitPath, region_code: place.regionCode, building_id: place.buildingId,
        kind: input.kind,
        name: input.name,
        uscc,
        contact_name: input.contactName || null,
        contact_phone_enc: phone ? ctx.cipher.encrypt(phone) : null,
        contact_phone_hash: phone ? ctx.cipher.blindIndex(phoneDigits(phone)) : null,
        address: input.address || null,
        lng: input.lng ?? null,
        lat: input.lat ?? null,
      }).returning('id').executeTakeFirstOrThrow());
    } catch (e) {
      if (uscc && isUniqueViolation(e, 'organisation_uscc_unique')) throw usccTaken(uscc);
      throw e;
    }
    await writeAudit(trx, audit, {
      action: 'organisation.create', resourceType: 'organisation', resourceId: id, unitPath: place.unitPath,
      detail: { kind: input.kind, name: input.name, fields: Object.keys(input).filter((k) => input[k as keyof typeof input] != null) },
    });
    return id;
  });
}

/**
 * Where a change puts an organisation, or null when it stays. An organisation in a building belongs
 * to the building's unit: a new building moves it there; its unit alone changes only without a building.
 */
async function newPlace(trx: Executor, actor: Actor, o: Q.OrganisationRow, input: UpdateOrganisationInput): Promise<Place | null> {
  const movesUnit = input.unitId !== undefined && input.unitId !== o.unit_id;
  if (input.buildingId) {
    if (input.buildingId === o.building_id && !movesUnit) return null;
    return resolvePlace(trx, actor, input.unitId, input.buildingId, input.buildingId === o.building_id ? 'unitId' : 'buildingId');
  }
  if (input.buildingId === null) {
    if (movesUnit) return resolvePlace(trx, actor, input.unitId, null);
    return { unitId: o.unit_id, unitPath: o.unit_path, regionCode: o.region_code, buildingId: null };
  }
  if (!movesUnit) return null;
  if (o.building_id) throw invalid('unitId', 'organisation.unit_follows_building');
  return resolvePlace(trx, actor, input.unitId, null);
}

/**
 * Change an organisation, move it to another unit or building, or close it (no deletes). The audit
 * row names the fields changed, with the old values of the ones that are not personal data.
 */
export async function updateOrganisation(
  ctx: AppContext, actor: Actor, audit: AuditContext, id: string, input: UpdateOrganisationInput,
): Promise<void> {
  const uscc = input.uscc ? normalisedUscc(input.uscc) : input.uscc;
  await ctx.db.transaction().execute(async (trx) => {
    const o = await Q.findOrganisationInScope(trx, actor, id, { lock: true });
    if (!o) throw notFound();
    if (!actor.can(P.write, o.unit_path)) throw forbidden();

    const changed: string[] = [];
    const set: Updateable<OrganisationTable> = {};
    const before: Record<string, unknown> = {};
    const note = (field: string, column: keyof OrganisationTable, from: unknown, to: unknown, personal = false) => {
      if (to === undefined || to === from) return;
      changed.push(field);
      (set as Record<string, unknown>)[column] = to;
      if (!personal) before[field] = from;
    };
    note('kind', 'kind', o.kind, input.kind);
    note('name', 'name', o.name, input.name);
    note('uscc', 'uscc', o.uscc, uscc);
    note('contactName', 'contact_name', o.contact_name, input.contactName === undefined ? undefined : input.contactName || null, true);
    note('address', 'address', o.address, input.address === undefined ? undefined : input.address || null);
    note('lng', 'lng', o.lng, input.lng);
    note('lat', 'lat', o.lat, input.lat);
    note('status', 'status', o.status, input.status);
    if (input.contactPhone !== undefined) {
      const phone = input.contactPhone || null;
      const old = o.contact_phone_enc ? ctx.cipher.decrypt(o.contact_phone_enc) : null;
      if (phone !== old) {
        changed.push('contactPhone');
        set.contact_phone_enc = phone ? ctx.cipher.encrypt(phone) : null;
        set.contact_phone_hash = phone ? ctx.cipher.blindIndex(phoneDigits(phone)) : null;
      }
    }

    const place = await newPlace(trx, actor, o, input);
    if (place && place.unitId !== o.unit_id) {
      changed.push('unitId');
      before.unitId = o.unit_id;
      Object.assign(set, { unit_id: place.unitId, unit_path: place.unitPath, region_code: place.regionCode });
    }
    if (place && place.buildingId !== o.building_id) {
      changed.push('buildingId');
      before.buildingId = o.building_id;
      set.building_id = place.buildingId;
    }
    if (changed.length === 0) return;
    if (changed.includes('uscc') && uscc && (await Q.usccTaken(trx, uscc, o.id))) throw usccTaken(uscc);
    checkLocation(set.lng === undefined ? o.lng : set.lng, set.lat === undefined ? o.lat : set.lat);

    try {
      await trx.updateTable('organisation').set({ ...set, updated_at: ctx.clock.now() }).where('id', '=', o.id).execute();
    } catch (e) {
      if (uscc && isUniqueViolation(e, 'organisation_uscc_unique')) throw usccTaken(uscc);
      throw e;
    }
    await writeAudit(trx, audit, {
      action: input.status === 'closed' && changed.includes('status') ? 'organisation.close' : 'organisation.update',
      resourceType: 'organisation', resourceId: o.id, unitPath: set.unit_path ?? o.unit_path,
      detail: { changed, before },
    });
  });
}

/** The full contact phone, for someone who may reveal it there and gives a reason. Audited without the value. */
export async function revealContactPhone(
  ctx: AppContext, actor: Actor, audit: AuditContext, id: string, reason: string,
): Promise<string | null> {
  return ctx.db.transaction().execute(async (trx) => {
    const o = await Q.findOrganisationInScope(trx, actor, id);
    if (!o) throw notFound();
    if (!actor.can(P.reveal, o.unit_path)) throw forbidden();
    await writeAudit(trx, audit, {
      action: 'organisation.reveal', resourceType: 'organisation', resourceId: o.id, unitPath: o.unit_path,
      detail: { fields: ['contactPhone'], reason },
    });
    return o.contact_phone_enc ? ctx.cipher.decrypt(o.contact_phone_enc) : null;
  });
}
