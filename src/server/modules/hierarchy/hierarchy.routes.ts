import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import type { Actor } from '../../core/access/actor.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { notFound } from '../../core/http/errors.js';
import * as S from '../../../shared/hierarchy.schemas.js';
import { P, unitAbilities } from './hierarchy.policy.js';
import * as Q from './hierarchy.queries.js';
import { createUnit, deleteUnit, locatePoint, moveUnit, updateUnit, type PlacedPoint } from './hierarchy.service.js';
import { AppError } from '../../core/http/errors.js';

/** The fields of a unit that leave the server, with what the caller may do to it. */
export function presentUnit(actor: Actor, u: Q.UnitRow): S.UnitView {
  return {
    id: u.id,
    parentId: u.parent_id,
    level: u.level,
    code: u.code,
    name: u.name,
    path: u.path,
    regionCode: u.region_code,
    boundary: u.boundary ?? null,
    childCount: Number(u.child_count),
    createdAt: u.created_at.toISOString(),
    updatedAt: u.updated_at.toISOString(),
    abilities: unitAbilities(actor, u),
  };
}

export function hierarchyRoutes(api: Api, ctx: AppContext): void {
  const tags = ['hierarchy'];
  const read = { permission: P.read };

  const detail = async (actor: Actor, id: string) => {
    const unit = await Q.findUnitInScope(ctx.db, actor, id);
    if (!unit) throw notFound();
    const [ancestors, stats] = await Promise.all([Q.ancestorsInScope(ctx.db, actor, unit.path), Q.subtreeStats(ctx.db, unit.path)]);
    return { unit: presentUnit(actor, unit), ancestors, stats };
  };

  api.get('/units/roots', {
    config: read,
    schema: { tags, summary: 'The units at the roots of your scope', response: { 200: S.UnitList } },
  }, async (req) => {
    const actor = actorOf(req);
    return { items: (await Q.scopeRoots(ctx.db, actor)).map((u) => presentUnit(actor, u)) };
  });

  api.get('/units', {
    config: read,
    schema: { tags, summary: 'Search units in your scope by name or code', querystring: S.UnitSearchQuery, response: { 200: S.UnitList } },
  }, async (req) => {
    const actor = actorOf(req);
    return { items: (await Q.searchUnits(ctx.db, actor, req.query)).map((u) => presentUnit(actor, u)) };
  });

  api.get('/units/locate', {
    config: read,
    schema: { tags, summary: 'The community, grid and micro-grid that hold a point (lng, lat)', querystring: S.LocateQuery, response: { 200: S.Located } },
  }, async (req) => {
    const actor = actorOf(req);
    const placed = await locatePoint(ctx.db, req.query.lng, req.query.lat);
    // Outside every grid and community, or outside the caller's area: refused the same way.
    if (!placed.unit || !actor.can(P.read, placed.unit.path)) throw new AppError(400, 'outside_area', 'unit.point_outside', undefined, 'lng');
    const ref = (u: PlacedPoint['unit']) => (u && actor.can(P.read, u.path) ? { id: u.id, name: u.name, level: u.level, code: u.code } : null);
    return { community: ref(placed.community), grid: ref(placed.grid), microgrid: ref(placed.microgrid), unit: ref(placed.unit)! };
  });

  api.get('/units/:id', {
    config: read,
    schema: { tags, summary: 'A unit, its ancestors in your scope and what it holds', params: S.IdParam, response: { 200: S.UnitDetail } },
  }, async (req) => detail(actorOf(req), req.params.id));

  api.get('/units/:id/children', {
    config: read,
    schema: { tags, summary: 'The sub-units of a unit, with their boundaries', params: S.IdParam, response: { 200: S.UnitList } },
  }, async (req) => {
    const actor = actorOf(req);
    if (!(await Q.findUnitInScope(ctx.db, actor, req.params.id))) throw notFound();
    return { items: (await Q.children(ctx.db, actor, req.params.id)).map((u) => presentUnit(actor, u)) };
  });

  api.post('/units', {
    config: { permission: P.create },
    schema: { tags, summary: 'Create a unit under a parent', body: S.CreateUnitInput, response: { 201: S.UnitDetail } },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const id = await createUnit(ctx.db, actor, auditContext(req), req.body);
    return reply.status(201).send(await detail(actor, id));
  });

  api.patch('/units/:id', {
    config: { permission: P.update },
    schema: { tags, summary: 'Rename a unit, change its code or boundary', params: S.IdParam, body: S.UpdateUnitInput, response: { 200: S.UnitDetail } },
  }, async (req) => {
    const actor = actorOf(req);
    await updateUnit(ctx.db, actor, auditContext(req), req.params.id, req.body);
    return detail(actor, req.params.id);
  });

  api.post('/units/:id/move', {
    config: { permission: P.move },
    schema: { tags, summary: 'Move a unit and everything under it to another parent', params: S.IdParam, body: S.MoveUnitInput, response: { 200: S.UnitDetail } },
  }, async (req) => {
    const actor = actorOf(req);
    await moveUnit(ctx.db, actor, auditContext(req), req.params.id, req.body.parentId);
    return detail(actor, req.params.id);
  });

  api.delete('/units/:id', {
    config: { permission: P.delete },
    schema: { tags, summary: 'Delete an empty unit', params: S.IdParam },
  }, async (req, reply) => {
    await deleteUnit(ctx.db, actorOf(req), auditContext(req), req.params.id);
    return reply.status(204).send();
  });
}
