import crypto from 'node:crypto';
import { pinyin } from 'pinyin-pro';
import { sql, type Selectable } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { prepared, type CasesTable, type Executor, type Trx } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { pathWithin } from '../../core/access/actor.js';
import { auditInsert, writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, conflict, invalid, notFound } from '../../core/http/errors.js';
import { beijingDate } from '../../../shared/dates.js';
import { phoneDigits } from '../../../shared/registry/organisations.schemas.js';
import type { ActionBody, AnyActionBody, ApiCaseAction, ReportCaseInput } from '../../../shared/cases.schemas.js';
import type { MessageKey } from '../../../shared/i18n/index.js';
import { atlasOf, type Atlas } from '../hierarchy/hierarchy.atlas.js';
import { levelAbove, type CaseAction, type CaseFacts, type CaseState, type Capacity, type Level } from './case.machine.js';
import { deadlineFor, stageStatus } from './calendar.js';
import { calendar, decideFor, actionsFor, stageClock, stageOf, warnAt, type OrderOfCaller } from './cases.rules.js';
import { notifyStep, stepNotifications } from './cases.notify.js';
import { deliverQuietly, notificationParts, type PendingNotification } from '../notifications/notifications.service.js';
import { P, RATED_SOURCES, RESIDENT_SOURCES } from './cases.policy.js';
import * as Q from './cases.queries.js';
import { linkAttachments, type LinkedAttachment } from './attachments.service.js';
import { patrolOfReport } from '../fieldwork/patrol-link.js';

const OPEN_ORDER = new Set(['dispatched', 'claimed']);

/** What the caller is to a case, and the open work order they hold on it (if any). */
export interface CallerView {
  capacities: Set<Capacity>;
  order: Q.OrderRow | null;
  facts: CaseFacts;
}

/**
 * Resolve the caller's capacities for a case: dispatcher — case.dispatch at the handling unit;
 * handler — assignee of an open work order (a unit in their case.handle scope, or their department);
 * verifier — case.verify at the case's grid; reporter — who reported it, holding case.rate;
 * supervisor — case.supervise at a unit strictly above the handling unit.
 */
export function callerView(actor: Actor, departmentIds: string[], c: Q.CaseRow, orders: Q.OrderRow[], extensionPending: boolean): CallerView {
  const caps = new Set<Capacity>();
  if (actor.can(P.dispatch, c.handling_path)) caps.add('dispatcher');
  const open = orders.filter((o) => OPEN_ORDER.has(o.state));
  const mine = open.filter((o) => (o.assignee_kind === 'unit' && o.assignee_unit_path && actor.can(P.handle, o.assignee_unit_path))
    || (o.assignee_kind === 'department' && o.assignee_department_id && departmentIds.includes(o.assignee_department_id)));
  const order = mine.find((o) => o.lead) ?? mine[0] ?? null;
  if (order) caps.add('handler');
  if (actor.can(P.verify, c.unit_path)) caps.add('verifier');
  if (c.reporter_user_id === actor.userId && actor.can(P.rate)) caps.add('reporter');
  if (actor.canBelowRoot(P.supervise, c.handling_path)) caps.add('supervisor');
  return {
    capacities: caps,
    order,
    facts: {
      level: c.handling_level,
      openCoOrders: open.filter((o) => !o.lead).length,
      rated: c.rating !== null,
      reopenCount: c.reopen_count,
      extensionPending,
    },
  };
}

const orderOfCaller = (o: Q.OrderRow | null): OrderOfCaller | null =>
  o && (o.state === 'dispatched' || o.state === 'claimed') ? { lead: o.lead, state: o.state } : null;

/** The actions the caller may take on a case now. */
export function availableFor(actor: Actor, departmentIds: string[], c: Q.CaseRow, orders: Q.OrderRow[], extensionPending: boolean): CaseAction[] {
  const v = callerView(actor, departmentIds, c, orders, extensionPending);
  return actionsFor(c.state, v.capacities, orderOfCaller(v.order), v.facts);
}

/** The stage colour now: green, yellow from 80 % of the stage's time, red past its deadline. */
export function overdueNow(c: Pick<Q.CaseRow, 'stage_started_at' | 'stage_deadline' | 'stage_limit_unit'>, now: Date): 'green' | 'yellow' | 'red' {
  if (!c.stage_started_at || !c.stage_deadline || !c.stage_limit_unit) return 'green';
  return stageStatus(calendar, c.stage_started_at, c.stage_deadline, now, c.stage_limit_unit).level;
}

// ——— Reporting ———

/** sha256 of the body with its keys sorted: "the same body" for an idempotency key. */
export function requestHash(body: unknown): string {
  const canon = (v: unknown): unknown => Array.isArray(v) ? v.map(canon)
    : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
  return crypto.createHash('sha256').update(JSON.stringify(canon(body))).digest('hex');
}

const prefixes = new Map<string, string>();

/** The initials of a district's name, without its level word: 汉阳区 → HY (remembered: every report asks). */
export function numberPrefix(districtName: string | null): string {
  if (!districtName) return 'LL';
  let prefix = prefixes.get(districtName);
  if (prefix === undefined) prefixes.set(districtName, (prefix = initialsOf(districtName)));
  return prefix;
}

function initialsOf(districtName: string): string {
  const name = districtName.replace(/(区|县|市|旗|自治县|自治旗)$/, '') || districtName;
  const initials = pinyin(name, { pattern: 'first', toneType: 'none', type: 'array', nonZh: 'removed' }).join('').toUpperCase().replace(/[^A-Z]/g, '');
  return initials.slice(0, 6) || 'LL';
}

/**
 * The next case number of the day. The counter row is locked until the transaction that takes it ends,
 * so every report of the district waits for the one before it to commit: a report over HTTP takes its
 * number in its own short transaction first (a report that then fails leaves a gap, as a sequence
 * would), while a batch (12345 import) takes its numbers inside its one transaction.
 */
async function nextNumber(db: Executor, gridPath: string, now: Date, atlas?: Atlas): Promise<string> {
  const district = atlas ? atlas.ancestorAt(gridPath, 'district') : await Q.ancestorAt(db, gridPath, 'district');
  const prefix = numberPrefix(district?.name ?? null);
  const day = beijingDate(now);
  const row = await db.insertInto('case_number_counter').values({ prefix, day, last: 1 })
    .onConflict((oc) => oc.columns(['prefix', 'day']).doUpdateSet((eb) => ({ last: eb('case_number_counter.last', '+', 1) })))
    .returning('last').modifyEnd(prepared).executeTakeFirstOrThrow();
  return `${prefix}-${day.replaceAll('-', '')}-${String(row.last).padStart(4, '0')}`;
}

export function isUniqueViolation(e: unknown, constraint: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === '23505'
    && (e as { constraint?: string }).constraint === constraint;
}

const idempotencyMismatch = () => conflict('idempotency_mismatch', 'case.idempotency_mismatch', undefined, 'Idempotency-Key');

/**
 * Report a case. The point is placed in its grid (400 on lng when it lies in none); the case starts
 * at its category's default level (小事不出网格: the grid) with the accept stage's clock running.
 * With an idempotency key, the same key and body answer the case already stored; another body 409.
 */
export async function reportCase(
  ctx: AppContext, actor: Actor, audit: AuditContext, input: ReportCaseInput, idempotencyKey: string | null,
): Promise<{ id: string; replayed: boolean; written?: WrittenReport }> {
  const hash = idempotencyKey ? requestHash(input) : null;
  const replay = async () => {
    if (!idempotencyKey) return null;
    const existing = await Q.findByIdempotencyKey(ctx.db, actor.userId, idempotencyKey);
    if (!existing) return null;
    if (existing.request_hash !== hash) throw idempotencyMismatch();
    return { id: existing.id, replayed: true };
  };
  // A retry is found by the unique index on (reporter, key) when its insert fails, not looked for
  // first: one statement less for every report, the rare retry costs a case number (a gap).
  const staff = actor.can(P.read);
  const source = input.source ?? (staff ? 'patrol' : 'resident');
  if (!staff && !(RESIDENT_SOURCES as readonly string[]).includes(source)) throw invalid('source', 'case.source_not_allowed');
  if ((input.hotlineOrderNo || input.hotlineDeadline) && source !== 'hotline') {
    throw invalid(input.hotlineOrderNo ? 'hotlineOrderNo' : 'hotlineDeadline', 'case.hotline_needs_source');
  }
  try {
    // Categories and the tree from the process's copies, at least as new as the request (core/reference.ts).
    const [categories, atlas] = await Promise.all([Q.activeCategories(ctx, actor.referenceVersion), atlasOf(ctx, actor.referenceVersion)]);
    const category = categories.get(input.categoryCode);
    if (!category) throw invalid('categoryCode', 'case.category_unknown');
    const placed = atlas.place(input.lng, input.lat);
    if (!placed.grid) throw invalid('lng', 'case.not_in_grid');
    if (!actor.can(P.report, placed.grid.path)) throw invalid('lng', 'case.outside_report_scope');
    const grid = placed.grid;
    // The number in its own short transaction, so that reports do not queue behind each other's commits.
    const number = await nextNumber(ctx.db, grid.path, ctx.clock.now(), atlas);
    // The report is one statement (recordReport); with photos to link, their links join it in a transaction.
    const settled: SettledReport = { input, source, category, place: grid, idempotencyKey, requestHash: hash, number, atlas };
    const stored = input.attachmentIds?.length
      ? await ctx.db.transaction().execute((trx) => recordReport(trx, ctx, actor, audit, settled))
      : await recordReport(ctx.db, ctx, actor, audit, settled);
    await deliverQuietly(ctx, stored.notifications);
    return { id: stored.id, replayed: false, written: stored.written };
  } catch (e) {
    // A retry, or two requests with one key at once: the stored case answers (also when the place or
    // category would no longer be accepted now).
    if (isUniqueViolation(e, 'cases_idempotency_unique') || e instanceof AppError) {
      const after = await replay();
      if (after) return after;
    }
    // One 12345 order is one case (the unique index comes with the hotline import).
    if (isUniqueViolation(e, 'cases_hotline_order_unique')) {
      throw conflict('hotline_order_taken', 'case.hotline_order_taken', { orderNo: input.hotlineOrderNo ?? '' }, 'hotlineOrderNo');
    }
    throw e;
  }
}

/** A report whose place and category are settled: what every intake (the API, 12345 import, Open311) stores. */
export interface SettledReport {
  input: ReportCaseInput;
  source: Q.CaseRow['source'];
  category: Q.CategoryRow;
  /** Where it happened: a grid, or a community or street when the place is known only that far. */
  place: Q.UnitRef;
  idempotencyKey?: string | null;
  requestHash?: string | null;
  /** Extra facts for the timeline's report step (e.g. the hotline's receiving time). */
  detail?: Record<string, unknown>;
  /** The case number when already taken (reportCase); else it is taken inside the transaction. */
  number?: string;
  /** The process's copy of the tree, when the caller has one (else ancestors are read in the transaction). */
  atlas?: Atlas;
}

/**
 * Store a settled report: number, case row at its category's default level (小事不出网格: the grid; a
 * place above that level handles it itself), the accept stage's clock, the timeline's first step, the
 * audit row and the notifications — in one statement, atomic by itself, so that a report over HTTP is
 * one round trip to the database (a transaction of five statements was half of Node's work per report);
 * inside the caller's transaction when there is one (a batch), and in one when photos are linked.
 * Returns the notifications to deliver after commit.
 */
export async function recordReport(
  db: Executor, ctx: AppContext, actor: Actor, audit: AuditContext, r: SettledReport,
): Promise<{ id: string; number: string; notifications: PendingNotification[]; written: WrittenReport }> {
  const { input, source, category, place } = r;
  if (input.attachmentIds?.length && !db.isTransaction) throw new Error('recordReport: linking photos needs a transaction');
  const handling = place.level === category.default_level ? place
    : (r.atlas ? r.atlas.ancestorAt(place.path, category.default_level) : await Q.ancestorAt(db, place.path, category.default_level)) ?? place;
  const now = ctx.clock.now();
  const number = r.number ?? await nextNumber(db, place.path, now, r.atlas);
  const phone = input.reporterPhone || null;
  // The patrol it was found on (400 on patrolId when not the caller's own, or in their scope for staff).
  const patrol = await patrolOfReport(db, actor, input);
  const clock = stageClock(category, input.urgency, 'accept', now);
  const caseInsert = db.insertInto('cases').values({
    number,
    category_id: category.id,
    description: input.description,
    source,
    urgency: input.urgency,
    state: 'reported',
    lng: input.lng,
    lat: input.lat,
    address: input.address || null,
    unit_id: place.id, unit_path: place.path, region_code: place.region_code,
    handling_unit_id: handling.id, handling_path: handling.path, handling_level: handling.level as Level,
    reporter_user_id: actor.userId,
    reporter_name: input.reporterName ?? actor.displayName,
    reporter_phone_enc: phone ? ctx.cipher.encrypt(phone) : null,
    reporter_phone_hash: phone ? ctx.cipher.blindIndex(phoneDigits(phone)) : null,
    ...clock,
    // The accept deadline, kept for the cockpit's response rate (响应率) after the stage clock moves on.
    response_deadline: clock.stage_deadline,
    hotline_order_no: input.hotlineOrderNo ?? null,
    hotline_deadline: input.hotlineDeadline ? new Date(input.hotlineDeadline) : null,
    idempotency_key: r.idempotencyKey ?? null,
    request_hash: r.requestHash ?? null,
    ...patrol,
    created_at: now,
    updated_at: now,
  }).returning(CASE_TABLE_COLUMNS);
  // The rows below name the case by what `c` (the insert above) returns: one statement, no id to wait for.
  const caseId = sql<string>`(SELECT id FROM c)`;
  const detail = JSON.stringify({ source, urgency: input.urgency, category: category.code, handlingLevel: handling.level, ...r.detail });
  const event = {
    occurred_at: now, actor_id: actor.userId, actor_name: actor.displayName, action: 'report',
    from_state: null, to_state: 'reported' as const, note: null,
  };
  const eventInsert = db.insertInto('case_event').values({ ...event, case_id: caseId, detail }).returning('id');
  const auditRow = auditInsert(db, audit, {
    action: 'case.report', resourceType: 'case', unitPath: place.path,
    detail: { number, source, category: category.code, urgency: input.urgency, ...(input.hotlineOrderNo ? { hotlineOrderNo: input.hotlineOrderNo } : {}),
      ...(patrol.patrol_id || patrol.patrol_key ? { patrolId: patrol.patrol_id, patrolKey: patrol.patrol_key } : {}) },
  }, sql<string>`(SELECT id::text FROM c)`);
  const messages = (await stepNotifications(db, ctx, {
    caseId: null, number, actorId: actor.userId, action: 'report', eventAction: 'report', to: 'reported',
    handlingPath: handling.path, handlingLevel: handling.level, gridPath: place.path, reporterId: actor.userId,
    stage: 'accept', reopenCount: 0, detail: {},
  })).flatMap((m, i) => notificationParts(ctx, m, caseId, String(i)) ?? []);
  const ctes = messages.map((m) => sql`, ${m.ctes}`);
  const pending = messages.length
    ? sql`(SELECT coalesce(json_agg(p ORDER BY p.id::bigint), '[]'::json) FROM (${sql.join(messages.map((m) => m.pending), sql` UNION ALL `)}) p)`
    : sql`'[]'::json`;
  const stored = (await sql<StoredCase & { event_id: string; notifications: PendingNotification[] }>`${prepared}
    WITH c AS (${caseInsert}), e AS (${eventInsert}), a AS (${auditRow}) ${sql.join(ctes, sql``)}
    SELECT c.*, (SELECT id::text FROM e) AS event_id, ${pending} AS notifications FROM c`.execute(db)).rows[0]!;
  const { event_id: eventId, notifications, ...caseRow } = stored;
  const { id } = caseRow;
  // The photos uploaded for the report (400 on attachmentIds, nothing stored, when one is not the caller's fresh upload).
  const photos = input.attachmentIds?.length
    ? await linkAttachments(db as Trx, actor, input.attachmentIds, { caseId: id, eventId, unit: place, at: now })
    : [];
  // The case as findVisibleCase would read it back: its row, with the names of its units and category.
  const row: Q.CaseRow = {
    ...caseRow,
    unit_name: place.name, unit_level: place.level, unit_code: place.code,
    handling_unit_name: handling.name, handling_unit_level: handling.level, handling_unit_code: handling.code,
    category_code: category.code, category_name_zh: category.name_zh, category_name_en: category.name_en,
  };
  const timeline: Q.EventRow[] = [{ ...event, id: eventId, case_id: id, detail: JSON.parse(detail) as Record<string, unknown> }];
  return { id, number, notifications, written: { row, timeline, photos } };
}

/** The columns of the cases table a CaseRow carries (Q.caseColumns without the joined names). */
const CASE_TABLE_COLUMNS = Q.caseColumns.filter((c): c is Extract<typeof c, `cases.${string}`> => c.startsWith('cases.'))
  .map((c) => c.slice('cases.'.length) as CaseTableColumn);
type CaseTableColumn = Extract<(typeof Q.caseColumns)[number], `cases.${string}`> extends `cases.${infer C}` ? C : never;
type StoredCase = Pick<Selectable<CasesTable>, CaseTableColumn>;

/** What a report wrote, enough to answer with the case's detail without reading it again. */
export interface WrittenReport {
  row: Q.CaseRow;
  timeline: Q.EventRow[];
  photos: LinkedAttachment[];
}

// ——— Steps of the loop ———

const REFUSAL_STATUS: Record<string, number> = { not_allowed: 403 };

function refused(reason: string, state: CaseState): AppError {
  const key = `case.refused.${reason}` as MessageKey;
  return new AppError(REFUSAL_STATUS[reason] ?? 409, reason === 'not_allowed' ? 'forbidden' : reason, key, { state: `case.state.${state}` });
}

interface Effects {
  set: Record<string, unknown>;
  eventAction: string;
  note: string | null;
  detail: Record<string, unknown>;
  /** Restart the stage clock even when the stage stays (an escalation gives the new unit its time). */
  restartStage?: boolean;
}

/**
 * Take one step of the loop: resolve the caller's capacities, ask the state machine, then record the
 * step — state, work orders, stage clock, a timeline row and an audit row — in one transaction, at
 * the version the caller read (409 otherwise). Not visible → 404; visible but not theirs → 403; the
 * machine's refusals → 409 with their reason.
 */
export async function takeAction(
  ctx: AppContext, actor: Actor, audit: AuditContext, caseId: string, action: ApiCaseAction, body: AnyActionBody,
): Promise<void> {
  const notifications = await ctx.db.transaction().execute(async (trx) => {
    const departmentIds = await Q.departmentIdsOf(trx, actor);
    const c = await Q.findVisibleCase(trx, actor, departmentIds, caseId, { lock: true });
    if (!c) throw notFound();
    if (body.version !== undefined && body.version !== c.version) throw new AppError(409, 'conflict', 'error.conflict', undefined, 'version');
    const orders = await Q.ordersOf(trx, c.id);
    const pending = await Q.pendingExtension(trx, c.id);
    const view = callerView(actor, departmentIds, c, orders, pending !== undefined);
    const facts: CaseFacts = action === 'rate' ? { ...view.facts, rating: (body as ActionBody<'rate'>).rating } : view.facts;
    const decision = decideFor(c.state, action, view.capacities, orderOfCaller(view.order), facts);
    if (!decision.ok) throw refused(decision.reason, c.state);

    const now = ctx.clock.now();
    const step = new Step(trx, ctx, actor, c, orders, view.order, now);
    const fx = await step.effects(action, body, decision.to, decision.onOrder);
    const to = decision.to;

    const category = await Q.categoryById(trx, c.category_id);
    const awaitsRating = RATED_SOURCES.includes(c.source) && (fx.set.rating === undefined ? c.rating === null : fx.set.rating === null);
    const stage = stageOf(to, awaitsRating);
    const clock = stage !== c.stage || fx.restartStage ? stageClock(category, c.urgency, stage, now) : {};
    const merged = { stage_started_at: c.stage_started_at, stage_deadline: c.stage_deadline, stage_limit_unit: c.stage_limit_unit, ...clock, ...fx.set } as Q.CaseRow;
    const overdueLevel = overdueNow(merged, now);
    // The cockpit's facts: the first accept or reject is the response; a stage ending (or left red) past its deadline makes the case overdue for good.
    const stageEndedLate = (stage !== c.stage || !!fx.restartStage) && !!c.stage_deadline && c.stage_deadline.getTime() < now.getTime();
    await trx.updateTable('cases').set({
      ...fx.set,
      ...clock,
      ...(action === 'accept' || action === 'reject' ? { responded_at: sql<Date>`coalesce(cases.responded_at, ${now}::timestamptz)` } : {}),
      ...(stageEndedLate || overdueLevel === 'red' ? { was_overdue: true } : {}),
      state: to,
      overdue_level: overdueLevel,
      version: c.version + 1,
      updated_at: now,
    }).where('id', '=', c.id).execute();
    const event = await trx.insertInto('case_event').values({
      case_id: c.id, occurred_at: now, actor_id: actor.userId, actor_name: actor.displayName, action: fx.eventAction,
      from_state: c.state, to_state: to, note: fx.note, detail: JSON.stringify(fx.detail),
    }).returning('id').executeTakeFirstOrThrow();
    // Photos of a feed back, a verification or a return go with this step of the timeline.
    const attachmentIds = (body as { attachmentIds?: string[] }).attachmentIds;
    await linkAttachments(trx, actor, attachmentIds, { caseId: c.id, eventId: event.id, unit: { id: c.unit_id, path: c.unit_path, region_code: c.region_code }, at: now });
    await writeAudit(trx, audit, {
      action: `case.${action}`, resourceType: 'case', resourceId: c.id, unitPath: c.unit_path,
      detail: { number: c.number, from: c.state, to, ...fx.detail },
    });
    const after = { ...c, ...fx.set } as Q.CaseRow;
    return notifyStep(trx, ctx, {
      caseId: c.id, number: c.number, actorId: actor.userId, action, eventAction: fx.eventAction, to,
      handlingPath: after.handling_path, handlingLevel: after.handling_level, gridPath: c.unit_path, reporterId: c.reporter_user_id,
      stage, reopenCount: after.reopen_count, detail: fx.detail,
    });
  });
  await deliverQuietly(ctx, notifications);
}

/** The effects of one decided step on work orders and the case row, per action. */
class Step {
  constructor(
    private readonly trx: Trx,
    private readonly ctx: AppContext,
    private readonly actor: Actor,
    private readonly c: Q.CaseRow,
    private readonly orders: Q.OrderRow[],
    private readonly mine: Q.OrderRow | null,
    private readonly now: Date,
  ) {}

  async effects(action: ApiCaseAction, body: AnyActionBody, to: CaseState, onOrder: boolean): Promise<Effects> {
    const b = body as Record<string, unknown>;
    const note = (typeof b.note === 'string' && b.note) || (typeof b.reason === 'string' && b.reason) || (typeof b.comment === 'string' && b.comment) || null;
    const fx: Effects = { set: {}, eventAction: action, note, detail: {} };
    switch (action) {
      case 'accept':
      case 'verify_pass':
        return fx;
      case 'reject':
        return fx;
      case 'close':
        fx.set.closed_at = this.now;
        return fx;
      case 'merge': {
        const target = await this.mergeTarget((body as ActionBody<'merge'>).targetId);
        fx.set.merged_into = target.id;
        fx.detail = { mergedInto: target.number };
        await this.trx.insertInto('case_event').values({
          case_id: target.id, occurred_at: this.now, actor_id: this.actor.userId, actor_name: this.actor.displayName, action: 'merge',
          from_state: target.state, to_state: target.state, note, detail: JSON.stringify({ merged: this.c.number }),
        }).execute();
        return fx;
      }
      case 'dispatch': {
        const d = body as ActionBody<'dispatch'>;
        if (d.unitId && d.departmentId) throw invalid('departmentId', 'case.dispatch_target_both');
        if (d.unitId) {
          const unit = await Q.unitById(this.trx, d.unitId);
          if (!unit) throw new AppError(404, 'not_found', 'case.unit_not_found', undefined, 'unitId');
          if (!pathWithin(unit.path, this.c.handling_path) || unit.level === 'microgrid') throw invalid('unitId', 'case.dispatch_unit_outside');
          const id = await this.order({ assignee_kind: 'unit', assignee_unit_id: unit.id, assignee_unit_path: unit.path }, true, note);
          fx.detail = { workOrder: id, unit: { id: unit.id, name: unit.name, level: unit.level } };
          return fx;
        }
        if (d.departmentId) {
          const [dept] = await Q.departmentsServing(this.trx, this.c.handling_path, [d.departmentId]);
          if (!dept) throw new AppError(404, 'not_found', 'case.department_not_found', undefined, 'departmentId');
          const id = await this.order({ assignee_kind: 'department', assignee_department_id: dept.id }, true, note);
          fx.detail = { workOrder: id, department: { id: dept.id, code: dept.code, name: dept.name_zh } };
          return fx;
        }
        throw invalid('unitId', 'case.dispatch_target_required');
      }
      case 'whistle': {
        const w = body as ActionBody<'whistle'>;
        if (new Set(w.departmentIds).size !== w.departmentIds.length) throw invalid('departmentIds', 'case.departments_repeated');
        if (!w.departmentIds.includes(w.leadDepartmentId)) throw invalid('leadDepartmentId', 'case.lead_not_listed');
        const depts = await Q.departmentsServing(this.trx, this.c.handling_path, w.departmentIds);
        if (depts.length !== w.departmentIds.length) throw new AppError(404, 'not_found', 'case.department_not_found', undefined, 'departmentIds');
        const called = [];
        for (const id of w.departmentIds) {
          const dept = depts.find((x) => x.id === id)!;
          const lead = id === w.leadDepartmentId;
          called.push({ workOrder: await this.order({ assignee_kind: 'department', assignee_department_id: id }, lead, note), department: dept.code, name: dept.name_zh, lead });
        }
        fx.detail = { departments: called };
        return fx;
      }
      case 'claim': {
        await this.trx.updateTable('work_order').set({ state: 'claimed', claimed_by: this.actor.userId, claimed_at: this.now })
          .where('id', '=', this.mine!.id).execute();
        fx.detail = { workOrder: this.mine!.id, lead: this.mine!.lead };
        return fx;
      }
      case 'feed_back': {
        await this.finish(this.mine!.id, 'done');
        fx.detail = { workOrder: this.mine!.id, lead: this.mine!.lead };
        if (!this.mine!.lead) fx.eventAction = 'report_back';
        return fx;
      }
      case 'return': {
        fx.detail = { workOrder: this.mine!.id, lead: this.mine!.lead };
        if (!this.mine!.lead) { await this.finish(this.mine!.id, 'returned'); return fx; }
        await this.closeOpenOrders('returned');
        return fx;
      }
      case 'escalate': {
        const above = levelAbove(this.c.handling_level)!;
        const unit = await Q.ancestorAt(this.trx, this.c.handling_path, above);
        if (!unit) throw refused('top_level', this.c.state);
        if (onOrder) await this.closeOpenOrders('returned');
        fx.set = { handling_unit_id: unit.id, handling_path: unit.path, handling_level: above };
        fx.detail = { fromLevel: this.c.handling_level, toLevel: above, unit: { id: unit.id, name: unit.name } };
        fx.restartStage = true;
        return fx;
      }
      case 'verify_fail': {
        // Back to whoever fed back: a new claimed order for the last lead assignee.
        const last = [...this.orders].reverse().find((o) => o.lead && o.state === 'done');
        if (last) fx.detail = { workOrder: await this.reissue(last, 'claimed', note) };
        return fx;
      }
      case 'rate': {
        const r = body as ActionBody<'rate'>;
        fx.detail = { rating: r.rating };
        if (to === 'dispatched') {
          // 不满意 → 二次办理: the rating is kept in the timeline; the case is rated again when closed again.
          const last = [...this.orders].reverse().find((o) => o.lead && o.state === 'done');
          fx.set = { reopen_count: this.c.reopen_count + 1, rating: null, rating_comment: null, rated_at: null, closed_at: null };
          fx.detail = { rating: r.rating, reopened: true, reopenCount: this.c.reopen_count + 1, ...(last ? { workOrder: await this.reissue(last, 'dispatched', r.comment ?? null) } : {}) };
          return fx;
        }
        fx.set = { rating: r.rating, rating_comment: r.comment || null, rated_at: this.now };
        return fx;
      }
      case 'follow_up': {
        const f = body as ActionBody<'follow_up'>;
        fx.detail = { outcome: f.outcome, ...(f.satisfaction ? { satisfaction: f.satisfaction } : {}) };
        return fx;
      }
      case 'supervise': {
        const s = body as ActionBody<'supervise'>;
        fx.set = { supervision: s.mark };
        fx.detail = { mark: s.mark };
        return fx;
      }
      case 'request_extension': {
        const e = body as ActionBody<'request_extension'>;
        const unit = this.c.stage_limit_unit ?? 'working_days';
        const { id } = await this.trx.insertInto('extension_request').values({
          case_id: this.c.id, requested_by: this.actor.userId, requested_at: this.now, amount: e.amount, limit_unit: unit, reason: e.reason,
        }).returning('id').executeTakeFirstOrThrow();
        fx.detail = { extension: id, amount: e.amount, unit };
        return fx;
      }
      case 'decide_extension': {
        const d = body as ActionBody<'decide_extension'>;
        const ext = (await Q.pendingExtension(this.trx, this.c.id))!;
        await this.trx.updateTable('extension_request').set({
          state: d.approve ? 'approved' : 'refused', decided_by: this.actor.userId, decided_at: this.now, decision_note: d.note || null,
        }).where('id', '=', ext.id).execute();
        fx.detail = { extension: ext.id, approved: d.approve, amount: Number(ext.amount), unit: ext.limit_unit };
        if (d.approve && this.c.stage_deadline) {
          const deadline = deadlineFor(calendar, this.c.stage_deadline, { unit: ext.limit_unit, amount: Number(ext.amount) });
          fx.set = { stage_deadline: deadline, stage_warn_at: this.c.stage_started_at ? warnAt(this.c.stage_started_at, deadline, ext.limit_unit) : null };
          fx.detail.deadline = deadline.toISOString();
        }
        return fx;
      }
    }
  }

  private async order(
    assignee: { assignee_kind: 'unit' | 'department'; assignee_unit_id?: string; assignee_unit_path?: string; assignee_department_id?: string },
    lead: boolean, note: string | null,
  ): Promise<string> {
    const { id } = await this.trx.insertInto('work_order').values({
      case_id: this.c.id, ...assignee, lead, state: 'dispatched', dispatched_by: this.actor.userId, dispatched_at: this.now, note,
    }).returning('id').executeTakeFirstOrThrow();
    return id;
  }

  /** A new work order for the assignee of an earlier one (second handling, failed verification). */
  private async reissue(last: Q.OrderRow, state: 'dispatched' | 'claimed', note: string | null): Promise<string> {
    const { id } = await this.trx.insertInto('work_order').values({
      case_id: this.c.id, assignee_kind: last.assignee_kind, assignee_unit_id: last.assignee_unit_id, assignee_unit_path: last.assignee_unit_path,
      assignee_department_id: last.assignee_department_id, lead: true, state, dispatched_by: this.actor.userId, dispatched_at: this.now,
      ...(state === 'claimed' ? { claimed_by: last.finished_by ?? last.claimed_by, claimed_at: this.now } : {}),
      note,
    }).returning('id').executeTakeFirstOrThrow();
    return id;
  }

  private finish(id: string, state: 'done' | 'returned' | 'cancelled') {
    return this.trx.updateTable('work_order').set({ state, finished_by: this.actor.userId, finished_at: this.now }).where('id', '=', id).execute();
  }

  /** The caller's order ends as `mine`, every other open order of the case is cancelled. */
  private async closeOpenOrders(mine: 'returned' | 'done'): Promise<void> {
    for (const o of this.orders) {
      if (!OPEN_ORDER.has(o.state)) continue;
      await this.finish(o.id, o.id === this.mine?.id ? mine : 'cancelled');
    }
  }

  private async mergeTarget(targetId: string) {
    const departmentIds = await Q.departmentIdsOf(this.trx, this.actor);
    const target = await Q.findVisibleCase(this.trx, this.actor, departmentIds, targetId, { lock: true });
    if (!target) throw new AppError(404, 'not_found', 'case.merge_target_not_found', undefined, 'targetId');
    if (target.id === this.c.id || !['reported', 'accepted', 'dispatched', 'in_progress', 'handled', 'verified'].includes(target.state)) {
      throw invalid('targetId', 'case.merge_target_invalid');
    }
    return target;
  }
}
