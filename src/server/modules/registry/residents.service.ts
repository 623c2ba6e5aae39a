import { sql } from 'kysely';
import type { AppContext } from '../../core/context.js';
import type { Executor, Trx } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../../core/http/errors.js';
import type { CreateResidentInput, UpdateResidentInput } from '../../../shared/registry/residents.schemas.js';
import { P } from './registry.policy.js';
import { beijingDate } from '../../../shared/dates.js';
import { nameKeys } from './pinyin.js';
import { checkResidentFields, type Problem } from './residents.validation.js';
import { checkTagIds, replaceTags } from './tags.queries.js';
import { findResidentInScope, type ResidentRow } from './residents.queries.js';

const RESIDENT_LEVELS = ['community', 'grid', 'microgrid'];

function fail(p: Problem): never {
  throw invalid(p.field, p.key, p.params);
}

/** Where a resident is placed: a household in scope (its building's unit), or a unit in scope. */
async function placement(trx: Executor, actor: Actor, input: { householdId?: string; unitId?: string }) {
  if (input.householdId) {
    const h = await trx.selectFrom('household').select(['id', 'unit_id', 'unit_path', 'region_code'])
      .where('id', '=', input.householdId).where(inScope(actor, P.read, 'household.unit_path')).executeTakeFirst();
    if (!h) throw new AppError(404, 'not_found', 'registry.household_not_found', undefined, 'householdId');
    if (!actor.can(P.write, h.unit_path)) throw forbidden();
    return { householdId: h.id, unit_id: h.unit_id, unit_path: h.unit_path, region_code: h.region_code };
  }
  if (input.unitId) {
    const u = await trx.selectFrom('unit').select(['id', 'path', 'region_code', 'level'])
      .where('id', '=', input.unitId).where(inScope(actor, P.read, 'unit.path')).executeTakeFirst();
    if (!u) throw new AppError(404, 'not_found', 'registry.unit_not_found', undefined, 'unitId');
    if (!RESIDENT_LEVELS.includes(u.level)) throw invalid('unitId', 'registry.unit_level_for_resident');
    if (!actor.can(P.write, u.path)) throw forbidden();
    return { householdId: null, unit_id: u.id, unit_path: u.path, region_code: u.region_code };
  }
  throw invalid('householdId', 'registry.placement_required');
}

async function personTaken(trx: Executor, hash: string, exceptId?: string): Promise<boolean> {
  let q = trx.selectFrom('resident').select('id').where('id_number_hash', '=', hash);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** The state of a resident before a change, as the history keeps it (personal data still encrypted). */
async function snapshot(trx: Executor, r: ResidentRow): Promise<Record<string, unknown>> {
  const tags = await trx.selectFrom('resident_tag as rt').innerJoin('care_tag as t', 't.id', 'rt.tag_id')
    .select('t.code').where('rt.resident_id', '=', r.id).orderBy('t.code').execute();
  return {
    name: r.name, gender: r.gender, birth_date: r.birth_date, id_number_enc: r.id_number_enc, phone_enc: r.phone_enc,
    ethnicity: r.ethnicity, political_status: r.political_status, relation: r.relation, residence_type: r.residence_type,
    status: r.status, household_id: r.household_id, unit_id: r.unit_id, moved_in_on: r.moved_in_on,
    moved_out_on: r.moved_out_on, deceased_on: r.deceased_on, tags: tags.map((t) => t.code),
  };
}

async function keepHistory(trx: Trx, ctx: AppContext, actor: Actor, r: ResidentRow, kind: 'update' | 'move_out' | 'household_change' | 'death' | 'tags', effectiveOn: string | null) {
  await trx.insertInto('resident_history').values({
    resident_id: r.id, kind, valid_from: r.updated_at, valid_to: ctx.clock.now(), effective_on: effectiveOn,
    before: JSON.stringify(await snapshot(trx, r)), changed_by: actor.userId,
  }).execute();
}

/** Lock the resident for a change: in scope for writing, at the version the client read. */
async function lockForChange(trx: Trx, actor: Actor, id: string, version: number): Promise<ResidentRow> {
  const r = await findResidentInScope(trx, actor, id);
  if (!r) throw notFound();
  if (!actor.can(P.write, r.unit_path)) throw forbidden();
  await sql`SELECT 1 FROM resident WHERE id = ${id} FOR UPDATE`.execute(trx);
  const current = await trx.selectFrom('resident').select('version').where('id', '=', id).executeTakeFirstOrThrow();
  if (current.version !== version) throw new AppError(409, 'conflict', 'error.conflict', undefined, 'version');
  return r;
}

export async function createResident(ctx: AppContext, actor: Actor, audit: AuditContext, input: CreateResidentInput): Promise<string> {
  const { problems, values } = checkResidentFields(input, ctx.clock.now());
  if (problems.length) fail(problems[0]!);
  return ctx.db.transaction().execute(async (trx) => {
    const place = await placement(trx, actor, input);
    const idHash = values.idNumber ? ctx.cipher.blindIndex(values.idNumber) : null;
    if (idHash && (await personTaken(trx, idHash))) throw conflict('duplicate_person', 'registry.duplicate_person', undefined, 'idNumber');
    let tagIds: string[] = [];
    if (input.tagIds?.length) {
      const checked = await checkTagIds(trx, actor, place.unit_path, 'resident', input.tagIds);
      if (!checked.ok) throw invalid('tagIds', 'registry.tag_unknown', { id: checked.badId });
      tagIds = checked.ids;
    }
    const keys = nameKeys(input.name);
    const { id } = await trx.insertInto('resident').values({
      household_id: place.householdId, unit_id: place.unit_id, unit_path: place.unit_path, region_code: place.region_code,
      name: input.name, gender: values.gender ?? null, birth_date: values.birthDate ?? null,
      id_number_enc: values.idNumber ? ctx.cipher.encrypt(values.idNumber) : null, id_number_hash: idHash,
      phone_enc: values.phone ? ctx.cipher.encrypt(values.phone) : null, phone_hash: values.phone ? ctx.cipher.blindIndex(values.phone) : null,
      ethnicity: input.ethnicity ?? null, political_status: input.politicalStatus ?? null, relation: input.relation ?? null,
      residence_type: input.residenceType ?? 'registered', moved_in_on: input.movedInOn ?? null,
      name_initials: keys.initials, name_pinyin: keys.full,
    }).returning('id').executeTakeFirstOrThrow();
    if (tagIds.length) await replaceTags(trx, actor, place.unit_path, 'resident_tag', id, tagIds);
    await writeAudit(trx, audit, {
      action: 'resident.create', resourceType: 'resident', resourceId: id, unitPath: place.unit_path,
      detail: { householdId: place.householdId, tags: tagIds.length },
    });
    return id;
  });
}

export async function updateResident(ctx: AppContext, actor: Actor, audit: AuditContext, id: string, input: UpdateResidentInput): Promise<void> {
  await ctx.db.transaction().execute((trx) => updateResidentIn(trx, ctx, actor, audit, id, input));
}

/** updateResident inside the caller's transaction (a field visit changes residents with its own record). */
export async function updateResidentIn(trx: Trx, ctx: AppContext, actor: Actor, audit: AuditContext, id: string, input: UpdateResidentInput): Promise<void> {
  const r = await lockForChange(trx, actor, id, input.version);
  if (r.status !== 'active') throw new AppError(409, 'not_active', 'registry.not_active');
  // Check against the stored values the client did not send, so an ID number cannot silently contradict them.
  const current = {
    gender: input.gender !== undefined ? input.gender : input.idNumber !== undefined ? undefined : r.gender,
    birthDate: input.birthDate !== undefined ? input.birthDate : input.idNumber !== undefined ? undefined : r.birth_date,
  };
  const { problems, values } = checkResidentFields({ ...input, ...current }, ctx.clock.now());
  if (problems.length) fail(problems[0]!);
  const idHash = values.idNumber ? ctx.cipher.blindIndex(values.idNumber) : values.idNumber === null ? null : undefined;
  if (idHash && (await personTaken(trx, idHash, id))) throw conflict('duplicate_person', 'registry.duplicate_person', undefined, 'idNumber');
  let tagIds: string[] | undefined;
  if (input.tagIds) {
    const checked = await checkTagIds(trx, actor, r.unit_path, 'resident', input.tagIds);
    if (!checked.ok) throw invalid('tagIds', 'registry.tag_unknown', { id: checked.badId });
    tagIds = checked.ids;
  }
  const fieldsChanged = Object.keys(input).filter((k) => k !== 'version' && k !== 'tagIds' && input[k as keyof UpdateResidentInput] !== undefined);
  await keepHistory(trx, ctx, actor, r, fieldsChanged.length ? 'update' : 'tags', null);
  const keys = input.name ? nameKeys(input.name) : null;
  await trx.updateTable('resident').set({
    ...(input.name !== undefined ? { name: input.name, name_initials: keys!.initials, name_pinyin: keys!.full } : {}),
    ...(values.gender !== undefined ? { gender: values.gender } : {}),
    ...(values.birthDate !== undefined ? { birth_date: values.birthDate } : {}),
    ...(idHash !== undefined ? { id_number_enc: values.idNumber ? ctx.cipher.encrypt(values.idNumber) : null, id_number_hash: idHash } : {}),
    ...(values.phone !== undefined ? { phone_enc: values.phone ? ctx.cipher.encrypt(values.phone) : null, phone_hash: values.phone ? ctx.cipher.blindIndex(values.phone) : null } : {}),
    ...(input.ethnicity !== undefined ? { ethnicity: input.ethnicity } : {}),
    ...(input.politicalStatus !== undefined ? { political_status: input.politicalStatus } : {}),
    ...(input.relation !== undefined ? { relation: input.relation } : {}),
    ...(input.residenceType !== undefined ? { residence_type: input.residenceType } : {}),
    ...(input.movedInOn !== undefined ? { moved_in_on: input.movedInOn } : {}),
    version: r.version + 1,
    updated_at: ctx.clock.now(),
  }).where('id', '=', id).execute();
  const tagChange = tagIds ? await replaceTags(trx, actor, r.unit_path, 'resident_tag', id, tagIds) : null;
  await writeAudit(trx, audit, {
    action: 'resident.update', resourceType: 'resident', resourceId: id, unitPath: r.unit_path,
    detail: { changed: fieldsChanged, ...(tagChange ? { tags: tagChange } : {}) },
  });
}

/** Moving out or a death: the record stays, with the date; the earlier state goes to the history. */
export async function endResidence(
  ctx: AppContext, actor: Actor, audit: AuditContext, id: string, kind: 'move_out' | 'death', input: { version: number; date: string; note?: string },
): Promise<void> {
  const today = beijingDate(ctx.clock.now());
  if (input.date > today) throw invalid('date', 'registry.date_in_future');
  await ctx.db.transaction().execute(async (trx) => {
    const r = await lockForChange(trx, actor, id, input.version);
    if (r.status !== 'active') throw new AppError(409, 'not_active', 'registry.not_active');
    if (r.birth_date && input.date < r.birth_date) throw invalid('date', 'registry.date_before_birth');
    await keepHistory(trx, ctx, actor, r, kind, input.date);
    await trx.updateTable('resident').set(kind === 'death'
      ? { status: 'deceased', deceased_on: input.date, version: r.version + 1, updated_at: ctx.clock.now() }
      : { status: 'moved_out', moved_out_on: input.date, version: r.version + 1, updated_at: ctx.clock.now() },
    ).where('id', '=', id).execute();
    await writeAudit(trx, audit, {
      action: kind === 'death' ? 'resident.death' : 'resident.move_out', resourceType: 'resident', resourceId: id, unitPath: r.unit_path,
      detail: { date: input.date, ...(input.note ? { note: input.note } : {}) },
    });
  });
}

/** A change of household (搬家 inside the registry): the person follows the new household's place in the tree. */
export async function changeHousehold(
  ctx: AppContext, actor: Actor, audit: AuditContext, id: string, input: { version: number; householdId: string; date: string; relation?: string },
): Promise<void> {
  const today = beijingDate(ctx.clock.now());
  if (input.date > today) throw invalid('date', 'registry.date_in_future');
  await ctx.db.transaction().execute(async (trx) => {
    const r = await lockForChange(trx, actor, id, input.version);
    if (r.status !== 'active') throw new AppError(409, 'not_active', 'registry.not_active');
    if (r.household_id === input.householdId) throw invalid('householdId', 'registry.same_household');
    const place = await placement(trx, actor, { householdId: input.householdId });
    await keepHistory(trx, ctx, actor, r, 'household_change', input.date);
    await trx.updateTable('resident').set({
      household_id: place.householdId, unit_id: place.unit_id, unit_path: place.unit_path, region_code: place.region_code,
      moved_in_on: input.date, ...(input.relation ? { relation: input.relation } : {}),
      version: r.version + 1, updated_at: ctx.clock.now(),
    }).where('id', '=', id).execute();
    await writeAudit(trx, audit, {
      action: 'resident.household_change', resourceType: 'resident', resourceId: id, unitPath: place.unit_path,
      detail: { from: r.household_id, to: place.householdId, date: input.date },
    });
  });
}

/**
 * Show a resident's full ID number and/or phone to a caller who needs it, for a stated reason. The
 * reveal is audited with the fields and the reason — never the values.
 */
export async function revealResident(
  ctx: AppContext, actor: Actor, audit: AuditContext, id: string, input: { fields: ('idNumber' | 'phone')[]; reason: string },
): Promise<{ idNumber?: string | null; phone?: string | null }> {
  const r = await findResidentInScope(ctx.db, actor, id);
  if (!r) throw notFound();
  if (!actor.can(P.reveal, r.unit_path)) {
    await writeAudit(ctx.db, audit, { action: 'resident.reveal', resourceType: 'resident', resourceId: id, unitPath: r.unit_path, result: 'denied', detail: { fields: input.fields } });
    throw forbidden();
  }
  const out: { idNumber?: string | null; phone?: string | null } = {};
  if (input.fields.includes('idNumber')) out.idNumber = r.id_number_enc ? ctx.cipher.decrypt(r.id_number_enc) : null;
  if (input.fields.includes('phone')) out.phone = r.phone_enc ? ctx.cipher.decrypt(r.phone_enc) : null;
  await writeAudit(ctx.db, audit, {
    action: 'resident.reveal', resourceType: 'resident', resourceId: id, unitPath: r.unit_path,
    detail: { fields: [...new Set(input.fields)], reason: input.reason },
  });
  return out;
}
