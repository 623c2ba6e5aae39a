import type { AppContext } from '../../core/context.js';
import type { Db, Executor, Trx } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import type { Permission } from '../../core/access/permissions.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, conflict, invalid, notFound } from '../../core/http/errors.js';
import { beijingDate } from '../../../shared/dates.js';
import {
  FUTURE_SKEW_MINUTES, KEPT_ROUTE_POINTS, MAX_AGE_DAYS,
  type CreateDiaryInput, type CreatePatrolInput, type CreateVisitInput, type CreateVisitRuleInput, type UpdateVisitRuleInput,
} from '../../../shared/fieldwork.schemas.js';
import { isUniqueViolation, requestHash } from '../cases/cases.service.js';
import { linkAttachments } from '../cases/attachments.service.js';
import { updateResidentIn } from '../registry/residents.service.js';
import { updateHouseholdIn } from '../registry/buildings.service.js';
import { cellTagsOf } from '../registry/buildings.queries.js';
import type { TagRow } from '../registry/tags.queries.js';
import { P } from './fieldwork.policy.js';
import * as Q from './fieldwork.queries.js';
import { visitStatus, type VisitStatus } from './visit-rules.js';
import { cleanRoute } from './route.js';
import { claimCasesOfPatrol } from './patrol-link.js';

const DAY_MS = 86_400_000;
const CST_MS = 8 * 3600_000;

/** [start, end) of a Beijing calendar date, as instants. */
export function dayBounds(date: string): [Date, Date] {
  const start = new Date(Date.parse(`${date}T00:00:00Z`) - CST_MS);
  return [start, new Date(start.getTime() + DAY_MS)];
}

/** [start of `from`, end of `to`) in Beijing. */
export function periodBounds(from: string, to: string): [Date, Date] {
  return [dayBounds(from)[0], dayBounds(to)[1]];
}

/**
 * A time the phone recorded: taken as it is (the work happened then, not when the signal came back),
 * but never more than a few minutes ahead of the server's clock, nor older than MAX_AGE_DAYS.
 */
export function phoneTime(field: string, iso: string, now: Date): Date {
  const t = new Date(iso);
  if (t.getTime() > now.getTime() + FUTURE_SKEW_MINUTES * 60_000) throw invalid(field, 'fieldwork.time_in_future', { minutes: FUTURE_SKEW_MINUTES });
  if (t.getTime() < now.getTime() - MAX_AGE_DAYS * DAY_MS) throw invalid(field, 'fieldwork.time_too_old', { days: MAX_AGE_DAYS });
  return t;
}

const idempotencyMismatch = () => conflict('idempotency_mismatch', 'fieldwork.idempotency_mismatch', undefined, 'Idempotency-Key');

/**
 * Create once per Idempotency-Key (as POST /api/cases does): the same key from the same account
 * answers the record already stored; the same key with another body is refused (409). Two requests
 * with one key at once: the unique index stops the second, which then answers the first's record.
 */
async function once(
  key: string | null, body: unknown, constraint: string,
  find: (key: string) => Promise<{ id: string; request_hash: string | null } | undefined>,
  create: (hash: string | null) => Promise<string>,
): Promise<{ id: string; replayed: boolean }> {
  const hash = key ? requestHash(body) : null;
  const replay = async () => {
    if (!key) return null;
    const existing = await find(key);
    if (!existing) return null;
    if (existing.request_hash !== hash) throw idempotencyMismatch();
    return { id: existing.id, replayed: true };
  };
  const before = await replay();
  if (before) return before;
  try {
    return { id: await create(hash), replayed: false };
  } catch (e) {
    if (isUniqueViolation(e, constraint)) {
      const after = await replay();
      if (after) return after;
    }
    throw e;
  }
}

/** A registry error inside a visit names its place in the visit's body ("residentUpdates.0.version"). */
function within<T>(prefix: string, run: () => Promise<T>): Promise<T> {
  return run().catch((e: unknown) => {
    if (e instanceof AppError) throw new AppError(e.status, e.code, e.key, e.params, e.field ? `${prefix}.${e.field}` : prefix);
    throw e;
  });
}

// ——— Visit rules ———

function checkRuleShape(kind: string, r: { tagCode?: string | null; intervalDays?: number | null; perDay?: number | null }): void {
  if (kind === 'tag' && !r.tagCode) throw invalid('tagCode', 'fieldwork.rule_tag_required');
  if (kind !== 'tag' && r.tagCode) throw invalid('tagCode', 'fieldwork.rule_field_not_for_kind');
  if (kind === 'daily_quota') {
    if (!r.perDay) throw invalid('perDay', 'fieldwork.rule_per_day_required');
    if (r.intervalDays) throw invalid('intervalDays', 'fieldwork.rule_field_not_for_kind');
  } else {
    if (!r.intervalDays) throw invalid('intervalDays', 'fieldwork.rule_interval_required');
    if (r.perDay) throw invalid('perDay', 'fieldwork.rule_field_not_for_kind');
  }
}

export async function createRule(ctx: AppContext, actor: Actor, audit: AuditContext, input: CreateVisitRuleInput): Promise<string> {
  checkRuleShape(input.kind, input);
  return ctx.db.transaction().execute(async (trx) => {
    const unit = await Q.unitInScope(trx, actor, input.unitId, [P.configure]);
    if (!unit) throw new AppError(404, 'not_found', 'fieldwork.unit_not_found', undefined, 'unitId');
    if (input.tagCode) {
      const tag = await trx.selectFrom('care_tag').select('id').where('code', '=', input.tagCode).where('is_active', '=', true).executeTakeFirst();
      if (!tag) throw invalid('tagCode', 'fieldwork.tag_unknown', { code: input.tagCode });
    }
    const { id } = await trx.insertInto('visit_rule').values({
      unit_id: unit.id, unit_path: unit.path, region_code: unit.region_code, name: input.name, kind: input.kind,
      tag_code: input.tagCode ?? null, interval_days: input.intervalDays ?? null, per_day: input.perDay ?? null,
      active: input.active, created_by: actor.userId, created_at: ctx.clock.now(), updated_at: ctx.clock.now(),
    }).returning('id').executeTakeFirstOrThrow();
    await writeAudit(trx, audit, {
      action: 'visit_rule.create', resourceType: 'visit_rule', resourceId: id, unitPath: unit.path,
      detail: { kind: input.kind, tagCode: input.tagCode ?? null, intervalDays: input.intervalDays ?? null, perDay: input.perDay ?? null },
    });
    return id;
  });
}

export async function updateRule(ctx: AppContext, actor: Actor, audit: AuditContext, id: string, input: UpdateVisitRuleInput): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const rule = await trx.selectFrom('visit_rule').selectAll().where('id', '=', id)
      .where(inScope(actor, P.configure, 'visit_rule.unit_path')).forUpdate().executeTakeFirst();
    if (!rule) throw notFound();
    if (rule.version !== input.version) throw conflict('conflict', 'error.conflict', undefined, 'version');
    const after = {
      name: input.name ?? rule.name,
      interval_days: input.intervalDays ?? rule.interval_days,
      per_day: input.perDay ?? rule.per_day,
      active: input.active ?? rule.active,
    };
    if (input.intervalDays !== undefined && rule.kind === 'daily_quota') throw invalid('intervalDays', 'fieldwork.rule_field_not_for_kind');
    if (input.perDay !== undefined && rule.kind !== 'daily_quota') throw invalid('perDay', 'fieldwork.rule_field_not_for_kind');
    const changed = (Object.keys(after) as (keyof typeof after)[]).filter((k) => after[k] !== rule[k]);
    await trx.updateTable('visit_rule').set({ ...after, version: rule.version + 1, updated_at: ctx.clock.now() }).where('id', '=', id).execute();
    await writeAudit(trx, audit, {
      action: 'visit_rule.update', resourceType: 'visit_rule', resourceId: id, unitPath: rule.unit_path,
      detail: { changed, before: Object.fromEntries(changed.map((k) => [k, rule[k]])) },
    });
  });
}

/** Remove a rule (visits never point at rules: their history is unchanged). */
export async function deleteRule(ctx: AppContext, actor: Actor, audit: AuditContext, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const rule = await trx.selectFrom('visit_rule').selectAll().where('id', '=', id)
      .where(inScope(actor, P.configure, 'visit_rule.unit_path')).forUpdate().executeTakeFirst();
    if (!rule) throw notFound();
    await trx.deleteFrom('visit_rule').where('id', '=', id).execute();
    await writeAudit(trx, audit, {
      action: 'visit_rule.delete', resourceType: 'visit_rule', resourceId: id, unitPath: rule.unit_path,
      detail: { name: rule.name, kind: rule.kind, tagCode: rule.tag_code, intervalDays: rule.interval_days, perDay: rule.per_day },
    });
  });
}

// ——— Visit status ———

export interface HouseholdStatus extends Q.HouseholdFactRow {
  tagCodes: string[];
  visibleTags: TagRow[];
  status: VisitStatus;
}

/** Households of a subtree with their visit status on `now` (last visit before `before`, when given). */
export async function householdStatuses(
  db: Executor, actor: Actor, q: { path: string; buildingId?: string; permission?: 'read' | Permission; now: Date; before?: Date },
): Promise<{ households: HouseholdStatus[]; rules: Q.RuleRow[] }> {
  const [rows, rules] = await Promise.all([
    Q.householdsWithLastVisit(db, actor, { path: q.path, buildingId: q.buildingId, permission: q.permission, before: q.before }),
    Q.rulesAround(db, q.path, { activeOnly: true }),
  ]);
  const ids = rows.map((r) => r.id);
  const [codes, shown] = await Promise.all([Q.tagCodesOf(db, ids), cellTagsOf(db, actor, ids)]);
  return {
    rules,
    households: rows.map((r) => {
      const tagCodes = codes.get(r.id) ?? [];
      return {
        ...r, tagCodes, visibleTags: shown.get(r.id) ?? [],
        status: visitStatus({ id: r.id, unitPath: r.unit_path, tags: tagCodes, lastVisitAt: r.last_visit_at }, rules, q.now),
      };
    }),
  };
}

// ——— Visits ———

export async function createVisit(
  ctx: AppContext, actor: Actor, audit: AuditContext, input: CreateVisitInput, key: string | null,
): Promise<{ id: string; replayed: boolean }> {
  return once(key, input, 'visit_idempotency_unique', (k) => Q.visitByKey(ctx.db, actor.userId, k), async (hash) => {
    const occurredAt = phoneTime('occurredAt', input.occurredAt, ctx.clock.now());
    return ctx.db.transaction().execute(async (trx) => {
      const h = await Q.findHouseholdForRecord(trx, actor, input.householdId);
      if (!h) throw new AppError(404, 'not_found', 'fieldwork.household_not_found', undefined, 'householdId');
      const members = new Set((await trx.selectFrom('resident').select('id').where('household_id', '=', h.id).execute()).map((r) => r.id));
      input.metResidentIds.forEach((id, i) => {
        if (!members.has(id)) throw invalid(`metResidentIds.${i}`, 'fieldwork.resident_not_in_household');
      });
      input.residentUpdates.forEach((u, i) => {
        if (!members.has(u.residentId)) throw invalid(`residentUpdates.${i}.residentId`, 'fieldwork.resident_not_in_household');
      });
      if (input.caseId) {
        const c = await trx.selectFrom('cases').select('id').where('id', '=', input.caseId).where(inScope(actor, 'case.read', 'cases.unit_path')).executeTakeFirst();
        if (!c) throw invalid('caseId', 'fieldwork.case_unknown');
      }
      // Changes to the registry go through its own use cases (validation, history, audit), in this transaction.
      for (const [i, { residentId, ...change }] of input.residentUpdates.entries()) {
        await within(`residentUpdates.${i}`, () => updateResidentIn(trx, ctx, actor, audit, residentId, change));
      }
      if (input.householdUpdate) {
        const change = input.householdUpdate;
        await within('householdUpdate', () => updateHouseholdIn(trx, actor, audit, h.id, change));
      }
      const { id } = await trx.insertInto('visit').values({
        unit_id: h.unit_id, unit_path: h.unit_path, region_code: h.region_code, household_id: h.id, visitor_id: actor.userId,
        kind: input.kind, occurred_at: occurredAt, met_resident_ids: input.metResidentIds, met_others: input.metOthers ?? null,
        nobody_home: input.nobodyHome, findings: input.findings ?? null, case_id: input.caseId ?? null, follow_up: input.followUp,
        lng: input.lng ?? null, lat: input.lat ?? null,
        changes: JSON.stringify({ residents: input.residentUpdates.map((u) => u.residentId), household: Object.keys(input.householdUpdate ?? {}) }),
        idempotency_key: key, request_hash: hash, created_at: ctx.clock.now(),
      }).returning('id').executeTakeFirstOrThrow();
      await writeAudit(trx, audit, {
        action: 'visit.create', resourceType: 'visit', resourceId: id, unitPath: h.unit_path,
        detail: { householdId: h.id, kind: input.kind, occurredAt: occurredAt.toISOString(), residentUpdates: input.residentUpdates.length, followUp: input.followUp },
      });
      return id;
    });
  });
}

// ——— Patrols ———

/** The unit a record of the caller's own belongs to: the one asked for (in scope), or their own. */
async function recordingUnit(db: Executor, actor: Actor, unitId: string | undefined): Promise<Q.UnitRow> {
  if (unitId) {
    const u = await Q.unitInScope(db, actor, unitId, [P.record]);
    if (!u) throw new AppError(404, 'not_found', 'fieldwork.unit_not_found', undefined, 'unitId');
    return u;
  }
  const [first] = await Q.unitsByPaths(db, actor.scopesFor(P.record));
  if (!first) throw new AppError(403, 'forbidden', 'error.forbidden');
  return first;
}

const MAX_PATROL_MS = 24 * 3600_000;
const ROUTE_SLACK_MS = 60_000;

export async function createPatrol(
  ctx: AppContext, actor: Actor, audit: AuditContext, input: CreatePatrolInput, key: string | null,
): Promise<{ id: string; replayed: boolean }> {
  return once(key, input, 'patrol_idempotency_unique', (k) => Q.patrolByKey(ctx.db, actor.userId, k), async (hash) => {
    const now = ctx.clock.now();
    const startedAt = phoneTime('startedAt', input.startedAt, now);
    const endedAt = phoneTime('endedAt', input.endedAt, now);
    if (endedAt < startedAt) throw invalid('endedAt', 'fieldwork.patrol_ends_before_start');
    if (endedAt.getTime() - startedAt.getTime() > MAX_PATROL_MS) throw invalid('endedAt', 'fieldwork.patrol_too_long');
    input.route.forEach((p, i) => {
      if (p[2] < startedAt.getTime() - ROUTE_SLACK_MS || p[2] > endedAt.getTime() + ROUTE_SLACK_MS) throw invalid(`route.${i}`, 'fieldwork.route_point_outside');
    });
    const { route, distanceM } = cleanRoute(input.route, KEPT_ROUTE_POINTS);
    return ctx.db.transaction().execute(async (trx) => {
      const unit = await recordingUnit(trx, actor, input.unitId);
      const { id } = await trx.insertInto('patrol').values({
        unit_id: unit.id, unit_path: unit.path, region_code: unit.region_code, worker_id: actor.userId,
        started_at: startedAt, ended_at: endedAt, route: JSON.stringify(route), point_count: route.length, distance_m: distanceM,
        notes: input.notes ?? null, idempotency_key: key, request_hash: hash, created_at: now,
      }).returning('id').executeTakeFirstOrThrow();
      // Its photos (400 on attachmentIds, nothing stored, when one is not the caller's fresh upload).
      const photos = await linkAttachments(trx, actor, input.attachmentIds, { patrolId: id, unit, at: now });
      // The cases reported from it before it arrived (they carry its key).
      const cases = key ? await claimCasesOfPatrol(trx, actor.userId, key, id) : [];
      await writeAudit(trx, audit, {
        action: 'patrol.create', resourceType: 'patrol', resourceId: id, unitPath: unit.path,
        detail: { startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(), points: input.route.length, kept: route.length, distanceM, photos: photos.length, cases },
      });
      return id;
    });
  });
}

// ——— Field diary ———

export async function createDiary(
  ctx: AppContext, actor: Actor, audit: AuditContext, input: CreateDiaryInput, key: string | null,
): Promise<{ id: string; replayed: boolean }> {
  return once(key, input, 'diary_idempotency_unique', (k) => Q.diaryByKey(ctx.db, actor.userId, k), async (hash) => {
    const occurredAt = phoneTime('occurredAt', input.occurredAt, ctx.clock.now());
    return ctx.db.transaction().execute(async (trx) => {
      let place: { id: string; path: string; region_code: string };
      let buildingId = input.buildingId ?? null;
      if (input.householdId) {
        const h = await Q.findHouseholdForRecord(trx, actor, input.householdId);
        if (!h) throw new AppError(404, 'not_found', 'fieldwork.household_not_found', undefined, 'householdId');
        if (buildingId && buildingId !== h.building_id) throw invalid('buildingId', 'fieldwork.building_other_household');
        buildingId = h.building_id;
        place = { id: h.unit_id, path: h.unit_path, region_code: h.region_code };
      } else if (buildingId) {
        const b = await trx.selectFrom('building').select(['unit_id', 'unit_path', 'region_code']).where('id', '=', buildingId)
          .where(inScope(actor, P.record, 'building.unit_path')).executeTakeFirst();
        if (!b) throw new AppError(404, 'not_found', 'fieldwork.building_not_found', undefined, 'buildingId');
        place = { id: b.unit_id, path: b.unit_path, region_code: b.region_code };
      } else {
        const u = await recordingUnit(trx, actor, undefined);
        place = { id: u.id, path: u.path, region_code: u.region_code };
      }
      if (input.residentIds.length) {
        const found = new Set((await trx.selectFrom('resident').select('id').where('id', 'in', input.residentIds)
          .where(inScope(actor, P.record, 'resident.unit_path')).execute()).map((r) => r.id));
        input.residentIds.forEach((id, i) => { if (!found.has(id)) throw invalid(`residentIds.${i}`, 'fieldwork.resident_unknown'); });
      }
      const { id } = await trx.insertInto('diary_entry').values({
        unit_id: place.id, unit_path: place.path, region_code: place.region_code, author_id: actor.userId, occurred_at: occurredAt,
        body: input.body, household_id: input.householdId ?? null, building_id: buildingId, resident_ids: input.residentIds,
        lng: input.lng ?? null, lat: input.lat ?? null, idempotency_key: key, request_hash: hash, created_at: ctx.clock.now(),
      }).returning('id').executeTakeFirstOrThrow();
      const photos = await linkAttachments(trx, actor, input.attachmentIds, { diaryEntryId: id, unit: place, at: ctx.clock.now() });
      await writeAudit(trx, audit, {
        action: 'diary.create', resourceType: 'diary_entry', resourceId: id, unitPath: place.path,
        detail: { householdId: input.householdId ?? null, buildingId, residents: input.residentIds.length, photos: photos.length },
      });
      return id;
    });
  });
}

/** Today's Beijing date on the server's clock. */
export const today = (ctx: AppContext) => beijingDate(ctx.clock.now());
