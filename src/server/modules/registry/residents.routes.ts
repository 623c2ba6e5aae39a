import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { invalid, notFound } from '../../core/http/errors.js';
import { inScope } from '../../core/access/scope.js';
import * as C from '../../../shared/registry/common.schemas.js';
import * as S from '../../../shared/registry/residents.schemas.js';
import { maskIdNumber, maskPhone } from '../../../shared/validation/mask.js';
import { P } from './registry.policy.js';
import { findResidentInScope, searchResidents } from './residents.queries.js';
import { masked, presentResidents } from './residents.present.js';
import { changeHousehold, createResident, endResidence, revealResident, updateResident } from './residents.service.js';
import { seesSensitive } from './tags.queries.js';

export function residentsRoutes(api: Api, ctx: AppContext): void {
  const tags = ['registry'];
  const present = async (req: { locale: 'zh-CN' | 'en' }, actor: ReturnType<typeof actorOf>, id: string) => {
    const row = await findResidentInScope(ctx.db, actor, id);
    if (!row) throw notFound();
    return (await presentResidents(ctx.db, actor, ctx.cipher, [row], req.locale, ctx.clock.now()))[0]!;
  };

  api.get('/residents', {
    config: { permission: P.read },
    schema: {
      tags, summary: 'Search residents in your scope: name or pinyin initials, exact ID number or phone, tags, address',
      querystring: S.ResidentSearchQuery, response: { 200: S.ResidentList },
    },
  }, async (req) => {
    const actor = actorOf(req);
    const q = req.query;
    let unitPath: string | undefined;
    if (q.unitId) {
      const unit = await ctx.db.selectFrom('unit').select('path').where('id', '=', q.unitId).where(inScope(actor, P.read, 'unit.path')).executeTakeFirst();
      if (!unit) throw notFound();
      unitPath = unit.path;
    }
    let sensitiveTagIds: string[] = [];
    if (q.tags) {
      const ids = q.tags.split(',');
      const found = await ctx.db.selectFrom('care_tag').select(['id', 'sensitive']).where('id', 'in', ids).execute();
      for (const id of ids) {
        const t = found.find((f) => f.id === id);
        // A sensitive tag is as unknown as a missing one to a caller who may never see it.
        if (!t || (t.sensitive && !actor.can(P.sensitiveTags))) throw invalid('tags', 'registry.tag_unknown', { id });
      }
      sensitiveTagIds = found.filter((t) => t.sensitive).map((t) => t.id);
    }
    const { rows, total, capped } = await searchResidents(ctx.db, actor, ctx.cipher, { ...q, unitPath, sensitiveTagIds });
    return { items: await presentResidents(ctx.db, actor, ctx.cipher, rows, req.locale, ctx.clock.now()), total, totalCapped: capped };
  });

  api.get('/residents/:id', {
    config: { permission: P.read },
    schema: { tags, summary: 'A resident (ID number and phone masked)', params: C.IdParam, response: { 200: S.ResidentView } },
  }, async (req) => present(req, actorOf(req), req.params.id));

  api.post('/residents', {
    config: { permission: P.write },
    schema: { tags, summary: 'Register a resident in a household (or a grid / community)', body: S.CreateResidentInput, response: { 201: S.ResidentView } },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const id = await createResident(ctx, actor, auditContext(req), req.body);
    return reply.status(201).send(await present(req, actor, id));
  });

  api.patch('/residents/:id', {
    config: { permission: P.write },
    schema: { tags, summary: 'Change a resident (the earlier state is kept in the history)', params: C.IdParam, body: S.UpdateResidentInput, response: { 200: S.ResidentView } },
  }, async (req) => {
    const actor = actorOf(req);
    await updateResident(ctx, actor, auditContext(req), req.params.id, req.body);
    return present(req, actor, req.params.id);
  });

  api.post('/residents/:id/move-out', {
    config: { permission: P.write },
    schema: { tags, summary: 'Record that a resident moved out (迁出)', params: C.IdParam, body: S.MoveOutInput, response: { 200: S.ResidentView } },
  }, async (req) => {
    const actor = actorOf(req);
    await endResidence(ctx, actor, auditContext(req), req.params.id, 'move_out', req.body);
    return present(req, actor, req.params.id);
  });

  api.post('/residents/:id/death', {
    config: { permission: P.write },
    schema: { tags, summary: 'Record a death (the record is kept)', params: C.IdParam, body: S.DeathInput, response: { 200: S.ResidentView } },
  }, async (req) => {
    const actor = actorOf(req);
    await endResidence(ctx, actor, auditContext(req), req.params.id, 'death', req.body);
    return present(req, actor, req.params.id);
  });

  api.post('/residents/:id/household', {
    config: { permission: P.write },
    schema: { tags, summary: 'Move a resident to another household', params: C.IdParam, body: S.ChangeHouseholdInput, response: { 200: S.ResidentView } },
  }, async (req) => {
    const actor = actorOf(req);
    await changeHousehold(ctx, actor, auditContext(req), req.params.id, req.body);
    return present(req, actor, req.params.id);
  });

  api.post('/residents/:id/reveal', {
    config: { permission: P.read },
    schema: { tags, summary: 'See the full ID number and/or phone, giving a reason (audited)', params: C.IdParam, body: S.RevealInput, response: { 200: S.Revealed } },
  }, async (req) => revealResident(ctx, actorOf(req), auditContext(req), req.params.id, req.body));

  api.get('/residents/:id/history', {
    config: { permission: P.read },
    schema: { tags, summary: 'Earlier states of a resident, newest first (masked)', params: C.IdParam, response: { 200: S.HistoryList } },
  }, async (req) => {
    const actor = actorOf(req);
    const r = await findResidentInScope(ctx.db, actor, req.params.id);
    if (!r) throw notFound();
    const rows = await ctx.db.selectFrom('resident_history as h').leftJoin('app_user as u', 'u.id', 'h.changed_by')
      .select(['h.id', 'h.kind', 'h.valid_from', 'h.valid_to', 'h.effective_on', 'h.before', 'u.display_name'])
      .where('h.resident_id', '=', r.id).orderBy('h.valid_to', 'desc').orderBy('h.id', 'desc').execute();
    const sensitiveOk = seesSensitive(actor, r.unit_path);
    const sensitiveCodes = sensitiveOk ? new Set<string>() : new Set((await ctx.db.selectFrom('care_tag').select('code').where('sensitive', '=', true).execute()).map((t) => t.code));
    return {
      items: rows.map((h) => {
        const { id_number_enc, phone_enc, tags: tagCodes, ...rest } = h.before as Record<string, unknown>;
        return {
          id: h.id, kind: h.kind, validFrom: h.valid_from.toISOString(), validTo: h.valid_to.toISOString(),
          effectiveOn: h.effective_on, changedBy: h.display_name ?? null,
          before: {
            ...rest,
            id_number: masked(ctx.cipher, (id_number_enc as string | null) ?? null, maskIdNumber),
            phone: masked(ctx.cipher, (phone_enc as string | null) ?? null, maskPhone),
            tags: ((tagCodes as string[] | undefined) ?? []).filter((c) => !sensitiveCodes.has(c)),
          },
        };
      }),
    };
  });
}
