import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import type { Actor } from '../../core/access/actor.js';
import type { Executor } from '../../core/db/index.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { forbidden, notFound } from '../../core/http/errors.js';
import { isRole, ROLES } from '../../../shared/roles.js';
import * as S from '../../../shared/users.schemas.js';
import { P, userAbilities } from './users.policy.js';
import * as Q from './users.queries.js';
import { addBinding, createUser, removeBinding, resetMfa, resetPassword, unlockUser, updateUser } from './users.service.js';

function presentBinding(b: Q.BindingRow): S.BindingView | null {
  if (!isRole(b.role)) return null;
  return {
    id: b.id,
    role: b.role,
    unit: { id: b.unit_id, name: b.unit_name, level: b.unit_level, code: b.unit_code },
    createdAt: b.created_at.toISOString(),
  };
}

/**
 * The fields of accounts that leave the server: never a hash, secret or failure count. Bindings
 * only where the caller may read them; abilities for what the caller may do.
 */
export async function presentUsers(db: Executor, ctx: AppContext, actor: Actor, rows: Q.UserRow[]): Promise<S.UserView[]> {
  const bindings = await Q.bindingsOf(db, rows.map((r) => r.id));
  const now = ctx.clock.now();
  return rows.map((u) => {
    const own = bindings.filter((b) => b.user_id === u.id);
    return {
      id: u.id,
      username: u.username,
      displayName: u.display_name,
      locale: u.locale === 'en' ? 'en' : 'zh-CN',
      unit: { id: u.unit_id, name: u.unit_name, level: u.unit_level, code: u.unit_code },
      isActive: u.is_active,
      lockedUntil: u.locked_until && u.locked_until > now ? u.locked_until.toISOString() : null,
      mfaEnabled: u.mfa_enabled,
      mfaRequired: own.some((b) => ctx.config.mfaRequiredRoles.includes(b.role)),
      createdAt: u.created_at.toISOString(),
      bindings: actor.can(P.bindingRead, u.unit_path) ? own.flatMap((b) => presentBinding(b) ?? []) : [],
      abilities: userAbilities(actor, u),
    };
  });
}

export function usersRoutes(api: Api, ctx: AppContext): void {
  const tags = ['users'];

  const view = async (actor: Actor, id: string): Promise<S.UserView> => {
    const user = await Q.findUserInScope(ctx.db, actor, id);
    if (!user) throw notFound();
    return (await presentUsers(ctx.db, ctx, actor, [user]))[0]!;
  };

  api.get('/users', {
    config: { permission: P.read },
    schema: { tags, summary: 'Accounts whose unit is in your scope', querystring: S.UserListQuery, response: { 200: S.UserList } },
  }, async (req) => {
    const actor = actorOf(req);
    const { rows, total } = await Q.listUsers(ctx.db, actor, req.query, ctx.clock.now());
    return { items: await presentUsers(ctx.db, ctx, actor, rows), total };
  });

  api.get('/users/:id', {
    config: { permission: P.read },
    schema: { tags, summary: 'One account, its role bindings and what you may do to it', params: S.UserIdParam, response: { 200: S.UserView } },
  }, async (req) => view(actorOf(req), req.params.id));

  api.post('/users', {
    config: { permission: P.create },
    schema: { tags, summary: 'Create a staff account at a unit in your scope (roles are bound separately)', body: S.CreateUserInput, response: { 201: S.UserView } },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const id = await createUser(ctx, actor, auditContext(req), req.body);
    return reply.status(201).send(await view(actor, id));
  });

  api.patch('/users/:id', {
    config: { permission: P.update },
    schema: { tags, summary: 'Rename, move, disable or enable an account (disabling ends its sessions)', params: S.UserIdParam, body: S.UpdateUserInput, response: { 200: S.UserView } },
  }, async (req) => {
    const actor = actorOf(req);
    await updateUser(ctx, actor, auditContext(req), req.params.id, req.body);
    return view(actor, req.params.id);
  });

  api.post('/users/:id/password', {
    config: { permission: P.resetPassword },
    schema: { tags, summary: 'Set a new password for an account (its sessions end)', params: S.UserIdParam, body: S.ResetPasswordInput, response: { 200: S.Ok } },
  }, async (req) => {
    await resetPassword(ctx, actorOf(req), auditContext(req), req.params.id, req.body.newPassword);
    return { ok: true as const };
  });

  api.post('/users/:id/unlock', {
    config: { permission: P.unlock },
    schema: { tags, summary: 'Lift a lockout after failed sign-ins', params: S.UserIdParam, response: { 200: S.UserView } },
  }, async (req) => {
    const actor = actorOf(req);
    await unlockUser(ctx, actor, auditContext(req), req.params.id);
    return view(actor, req.params.id);
  });

  api.post('/users/:id/mfa/reset', {
    config: { permission: P.resetMfa },
    schema: { tags, summary: 'Remove an account’s authenticator and recovery codes (its sessions end)', params: S.UserIdParam, response: { 200: S.UserView } },
  }, async (req) => {
    const actor = actorOf(req);
    await resetMfa(ctx, actor, auditContext(req), req.params.id);
    return view(actor, req.params.id);
  });

  api.post('/users/:id/bindings', {
    config: { permission: P.bindingManage },
    schema: { tags, summary: 'Give an account a role at a unit in your scope', params: S.UserIdParam, body: S.CreateBindingInput, response: { 201: S.BindingView } },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const id = await addBinding(ctx, actor, auditContext(req), req.params.id, req.body);
    const binding = (await Q.bindingsOf(ctx.db, [req.params.id])).find((b) => b.id === id);
    return reply.status(201).send(presentBinding(binding!)!);
  });

  api.delete('/users/:id/bindings/:bindingId', {
    config: { permission: P.bindingManage },
    schema: { tags, summary: 'Take a role away from an account', params: S.BindingIdParams },
  }, async (req, reply) => {
    await removeBinding(ctx, actorOf(req), auditContext(req), req.params.id, req.params.bindingId);
    return reply.status(204).send();
  });

  api.get('/roles', {
    schema: { tags, summary: 'Every role, its permissions, and whether it requires a second factor', response: { 200: S.RoleList } },
  }, async (req) => {
    const actor = actorOf(req);
    if (!actor.can(P.read) && !actor.can(P.bindingRead)) throw forbidden();
    return {
      items: ROLES.map((role) => ({
        role,
        permissions: ctx.permissions.permissionsOf(role),
        mfaRequired: ctx.config.mfaRequiredRoles.includes(role),
      })),
    };
  });
}
