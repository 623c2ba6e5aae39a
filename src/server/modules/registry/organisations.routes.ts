import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import type { Actor } from '../../core/access/actor.js';
import type { Executor } from '../../core/db/index.js';
import { abilities } from '../../core/access/scope.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { notFound } from '../../core/http/errors.js';
import { maskPhone } from '../../../shared/validation/mask.js';
import { IdParam } from '../../../shared/registry/common.schemas.js';
import * as S from '../../../shared/registry/organisations.schemas.js';
import { P } from './registry.policy.js';
import { findUnitInScope, placesOf } from './buildings.queries.js';
import * as Q from './organisations.queries.js';
import { createOrganisation, revealContactPhone, updateOrganisation } from './organisations.service.js';

/** The fields of organisations that leave the server: the contact phone masked, never its ciphertext or hash. */
export async function presentOrganisations(db: Executor, ctx: AppContext, actor: Actor, rows: Q.OrganisationRow[]): Promise<S.OrganisationView[]> {
  const place = await placesOf(db, rows.map((r) => r.unit_path));
  return rows.map((o) => ({
    id: o.id,
    kind: o.kind,
    name: o.name,
    uscc: o.uscc,
    contactName: o.contact_name,
    contactPhone: o.contact_phone_enc ? maskPhone(ctx.cipher.decrypt(o.contact_phone_enc)) : null,
    address: o.address,
    building: o.building_id && o.building_name !== null ? { id: o.building_id, name: o.building_name } : null,
    lng: o.lng,
    lat: o.lat,
    status: o.status,
    unit: { id: o.unit_id, name: o.unit_name, level: o.unit_level, code: o.unit_code },
    ...place(o.unit_path),
    createdAt: o.created_at.toISOString(),
    updatedAt: o.updated_at.toISOString(),
    abilities: abilities(actor, o.unit_path, { update: P.write, reveal: P.reveal }),
  }));
}

export function organisationsRoutes(api: Api, ctx: AppContext): void {
  const tags = ['registry'];

  const view = async (actor: Actor, id: string): Promise<S.OrganisationView> => {
    const row = await Q.findOrganisationInScope(ctx.db, actor, id);
    if (!row) throw notFound();
    return (await presentOrganisations(ctx.db, ctx, actor, [row]))[0]!;
  };

  api.get('/organisations', {
    config: { permission: P.read },
    schema: { tags, summary: 'Enterprises, institutions, merchants and social organisations in your scope', querystring: S.OrganisationListQuery, response: { 200: S.OrganisationList } },
  }, async (req) => {
    const actor = actorOf(req);
    let subtree: string | null = null;
    if (req.query.unitId) {
      const unit = await findUnitInScope(ctx.db, actor, req.query.unitId);
      if (!unit) throw notFound();
      subtree = unit.path;
    }
    const { rows, total } = await Q.listOrganisations(ctx.db, actor, req.query, subtree);
    return { items: await presentOrganisations(ctx.db, ctx, actor, rows), total };
  });

  api.post('/organisations', {
    config: { permission: P.write },
    schema: { tags, summary: 'Record an organisation (统一社会信用代码 checked, contact phone encrypted)', body: S.CreateOrganisationInput, response: { 201: S.OrganisationView } },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const id = await createOrganisation(ctx, actor, auditContext(req), req.body);
    return reply.status(201).send(await view(actor, id));
  });

  api.get('/organisations/:id', {
    config: { permission: P.read },
    schema: { tags, summary: 'One organisation (contact phone masked)', params: IdParam, response: { 200: S.OrganisationView } },
  }, async (req) => view(actorOf(req), req.params.id));

  api.patch('/organisations/:id', {
    config: { permission: P.write },
    schema: { tags, summary: 'Change an organisation, move it, or close it (no deletes)', params: IdParam, body: S.UpdateOrganisationInput, response: { 200: S.OrganisationView } },
  }, async (req) => {
    const actor = actorOf(req);
    await updateOrganisation(ctx, actor, auditContext(req), req.params.id, req.body);
    return view(actor, req.params.id);
  });

  api.post('/organisations/:id/reveal', {
    config: { permission: P.reveal },
    schema: { tags, summary: 'The full contact phone, with a reason (audited)', params: IdParam, body: S.OrganisationRevealInput, response: { 200: S.OrganisationRevealed } },
  }, async (req) => ({
    contactPhone: await revealContactPhone(ctx, actorOf(req), auditContext(req), req.params.id, req.body.reason),
  }));
}
