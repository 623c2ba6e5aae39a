import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import type { Actor } from '../../core/access/actor.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { AppError, invalid, notFound } from '../../core/http/errors.js';
import { sendStreamedFile } from '../../core/http/download.js';
import * as S from '../../../shared/fieldwork.schemas.js';
import { P } from './fieldwork.policy.js';
import * as Q from './fieldwork.queries.js';
import { createDiary, createPatrol, createRule, createVisit, deleteRule, householdStatuses, periodBounds, updateRule } from './fieldwork.service.js';
import { presentDiary, presentPatrol, presentRule, presentStatus, presentVisit } from './fieldwork.present.js';
import { checklistFor, offlinePack } from './checklist.service.js';
import { compliance, exportCompliance, workerDay } from './compliance.service.js';
import { photosOf } from '../cases/attachments.service.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

function idempotencyKey(headers: Record<string, string | string[] | undefined>): string | null {
  const header = headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw invalid('Idempotency-Key', 'fieldwork.idempotency_key_format');
  return key ?? null;
}

/** The optional period of a list: [start of `from`, end of `to`) in Beijing. */
function period(q: { from?: string; to?: string }): { from?: Date; to?: Date } {
  return {
    ...(q.from ? { from: periodBounds(q.from, q.from)[0] } : {}),
    ...(q.to ? { to: periodBounds(q.to, q.to)[1] } : {}),
  };
}

function withoutPeriod<T extends { from?: string; to?: string }>(q: T): Omit<T, 'from' | 'to'> {
  const { from: _from, to: _to, ...rest } = q;
  return rest;
}

const READ = [P.record, P.supervise];

/** Field work: validate → authorize → service → present. Everything cut to the caller's subtree. */
export function fieldworkRoutes(api: Api, ctx: AppContext): void {
  const tags = ['fieldwork'];

  /** A unit the caller may read field work at; 404 on unitId otherwise. */
  const readableUnit = async (actor: Actor, unitId: string) => {
    const u = await Q.unitInScope(ctx.db, actor, unitId, READ);
    if (!u) throw new AppError(404, 'not_found', 'fieldwork.unit_not_found', undefined, 'unitId');
    return u;
  };
  /** One patrol as GET /api/patrols/:id answers it: route, photos, the cases found on it. */
  const patrolDetail = async (p: NonNullable<Awaited<ReturnType<typeof Q.patrolInScope>>>) => ({
    ...presentPatrol(p, await photosOf(ctx.db, 'patrol', [p.id])), route: p.route, cases: await Q.casesOfPatrol(ctx.db, p),
  });
  const requireRead = (actor: Actor) => {
    if (!actor.can(P.record) && !actor.can(P.supervise)) throw new AppError(403, 'forbidden', 'error.forbidden');
  };

  // ——— Visit rules ———

  api.get('/visit-rules', {
    schema: { tags, summary: 'The visit rules in force at a unit (set there, above or below it); by default at your own unit', querystring: S.VisitRuleQuery, response: { 200: S.VisitRuleList } },
  }, async (req) => {
    const actor = actorOf(req);
    if (!actor.can(P.record) && !actor.can(P.supervise) && !actor.can(P.configure)) throw new AppError(403, 'forbidden', 'error.forbidden');
    let path: string;
    if (req.query.unitId) {
      const u = await Q.unitInScope(ctx.db, actor, req.query.unitId, [...READ, P.configure]);
      if (!u) throw new AppError(404, 'not_found', 'fieldwork.unit_not_found', undefined, 'unitId');
      path = u.path;
    } else path = actor.unitPath;
    const rows = await Q.rulesAround(ctx.db, path);
    return { items: rows.map((r) => presentRule(actor, r)) };
  });

  api.post('/visit-rules', {
    config: { permission: P.configure },
    schema: { tags, summary: 'Add a visit rule for a subtree (per care tag, every household, or the daily quota)', body: S.CreateVisitRuleInput, response: { 201: S.VisitRuleView } },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const id = await createRule(ctx, actor, auditContext(req), req.body);
    const unit = (await Q.ruleById(ctx.db, id))!;
    const row = (await Q.rulesAround(ctx.db, unit.unit_path)).find((r) => r.id === id)!;
    return reply.status(201).send(presentRule(actor, row));
  });

  api.patch('/visit-rules/:id', {
    config: { permission: P.configure },
    schema: { tags, summary: 'Change a visit rule (name, interval, quota, on/off) at the version you read', params: S.IdParam, body: S.UpdateVisitRuleInput, response: { 200: S.VisitRuleView } },
  }, async (req) => {
    const actor = actorOf(req);
    await updateRule(ctx, actor, auditContext(req), req.params.id, req.body);
    const rule = (await Q.ruleById(ctx.db, req.params.id))!;
    return presentRule(actor, (await Q.rulesAround(ctx.db, rule.unit_path)).find((r) => r.id === rule.id)!);
  });

  api.delete('/visit-rules/:id', {
    config: { permission: P.configure },
    schema: { tags, summary: 'Remove a visit rule (or switch it off with PATCH active: false)', params: S.IdParam },
  }, async (req, reply) => {
    await deleteRule(ctx, actorOf(req), auditContext(req), req.params.id);
    return reply.status(204).send();
  });

  // ——— Visit status ———

  api.get('/fieldwork/visit-status', {
    schema: { tags, summary: 'Households of a unit or a building with their last visit, next due date and overdue state', querystring: S.VisitStatusQuery, response: { 200: S.VisitStatusList } },
  }, async (req) => {
    const actor = actorOf(req);
    requireRead(actor);
    let path: string;
    if (req.query.unitId) path = (await readableUnit(actor, req.query.unitId)).path;
    else if (req.query.buildingId) {
      const b = await ctx.db.selectFrom('building').select('unit_path').where('id', '=', req.query.buildingId)
        .where(Q.readable(actor, 'building.unit_path')).executeTakeFirst();
      if (!b) throw new AppError(404, 'not_found', 'fieldwork.building_not_found', undefined, 'buildingId');
      path = b.unit_path;
    } else throw invalid('unitId', 'fieldwork.unit_or_building_required');
    const { households } = await householdStatuses(ctx.db, actor, { path, buildingId: req.query.buildingId, now: ctx.clock.now() });
    const matching = req.query.state ? households.filter((h) => h.status.state === req.query.state) : households;
    return {
      items: matching.slice(req.query.offset, req.query.offset + req.query.limit).map((h) => presentStatus(actor, h, req.locale)),
      total: matching.length,
    };
  });

  // ——— Visits ———

  api.post('/visits', {
    config: { permission: P.record },
    schema: {
      tags, summary: 'Record a household visit (with registry updates made on the spot). An Idempotency-Key header makes a retry answer the same visit',
      body: S.CreateVisitInput, response: { 201: S.VisitView },
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const { id } = await createVisit(ctx, actor, auditContext(req), req.body, idempotencyKey(req.headers));
    return reply.status(201).send(presentVisit((await Q.visitInScope(ctx.db, actor, id))!));
  });

  api.get('/visits', {
    schema: { tags, summary: 'Visits in scope (of a unit, a household or a worker, in a period), newest first', querystring: S.VisitListQuery, response: { 200: S.VisitList } },
  }, async (req) => {
    const actor = actorOf(req);
    requireRead(actor);
    const path = req.query.unitId ? (await readableUnit(actor, req.query.unitId)).path : undefined;
    const { rows, total } = await Q.listVisits(ctx.db, actor, { ...withoutPeriod(req.query), path, ...period(req.query) });
    return { items: rows.map(presentVisit), total };
  });

  api.get('/visits/:id', {
    schema: { tags, summary: 'One visit', params: S.IdParam, response: { 200: S.VisitView } },
  }, async (req) => {
    const actor = actorOf(req);
    requireRead(actor);
    const v = await Q.visitInScope(ctx.db, actor, req.params.id);
    if (!v) throw notFound();
    return presentVisit(v);
  });

  // ——— Patrols ———

  api.post('/patrols', {
    config: { permission: P.record },
    schema: {
      tags, summary: 'Record a finished patrol with its whole route and photos (sent once at the end; the phone records offline); it claims the cases reported with its Idempotency-Key as patrolKey. An Idempotency-Key header makes a retry answer the same patrol',
      body: S.CreatePatrolInput, response: { 201: S.PatrolDetail },
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const { id } = await createPatrol(ctx, actor, auditContext(req), req.body, idempotencyKey(req.headers));
    return reply.status(201).send(await patrolDetail((await Q.patrolInScope(ctx.db, actor, id))!));
  });

  api.get('/patrols', {
    schema: { tags, summary: 'Patrols in scope, newest first', querystring: S.PatrolListQuery, response: { 200: S.PatrolList } },
  }, async (req) => {
    const actor = actorOf(req);
    requireRead(actor);
    const path = req.query.unitId ? (await readableUnit(actor, req.query.unitId)).path : undefined;
    const { rows, total } = await Q.listPatrols(ctx.db, actor, { ...withoutPeriod(req.query), path, ...period(req.query) });
    const photos = await photosOf(ctx.db, 'patrol', rows.map((r) => r.id));
    return { items: rows.map((r) => presentPatrol(r, photos)), total };
  });

  api.get('/patrols/:id', {
    schema: { tags, summary: 'One patrol with its route, its photos and the cases found on it', params: S.IdParam, response: { 200: S.PatrolDetail } },
  }, async (req) => {
    const actor = actorOf(req);
    requireRead(actor);
    const p = await Q.patrolInScope(ctx.db, actor, req.params.id);
    if (!p) throw notFound();
    return patrolDetail(p);
  });

  // ——— Field diary ———

  api.post('/diary-entries', {
    config: { permission: P.record },
    schema: { tags, summary: 'Write a field diary entry (民情日记), tied to a household, a building and/or people, with photos. Idempotency-Key as for visits', body: S.CreateDiaryInput, response: { 201: S.DiaryView } },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const { id } = await createDiary(ctx, actor, auditContext(req), req.body, idempotencyKey(req.headers));
    return reply.status(201).send(presentDiary((await Q.diaryInScope(ctx.db, actor, id))!, await photosOf(ctx.db, 'diary_entry', [id])));
  });

  api.get('/diary-entries', {
    schema: { tags, summary: 'Field diary entries in scope, newest first', querystring: S.DiaryListQuery, response: { 200: S.DiaryList } },
  }, async (req) => {
    const actor = actorOf(req);
    requireRead(actor);
    const path = req.query.unitId ? (await readableUnit(actor, req.query.unitId)).path : undefined;
    const { rows, total } = await Q.listDiary(ctx.db, actor, { ...withoutPeriod(req.query), path, ...period(req.query) });
    const photos = await photosOf(ctx.db, 'diary_entry', rows.map((r) => r.id));
    return { items: rows.map((r) => presentDiary(r, photos)), total };
  });

  // ——— The day ———

  api.get('/checklist', {
    config: { permission: P.record },
    schema: { tags, summary: 'Your checklist for the day: visits due (nearest building first), your open cases, cases to verify; ticked as work is recorded', querystring: S.ChecklistQuery, response: { 200: S.ChecklistView } },
  }, async (req) => checklistFor(ctx, actorOf(req), req.locale, req.query));

  api.get('/fieldwork/offline-pack', {
    config: { permission: P.record },
    schema: { tags, summary: 'What the phone caches: your own grid’s buildings, households with visit status, residents (masked), the rules, today’s checklist', response: { 200: S.OfflinePack } },
  }, async (req) => offlinePack(ctx, actorOf(req), req.locale));

  // ——— Supervision ———

  api.get('/fieldwork/compliance', {
    config: { permission: P.supervise },
    schema: { tags, summary: 'Compliance per grid worker and per grid for a subtree and a period', querystring: S.ComplianceQuery, response: { 200: S.ComplianceView } },
  }, async (req) => compliance(ctx, actorOf(req), req.query));

  api.get('/fieldwork/compliance.xlsx', {
    config: { permission: P.supervise },
    exposeHeadRoute: false,
    schema: { tags, summary: 'The compliance figures as xlsx (audited)', querystring: S.ComplianceQuery },
  }, async (req, reply) => sendStreamedFile(req, reply, await exportCompliance(ctx, actorOf(req), auditContext(req), req.locale, req.query)));

  api.get('/fieldwork/workers/:userId/day', {
    schema: { tags, summary: 'A grid worker’s day: visits, patrols, diary entries and cases reported', params: S.WorkerDayParams, querystring: S.WorkerDayQuery, response: { 200: S.WorkerDayView } },
  }, async (req) => {
    const actor = actorOf(req);
    requireRead(actor);
    return workerDay(ctx, actor, req.params.userId, req.query.date);
  });
}
