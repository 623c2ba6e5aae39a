import type { AppContext } from '../../core/context.js';
import type { Executor } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import type { Permission } from '../../core/access/permissions.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { checkPassword, hashPassword } from '../../core/auth/password.js';
import { policyForRoles, staffPolicy } from '../../core/auth/auth.service.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../../core/http/errors.js';
import type { Role } from '../../../shared/roles.js';
import type { CreateBindingInput, CreateUserInput, UpdateUserInput } from '../../../shared/users.schemas.js';
import { P } from './users.policy.js';
import * as Q from './users.queries.js';

export interface InsertUserProps {
  username: string;
  displayName: string;
  password: string;
  unitId: string;
  locale?: 'zh-CN' | 'en';
  /** Role bindings to create with the account: each role at a unit. */
  bindings?: { role: Role; unitId: string }[];
  createdBy?: string | null;
}

/**
 * Insert an account and its role bindings. No checks of the caller or of the password policy:
 * the demo seed, the CLI, the tests and the users service (which checks) use it.
 */
export async function insertUser(trx: Executor, ctx: AppContext, u: InsertUserProps): Promise<string> {
  const unit = await trx.selectFrom('unit').select(['id', 'path', 'region_code']).where('id', '=', u.unitId).executeTakeFirstOrThrow();
  const { id } = await trx.insertInto('app_user').values({
    username: u.username,
    display_name: u.displayName,
    password_hash: await hashPassword(u.password, ctx.config.scryptLogN),
    locale: u.locale ?? 'zh-CN',
    unit_id: unit.id,
    unit_path: unit.path,
    region_code: unit.region_code,
  }).returning('id').executeTakeFirstOrThrow();
  if (u.bindings?.length) {
    await trx.insertInto('role_binding')
      .values(u.bindings.map((b) => ({ user_id: id, role: b.role, unit_id: b.unitId, created_by: u.createdBy ?? null })))
      .execute();
  }
  return id;
}

const unitNotFound = () => new AppError(404, 'not_found', 'user.unit_not_found', undefined, 'unitId');

function isUniqueViolation(e: unknown, constraint: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === '23505'
    && (e as { constraint?: string }).constraint === constraint;
}

/**
 * The account, locked for the transaction: 404 when outside the caller's read scope (exactly like a
 * missing id), 403 when seen but `permission` is not held at its unit.
 */
async function userFor(trx: Executor, actor: Actor, id: string, permission: Permission): Promise<Q.UserRow> {
  const user = await Q.lockUserInScope(trx, actor, id);
  if (!user) throw notFound();
  if (!actor.can(permission, user.unit_path)) throw forbidden();
  return user;
}

/** Create a staff account (no roles yet: the security admin binds them) at a unit in scope. */
export async function createUser(ctx: AppContext, actor: Actor, audit: AuditContext, input: CreateUserInput): Promise<string> {
  const problem = checkPassword(input.password, input.username, staffPolicy(ctx));
  if (problem) throw invalid('password', problem.key, problem.params);
  const taken = () => conflict('username_taken', 'user.username_taken', { username: input.username }, 'username');
  return ctx.db.transaction().execute(async (trx) => {
    const unit = await Q.findUnitInScope(trx, actor, input.unitId, P.create);
    if (!unit) throw unitNotFound();
    if (await Q.usernameTaken(trx, input.username)) throw taken();
    let id: string;
    try {
      id = await insertUser(trx, ctx, {
        username: input.username, displayName: input.displayName, password: input.password, unitId: unit.id,
        locale: input.locale, createdBy: actor.userId,
      });
    } catch (e) {
      if (isUniqueViolation(e, 'app_user_username_unique')) throw taken();
      throw e;
    }
    await writeAudit(trx, audit, {
      action: 'user.create', resourceType: 'user', resourceId: id, unitPath: unit.path,
      detail: { username: input.username, unitId: unit.id },
    });
    return id;
  });
}

/** Rename, move to another unit, change the language, disable or enable. Disabling ends the sessions. */
export async function updateUser(ctx: AppContext, actor: Actor, audit: AuditContext, id: string, input: UpdateUserInput): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await userFor(trx, actor, id, P.update);
    if (input.isActive === false && user.id === actor.userId) throw invalid('isActive', 'user.cannot_disable_self');
    let unit: Awaited<ReturnType<typeof Q.findUnitInScope>> = undefined;
    if (input.unitId !== undefined && input.unitId !== user.unit_id) {
      unit = await Q.findUnitInScope(trx, actor, input.unitId, P.update);
      if (!unit) throw unitNotFound();
    }
    const changed: string[] = [];
    if (input.displayName !== undefined && input.displayName !== user.display_name) changed.push('displayName');
    if (input.locale !== undefined && input.locale !== user.locale) changed.push('locale');
    if (unit) changed.push('unitId');
    const activeChanged = input.isActive !== undefined && input.isActive !== user.is_active;
    if (changed.length === 0 && !activeChanged) return;

    await trx.updateTable('app_user').set({
      ...(changed.includes('displayName') ? { display_name: input.displayName! } : {}),
      ...(changed.includes('locale') ? { locale: input.locale! } : {}),
      ...(unit ? { unit_id: unit.id, unit_path: unit.path, region_code: unit.region_code } : {}),
      ...(activeChanged ? { is_active: input.isActive! } : {}),
      updated_at: ctx.clock.now(),
    }).where('id', '=', user.id).execute();
    const unitPath = unit?.path ?? user.unit_path;
    if (changed.length > 0) {
      await writeAudit(trx, audit, {
        action: 'user.update', resourceType: 'user', resourceId: user.id, unitPath,
        detail: { changed, ...(unit ? { fromUnitId: user.unit_id, toUnitId: unit.id } : {}), ...(changed.includes('locale') ? { locale: input.locale } : {}) },
      });
    }
    if (activeChanged) {
      let sessionsEnded = 0;
      if (!input.isActive) {
        const res = await trx.deleteFrom('session').where('user_id', '=', user.id).executeTakeFirst();
        sessionsEnded = Number(res.numDeletedRows);
      }
      await writeAudit(trx, audit, {
        action: input.isActive ? 'user.enable' : 'user.disable', resourceType: 'user', resourceId: user.id, unitPath,
        detail: input.isActive ? {} : { sessionsEnded },
      });
    }
  });
}

/**
 * Set a new password for an account, checked against the policy of its roles (the staff one for an
 * account without roles: only staff accounts are made here). Every session of the account ends.
 */
export async function resetPassword(ctx: AppContext, actor: Actor, audit: AuditContext, id: string, newPassword: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await userFor(trx, actor, id, P.resetPassword);
    if (user.id === actor.userId) throw new AppError(403, 'forbidden', 'user.cannot_reset_own_password');
    const roles = await Q.rolesOf(trx, user.id);
    const policy = roles.length === 0 ? staffPolicy(ctx) : policyForRoles(ctx, roles);
    const problem = checkPassword(newPassword, user.username, policy);
    if (problem) throw invalid('newPassword', problem.key, problem.params);
    const hash = await hashPassword(newPassword, ctx.config.scryptLogN);
    await trx.updateTable('app_user').set({ password_hash: hash, password_changed_at: ctx.clock.now(), updated_at: ctx.clock.now() })
      .where('id', '=', user.id).execute();
    const res = await trx.deleteFrom('session').where('user_id', '=', user.id).executeTakeFirst();
    await writeAudit(trx, audit, {
      action: 'user.reset_password', resourceType: 'user', resourceId: user.id, unitPath: user.unit_path,
      detail: { sessionsEnded: Number(res.numDeletedRows) },
    });
  });
}

/** Lift a lockout after failed sign-ins. */
export async function unlockUser(ctx: AppContext, actor: Actor, audit: AuditContext, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await userFor(trx, actor, id, P.unlock);
    const wasLocked = user.locked_until !== null && user.locked_until > ctx.clock.now();
    await trx.updateTable('app_user').set({ failed_logins: 0, locked_until: null }).where('id', '=', user.id).execute();
    await writeAudit(trx, audit, { action: 'user.unlock', resourceType: 'user', resourceId: user.id, unitPath: user.unit_path, detail: { wasLocked } });
  });
}

/** Remove the authenticator and the recovery codes: the account enrols again at its next sign-in. Sessions end. */
export async function resetMfa(ctx: AppContext, actor: Actor, audit: AuditContext, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await userFor(trx, actor, id, P.resetMfa);
    if (user.id === actor.userId) throw new AppError(403, 'forbidden', 'user.cannot_reset_own_mfa');
    await trx.updateTable('app_user').set({ mfa_enabled: false, mfa_secret_enc: null, mfa_last_step: null, updated_at: ctx.clock.now() })
      .where('id', '=', user.id).execute();
    await trx.deleteFrom('mfa_recovery_code').where('user_id', '=', user.id).execute();
    const res = await trx.deleteFrom('session').where('user_id', '=', user.id).executeTakeFirst();
    await writeAudit(trx, audit, {
      action: 'user.reset_mfa', resourceType: 'user', resourceId: user.id, unitPath: user.unit_path,
      detail: { wasEnabled: user.mfa_enabled, sessionsEnded: Number(res.numDeletedRows) },
    });
  });
}

/** Give an account a role at a unit in the caller's role_binding.manage scope. Returns the binding id. */
export async function addBinding(ctx: AppContext, actor: Actor, audit: AuditContext, userId: string, input: CreateBindingInput): Promise<string> {
  const exists = () => conflict('binding_exists', 'user.binding_exists', undefined, 'role');
  return ctx.db.transaction().execute(async (trx) => {
    const user = await Q.lockUserInScope(trx, actor, userId);
    if (!user) throw notFound();
    if (user.id === actor.userId) throw new AppError(403, 'forbidden', 'user.cannot_change_own_roles');
    if (!actor.can(P.bindingManage, user.unit_path)) throw forbidden();
    const unit = await Q.findUnitInScope(trx, actor, input.unitId, P.bindingManage);
    if (!unit) throw unitNotFound();
    if (await Q.bindingExists(trx, user.id, input.role, unit.id)) throw exists();
    let id: string;
    try {
      ({ id } = await trx.insertInto('role_binding')
        .values({ user_id: user.id, role: input.role, unit_id: unit.id, created_by: actor.userId })
        .returning('id').executeTakeFirstOrThrow());
    } catch (e) {
      if (isUniqueViolation(e, 'role_binding_unique')) throw exists();
      throw e;
    }
    await writeAudit(trx, audit, {
      action: 'role_binding.create', resourceType: 'role_binding', resourceId: id, unitPath: unit.path,
      detail: { userId: user.id, username: user.username, role: input.role, unitId: unit.id },
    });
    return id;
  });
}

/** Take a role away. The binding must be the account's and lie in the caller's role_binding.manage scope. */
export async function removeBinding(ctx: AppContext, actor: Actor, audit: AuditContext, userId: string, bindingId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await Q.lockUserInScope(trx, actor, userId);
    if (!user) throw notFound();
    if (user.id === actor.userId) throw new AppError(403, 'forbidden', 'user.cannot_change_own_roles');
    if (!actor.can(P.bindingManage, user.unit_path)) throw forbidden();
    const binding = await Q.findBinding(trx, user.id, bindingId);
    if (!binding) throw new AppError(404, 'not_found', 'user.binding_not_found');
    if (!actor.can(P.bindingManage, binding.unit_path)) throw forbidden();
    await trx.deleteFrom('role_binding').where('id', '=', binding.id).execute();
    await writeAudit(trx, audit, {
      action: 'role_binding.delete', resourceType: 'role_binding', resourceId: binding.id, unitPath: binding.unit_path,
      detail: { userId: user.id, username: user.username, role: binding.role, unitId: binding.unit_id },
    });
  });
}
