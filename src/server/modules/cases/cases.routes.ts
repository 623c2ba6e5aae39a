import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import type { Actor } from '../../core/access/actor.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { invalid, notFound } from '../../core/http/errors.js';
import type { Locale } from '../../../shared/i18n/index.js';
import { maskPhone } from '../../../shared/validation/mask.js';
import * as S from '../../../shared/cases.schemas.js';
import { P } from './cases.policy.js';
import * as Q from './cases.queries.js';
import { availableFor, overdueNow, reportCase, takeAction } from './cases.service.js';
import { attachmentsOfCase } from './attachments.queries.js';
import { attachmentUrl } from './attachments.service.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const nameIn = (locale: Locale, zh: string, en: string) => (locale === 'en' ? en : zh);

/** The fields of a case that leave the server in a list: no reporter, no phone. */
export function presentSummary(row: Q.CaseRow, locale: Locale, now: Date): S.CaseSummary {
  return {
    id: row.id,
    number: row.number,
    category: { code: row.category_code, name: nameIn(locale, row.category_name_zh, row.category_name_en) },
    description: row.description,
    source: row.source,
    urgency: row.urgency,
    state: row.state,
    stage: row.stage,
    stageStartedAt: iso(row.stage_started_at),
    stageDeadline: iso(row.stage_deadline),
    overdueLevel: overdueNow(row, now),
    supervision: row.supervision,
    reopenCount: row.reopen_count,
    address: row.address,
    lng: row.lng,
    lat: row.lat,
    unit: { id: row.unit_id, name: row.unit_name, level: row.unit_level, code: row.unit_code },
    handlingUnit: { id: row.handling_unit_id, name: row.handling_unit_name, level: row.handling_unit_level, code: row.handling_unit_code },
    hotlineOrderNo: row.hotline_order_no,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** What a case's detail is made of. */
interface DetailParts {
  row: Q.CaseRow;
  departmentIds: string[];
  timeline: Q.EventRow[];
  orders: Awaited<ReturnType<typeof Q.caseDetails>>['orders'];
  extensions: Awaited<ReturnType<typeof Q.caseDetails>>['extensions'];
  photos: Awaited<ReturnType<typeof attachmentsOfCase>>;
  merged: Awaited<ReturnType<typeof Q.caseNumberOf>>;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function casesRoutes(api: Api, ctx: AppContext): void {
  const tags = ['cases'];

  const detail = async (actor: Actor, locale: Locale, id: string): Promise<S.CaseDetail> => {
    const departmentIds = await Q.departmentIdsOf(ctx.db, actor);
    const row = await Q.findVisibleCase(ctx.db, actor, departmentIds, id);
    if (!row) throw notFound();
    const [more, merged, photos] = await Promise.all([
      Q.caseDetails(ctx.db, row.id),
      row.merged_into ? Q.caseNumberOf(ctx.db, row.merged_into) : Promise.resolve(undefined),
      attachmentsOfCase(ctx.db, row.id),
    ]);
    return present(actor, locale, { row, departmentIds, ...more, photos, merged });
  };

  /** A case's detail from its parts, read (GET) or just written (a report). */
  const present = (actor: Actor, locale: Locale, parts: DetailParts): S.CaseDetail => {
    const { row, departmentIds, orders, extensions, timeline, photos, merged } = parts;
    // What the caller may do, from the orders and extension requests just read (no second read of them).
    const actions = availableFor(actor, departmentIds, row, orders, extensions.some((x) => x.state === 'pending'));
    const photosOf = (eventId: string) => photos.filter((p) => p.event_id === eventId).map((p) => p.id);
    return {
      ...presentSummary(row, locale, ctx.clock.now()),
      version: row.version,
      stageLimitUnit: row.stage_limit_unit,
      reporter: {
        name: row.reporter_name,
        phone: row.reporter_phone_enc ? maskPhone(ctx.cipher.decrypt(row.reporter_phone_enc)) : null,
        isMe: row.reporter_user_id === actor.userId,
      },
      rating: row.rating,
      ratingComment: row.rating_comment,
      ratedAt: iso(row.rated_at),
      mergedInto: merged ?? null,
      hotlineDeadline: iso(row.hotline_deadline),
      closedAt: iso(row.closed_at),
      timeline: timeline.map((e) => ({
        id: e.id, occurredAt: e.occurred_at.toISOString(), actor: e.actor_name, action: e.action,
        fromState: e.from_state, toState: e.to_state, note: e.note, detail: e.detail, attachmentIds: photosOf(e.id),
      })),
      workOrders: orders.map((o) => ({
        id: o.id,
        assignee: o.assignee_kind === 'unit'
          ? { kind: 'unit' as const, unit: { id: o.unit_id!, name: o.unit_name!, level: o.unit_level!, code: o.unit_code! } }
          : { kind: 'department' as const, department: { id: o.department_id!, code: o.department_code!, name: nameIn(locale, o.department_name_zh!, o.department_name_en!) } },
        lead: o.lead,
        state: o.state,
        dispatchedAt: o.dispatched_at.toISOString(),
        dispatchedBy: o.dispatched_by_name,
        claimedAt: iso(o.claimed_at),
        claimedBy: o.claimed_by_name,
        finishedAt: iso(o.finished_at),
        note: o.note,
      })),
      extensionRequests: extensions.map((x) => ({
        id: x.id, amount: Number(x.amount), unit: x.limit_unit, reason: x.reason, state: x.state,
        requestedAt: x.requested_at.toISOString(), decidedAt: iso(x.decided_at), decisionNote: x.decision_note,
      })),
      attachments: photos.map((p) => ({
        id: p.id, url: attachmentUrl(p.id), contentType: p.content_type, width: p.width, height: p.height,
        eventId: p.event_id, createdAt: p.created_at.toISOString(),
      })),
      actions,
    };
  };

  api.get('/case-categories', {
    schema: { tags, summary: 'The case categories in use, with their time limits, level and responsible department', response: { 200: S.CaseCategoryList } },
  }, async (req) => {
    actorOf(req);
    const rows = await Q.listCategories(ctx.db);
    return {
      items: rows.map((c) => ({
        code: c.code, parentCode: c.parent_code, name: nameIn(req.locale, c.name_zh, c.name_en),
        limits: { accept: c.accept_limit, handle: c.handle_limit, verify: c.verify_limit, urgentHandle: c.urgent_handle_limit },
        defaultLevel: c.default_level, departmentCode: c.department_code,
      })),
    };
  });

  api.post('/cases', {
    config: { permission: P.report },
    schema: {
      tags,
      summary: 'Report a case (placed in its grid from the point). An Idempotency-Key header makes a retry answer the same case',
      body: S.ReportCaseInput, response: { 201: S.CaseDetail },
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const header = req.headers['idempotency-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw invalid('Idempotency-Key', 'case.idempotency_key_format');
    const { id, written } = await reportCase(ctx, actor, auditContext(req), req.body, key ?? null);
    // A new case is answered from what was just written (the reporter always sees their own case; it has
    // no work orders or extension requests yet); a replayed one is read back.
    return reply.status(201).send(written
      ? present(actor, req.locale, { ...written, departmentIds: [], orders: [], extensions: [], merged: undefined })
      : await detail(actor, req.locale, id));
  });

  api.get('/cases', {
    schema: { tags, summary: 'A work list of cases (to accept, to dispatch, mine, to verify, overdue, supervised …), scoped', querystring: S.CaseListQuery, response: { 200: S.CasePage } },
  }, async (req) => {
    const actor = actorOf(req);
    let subtree: string | null = null;
    if (req.query.unitId) {
      const unit = await Q.unitById(ctx.db, req.query.unitId);
      if (!unit || !actor.can(P.read, unit.path)) throw notFound();
      subtree = unit.path;
    }
    const departmentIds = await Q.departmentIdsOf(ctx.db, actor);
    const now = ctx.clock.now();
    const { rows, total, capped } = await Q.listCases(ctx.db, actor, departmentIds, req.query, subtree, now);
    return { items: rows.map((r) => presentSummary(r, req.locale, now)), total, totalCapped: capped };
  });

  api.get('/cases/counts', {
    schema: { tags, summary: 'How many cases each of your work lists holds (the menu counts)', response: { 200: S.CaseCounts } },
  }, async (req) => {
    const actor = actorOf(req);
    const departmentIds = await Q.departmentIdsOf(ctx.db, actor);
    const lists = S.CASE_LISTS.filter((l) => l !== 'all');
    return (await Q.countLists(ctx.db, actor, departmentIds, lists, ctx.clock.now())) as S.CaseCounts;
  });

  api.get('/cases/:id', {
    schema: { tags, summary: 'A case with its timeline, work orders and the actions you may take now', params: S.CaseIdParam, response: { 200: S.CaseDetail } },
  }, async (req) => detail(actorOf(req), req.locale, req.params.id));

  api.get('/cases/:id/departments', {
    schema: { tags, summary: 'The departments serving the place of a case: whom it can be dispatched to or whistled for', params: S.CaseIdParam, response: { 200: S.DepartmentList } },
  }, async (req) => {
    const actor = actorOf(req);
    const departmentIds = await Q.departmentIdsOf(ctx.db, actor);
    const row = await Q.findVisibleCase(ctx.db, actor, departmentIds, req.params.id);
    if (!row) throw notFound();
    const rows = await Q.departmentsServing(ctx.db, row.handling_path);
    return {
      items: rows.map((d) => ({
        id: d.id, code: d.code, name: nameIn(req.locale, d.name_zh, d.name_en),
        unit: { id: d.unit_id, name: d.unit_name, level: d.unit_level, code: d.unit_code },
      })),
    };
  });

  for (const action of Object.keys(S.ACTION_BODIES) as S.ApiCaseAction[]) {
    api.post(`/cases/:id/actions/${action}`, {
      schema: {
        tags, summary: `Case step: ${action.replace('_', ' ')}`,
        params: S.CaseIdParam, body: S.ACTION_BODIES[action], response: { 200: S.CaseDetail },
      },
    }, async (req) => {
      const actor = actorOf(req);
      await takeAction(ctx, actor, auditContext(req), req.params.id, action, req.body as S.AnyActionBody);
      return detail(actor, req.locale, req.params.id);
    });
  }
}
