import { sql, type Expression, type SqlBool } from 'kysely';
import type { Executor } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import type { Permission } from '../../core/access/permissions.js';
import { P } from './fieldwork.policy.js';
import type { VisitRule } from './visit-rules.js';

/** Field work is read by who records it (their grid) and who supervises it (their subtree). */
export function readable(actor: Actor, column: string): Expression<SqlBool> {
  return sql<SqlBool>`(${inScope(actor, P.record, column)} OR ${inScope(actor, P.supervise, column)})`;
}

export interface UnitRow { id: string; name: string; level: string; code: string; path: string; region_code: string }

/** A unit the caller holds one of `permissions` at (or above). */
export function unitInScope(db: Executor, actor: Actor, id: string, permissions: Permission[]): Promise<UnitRow | undefined> {
  return db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path', 'region_code'])
    .where('id', '=', id)
    .where(sql<SqlBool>`(${sql.join(permissions.map((p) => inScope(actor, p, 'unit.path')), sql` OR `)})`)
    .executeTakeFirst();
}

export function unitsByPaths(db: Executor, paths: string[]): Promise<UnitRow[]> {
  if (paths.length === 0) return Promise.resolve([]);
  return db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path', 'region_code'])
    .where(sql<SqlBool>`path = ANY(${paths}::ltree[])`).orderBy('path').execute();
}

/** Rule rows as the pure rules see them. */
export interface RuleRow extends VisitRule { version: number; updatedAt: Date; unitId: string; unitName: string; unitLevel: string; unitCode: string }

/** The rules that apply somewhere in a subtree: set at the subtree's root, above it, or inside it. */
export async function rulesAround(db: Executor, path: string, opts: { activeOnly?: boolean } = {}): Promise<RuleRow[]> {
  let q = db.selectFrom('visit_rule as r').innerJoin('unit as u', 'u.id', 'r.unit_id')
    .select(['r.id', 'r.name', 'r.kind', 'r.tag_code', 'r.interval_days', 'r.per_day', 'r.unit_path', 'r.active', 'r.version', 'r.updated_at',
      'r.unit_id', 'u.name as unit_name', 'u.level as unit_level', 'u.code as unit_code'])
    .where(sql<SqlBool>`(r.unit_path @> ${path}::ltree OR r.unit_path <@ ${path}::ltree)`);
  if (opts.activeOnly) q = q.where('r.active', '=', true);
  const rows = await q.orderBy(sql`nlevel(r.unit_path)`).orderBy('r.kind').orderBy('r.id').execute();
  return rows.map((r) => ({
    id: r.id, name: r.name, kind: r.kind, tagCode: r.tag_code, intervalDays: r.interval_days, perDay: r.per_day, unitPath: r.unit_path,
    active: r.active, version: r.version, updatedAt: r.updated_at, unitId: r.unit_id, unitName: r.unit_name, unitLevel: r.unit_level, unitCode: r.unit_code,
  }));
}

export function ruleById(db: Executor, id: string) {
  return db.selectFrom('visit_rule').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface HouseholdFactRow {
  id: string;
  room: string;
  floor: number | null;
  usage: string;
  unit_path: string;
  building_id: string;
  building_name: string;
  building_address: string | null;
  building_floors: number | null;
  lng: number | null;
  lat: number | null;
  entrance_name: string | null;
  last_visit_at: Date | null;
}

/**
 * The households of a subtree (and optionally one building) that the caller may see for field work,
 * with their building and the last visit made before `before` (now, or the end of a period).
 */
export async function householdsWithLastVisit(
  db: Executor, actor: Actor, q: { path: string; buildingId?: string; permission?: 'read' | Permission; before?: Date },
): Promise<HouseholdFactRow[]> {
  const scope = q.permission && q.permission !== 'read' ? inScope(actor, q.permission, 'h.unit_path') : readable(actor, 'h.unit_path');
  const before = q.before ?? null;
  let query = db.selectFrom('household as h')
    .innerJoin('building as b', 'b.id', 'h.building_id')
    .leftJoin('entrance as e', 'e.id', 'h.entrance_id')
    .select(['h.id', 'h.room', 'h.floor', 'h.usage', 'h.unit_path', 'b.id as building_id', 'b.name as building_name', 'b.address as building_address',
      'b.floors as building_floors', 'b.lng', 'b.lat', 'e.name as entrance_name'])
    .select(sql<Date | null>`(SELECT max(v.occurred_at) FROM visit v WHERE v.household_id = h.id AND (${before}::timestamptz IS NULL OR v.occurred_at < ${before}::timestamptz))`.as('last_visit_at'))
    .where(sql<SqlBool>`h.unit_path <@ ${q.path}::ltree`)
    .where(scope);
  if (q.buildingId) query = query.where('h.building_id', '=', q.buildingId);
  return query.orderBy('b.name').orderBy('h.room').orderBy('h.id').execute();
}

/** All care tag codes of households (their own and their active residents'), for the rules; sensitive ones too. */
export async function tagCodesOf(db: Executor, householdIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (householdIds.length === 0) return out;
  const rows = await sql<{ owner: string; code: string }>`
    SELECT DISTINCT x.owner::text AS owner, t.code FROM (
      SELECT ht.household_id AS owner, ht.tag_id FROM household_tag ht WHERE ht.household_id = ANY(${householdIds}::bigint[])
      UNION
      SELECT r.household_id AS owner, rt.tag_id FROM resident r JOIN resident_tag rt ON rt.resident_id = r.id
      WHERE r.household_id = ANY(${householdIds}::bigint[]) AND r.status = 'active'
    ) x JOIN care_tag t ON t.id = x.tag_id WHERE t.is_active`.execute(db);
  for (const r of rows.rows) out.set(r.owner, [...(out.get(r.owner) ?? []), r.code]);
  return out;
}

export function findHouseholdForRecord(db: Executor, actor: Actor, id: string) {
  return db.selectFrom('household as h').innerJoin('building as b', 'b.id', 'h.building_id')
    .select(['h.id', 'h.unit_id', 'h.unit_path', 'h.region_code', 'h.room', 'h.building_id', 'b.name as building_name'])
    .where('h.id', '=', id).where(inScope(actor, P.record, 'h.unit_path')).executeTakeFirst();
}

// ——— Visits ———

export function visitByKey(db: Executor, userId: string, key: string) {
  return db.selectFrom('visit').select(['id', 'request_hash']).where('visitor_id', '=', userId).where('idempotency_key', '=', key).executeTakeFirst();
}

function visitBase(db: Executor) {
  return db.selectFrom('visit as v')
    .innerJoin('household as h', 'h.id', 'v.household_id')
    .innerJoin('building as b', 'b.id', 'h.building_id')
    .innerJoin('app_user as u', 'u.id', 'v.visitor_id')
    .selectAll('v')
    .select(['h.room', 'h.building_id', 'b.name as building_name', 'u.display_name as visitor_name'])
    .select(sql<{ id: string; name: string }[]>`COALESCE((SELECT json_agg(json_build_object('id', r.id::text, 'name', r.name) ORDER BY r.id) FROM resident r WHERE r.id = ANY(v.met_resident_ids)), '[]'::json)`.as('met'));
}
export type VisitRow = Awaited<ReturnType<ReturnType<typeof visitBase>['execute']>>[number];

export function visitInScope(db: Executor, actor: Actor, id: string) {
  return visitBase(db).where('v.id', '=', id).where(readable(actor, 'v.unit_path')).executeTakeFirst();
}

export async function listVisits(
  db: Executor, actor: Actor, q: { path?: string; householdId?: string; visitorId?: string; from?: Date; to?: Date; limit: number; offset: number },
): Promise<{ rows: VisitRow[]; total: number }> {
  let query = visitBase(db).where(readable(actor, 'v.unit_path'));
  if (q.path) query = query.where(sql<SqlBool>`v.unit_path <@ ${q.path}::ltree`);
  if (q.householdId) query = query.where('v.household_id', '=', q.householdId);
  if (q.visitorId) query = query.where('v.visitor_id', '=', q.visitorId);
  if (q.from) query = query.where('v.occurred_at', '>=', q.from);
  if (q.to) query = query.where('v.occurred_at', '<', q.to);
  const [rows, count] = await Promise.all([
    query.orderBy('v.occurred_at', 'desc').orderBy('v.id', 'desc').limit(q.limit).offset(q.offset).execute(),
    db.selectFrom(query.clearSelect().select(sql`1`.as('one')).as('x')).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

// ——— Patrols ———

export function patrolByKey(db: Executor, userId: string, key: string) {
  return db.selectFrom('patrol').select(['id', 'request_hash']).where('worker_id', '=', userId).where('idempotency_key', '=', key).executeTakeFirst();
}

function patrolBase(db: Executor) {
  return db.selectFrom('patrol as p')
    .innerJoin('unit as un', 'un.id', 'p.unit_id')
    .innerJoin('app_user as u', 'u.id', 'p.worker_id')
    .select(['p.id', 'p.unit_id', 'p.unit_path', 'p.worker_id', 'p.started_at', 'p.ended_at', 'p.point_count', 'p.distance_m', 'p.notes', 'p.created_at',
      'un.name as unit_name', 'un.level as unit_level', 'un.code as unit_code', 'u.display_name as worker_name'])
    .select(sql<number>`(SELECT count(*)::int FROM cases c WHERE c.patrol_id = p.id)`.as('cases_found'));
}
export type PatrolRow = Awaited<ReturnType<ReturnType<typeof patrolBase>['execute']>>[number];

export function patrolInScope(db: Executor, actor: Actor, id: string) {
  return patrolBase(db).select('p.route').where('p.id', '=', id).where(readable(actor, 'p.unit_path')).executeTakeFirst();
}

/** The cases found on a patrol (reported from it: POST /api/cases with its patrolId or patrolKey). */
export function casesOfPatrol(db: Executor, p: { id: string }) {
  return db.selectFrom('cases').select(['id', 'number', 'description', 'state'])
    .where('patrol_id', '=', p.id).orderBy('id').execute();
}

export async function listPatrols(
  db: Executor, actor: Actor, q: { path?: string; workerId?: string; from?: Date; to?: Date; limit: number; offset: number },
): Promise<{ rows: PatrolRow[]; total: number }> {
  let query = patrolBase(db).where(readable(actor, 'p.unit_path'));
  if (q.path) query = query.where(sql<SqlBool>`p.unit_path <@ ${q.path}::ltree`);
  if (q.workerId) query = query.where('p.worker_id', '=', q.workerId);
  if (q.from) query = query.where('p.ended_at', '>=', q.from);
  if (q.to) query = query.where('p.started_at', '<', q.to);
  const [rows, count] = await Promise.all([
    query.orderBy('p.started_at', 'desc').orderBy('p.id', 'desc').limit(q.limit).offset(q.offset).execute(),
    db.selectFrom(query.clearSelect().select(sql`1`.as('one')).as('x')).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

// ——— Field diary ———

export function diaryByKey(db: Executor, userId: string, key: string) {
  return db.selectFrom('diary_entry').select(['id', 'request_hash']).where('author_id', '=', userId).where('idempotency_key', '=', key).executeTakeFirst();
}

function diaryBase(db: Executor) {
  return db.selectFrom('diary_entry as d')
    .innerJoin('unit as un', 'un.id', 'd.unit_id')
    .innerJoin('app_user as u', 'u.id', 'd.author_id')
    .leftJoin('household as h', 'h.id', 'd.household_id')
    .leftJoin('building as hb', 'hb.id', 'h.building_id')
    .leftJoin('building as b', 'b.id', 'd.building_id')
    .selectAll('d')
    .select(['un.name as unit_name', 'un.level as unit_level', 'un.code as unit_code', 'u.display_name as author_name',
      'h.room as household_room', 'hb.name as household_building_name', 'b.name as building_name'])
    .select(sql<{ id: string; name: string }[]>`COALESCE((SELECT json_agg(json_build_object('id', r.id::text, 'name', r.name) ORDER BY r.id) FROM resident r WHERE r.id = ANY(d.resident_ids)), '[]'::json)`.as('people'));
}
export type DiaryRow = Awaited<ReturnType<ReturnType<typeof diaryBase>['execute']>>[number];

export function diaryInScope(db: Executor, actor: Actor, id: string) {
  return diaryBase(db).where('d.id', '=', id).where(readable(actor, 'd.unit_path')).executeTakeFirst();
}

export async function listDiary(
  db: Executor, actor: Actor, q: { path?: string; householdId?: string; authorId?: string; from?: Date; to?: Date; limit: number; offset: number },
): Promise<{ rows: DiaryRow[]; total: number }> {
  let query = diaryBase(db).where(readable(actor, 'd.unit_path'));
  if (q.path) query = query.where(sql<SqlBool>`d.unit_path <@ ${q.path}::ltree`);
  if (q.householdId) query = query.where('d.household_id', '=', q.householdId);
  if (q.authorId) query = query.where('d.author_id', '=', q.authorId);
  if (q.from) query = query.where('d.occurred_at', '>=', q.from);
  if (q.to) query = query.where('d.occurred_at', '<', q.to);
  const [rows, count] = await Promise.all([
    query.orderBy('d.occurred_at', 'desc').orderBy('d.id', 'desc').limit(q.limit).offset(q.offset).execute(),
    db.selectFrom(query.clearSelect().select(sql`1`.as('one')).as('x')).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

// ——— Cases on the checklist (read-only views of the case tables) ———

export interface ChecklistCaseRow {
  id: string; number: string; description: string; state: string; stage_deadline: Date | null; stage_started_at: Date | null;
  stage_limit_unit: 'working_hours' | 'working_days' | 'clock_hours' | null; lng: number; lat: number; acted_today: boolean;
}

/**
 * The caller's open cases: an open work order dispatched to a unit where they handle cases; and those
 * they finished a work order of today (ticked). `dayStart`/`dayEnd` bound "today".
 */
export async function openCasesOf(db: Executor, actor: Actor, dayStart: Date, dayEnd: Date): Promise<ChecklistCaseRow[]> {
  const handles = inScope(actor, 'case.handle', 'wo.assignee_unit_path');
  const rows = await sql<ChecklistCaseRow>`
    SELECT c.id::text AS id, c.number, c.description, c.state, c.stage_deadline, c.stage_started_at, c.stage_limit_unit, c.lng, c.lat,
      EXISTS (SELECT 1 FROM case_event ev WHERE ev.case_id = c.id AND ev.actor_id = ${actor.userId}::bigint
              AND ev.occurred_at >= ${dayStart} AND ev.occurred_at < ${dayEnd}) AS acted_today
    FROM cases c
    WHERE EXISTS (SELECT 1 FROM work_order wo WHERE wo.case_id = c.id AND wo.assignee_kind = 'unit' AND ${handles}
                  AND (wo.state IN ('dispatched', 'claimed')
                       OR (wo.state = 'done' AND wo.finished_by = ${actor.userId}::bigint AND wo.finished_at >= ${dayStart} AND wo.finished_at < ${dayEnd})))
    ORDER BY c.stage_deadline NULLS LAST, c.id
    LIMIT 200`.execute(db);
  return rows.rows;
}

/** Cases handled and waiting for the caller's on-site verification; and those they verified today (ticked). */
export async function casesToVerify(db: Executor, actor: Actor, dayStart: Date, dayEnd: Date): Promise<ChecklistCaseRow[]> {
  const verifies = inScope(actor, 'case.verify', 'c.unit_path');
  const rows = await sql<ChecklistCaseRow>`
    SELECT c.id::text AS id, c.number, c.description, c.state, c.stage_deadline, c.stage_started_at, c.stage_limit_unit, c.lng, c.lat,
      (c.state <> 'handled') AS acted_today
    FROM cases c
    WHERE ${verifies} AND (c.state = 'handled'
      OR EXISTS (SELECT 1 FROM case_event ev WHERE ev.case_id = c.id AND ev.actor_id = ${actor.userId}::bigint
                 AND ev.action IN ('verify_pass', 'verify_fail') AND ev.occurred_at >= ${dayStart} AND ev.occurred_at < ${dayEnd}))
    ORDER BY c.stage_deadline NULLS LAST, c.id
    LIMIT 200`.execute(db);
  return rows.rows;
}

/** Visits the caller recorded in [start, end), and the households they were to. */
export async function visitsBy(db: Executor, userId: string, start: Date, end: Date): Promise<{ count: number; households: Set<string> }> {
  const rows = await db.selectFrom('visit').select('household_id').where('visitor_id', '=', userId)
    .where('occurred_at', '>=', start).where('occurred_at', '<', end).execute();
  return { count: rows.length, households: new Set(rows.map((r) => r.household_id)) };
}

/** Households visited (by anyone) in [start, end). */
export async function householdsVisitedIn(db: Executor, householdIds: string[], start: Date, end: Date): Promise<Set<string>> {
  if (householdIds.length === 0) return new Set();
  const rows = await db.selectFrom('visit').select('household_id').distinct()
    .where(sql<SqlBool>`household_id = ANY(${householdIds}::bigint[])`)
    .where('occurred_at', '>=', start).where('occurred_at', '<', end).execute();
  return new Set(rows.map((r) => r.household_id));
}
