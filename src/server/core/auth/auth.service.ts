import { sql } from 'kysely';
import QRCode from 'qrcode';
import type { AppContext } from '../context.js';
import type { AuditContext } from '../audit/audit.js';
import { writeAudit } from '../audit/audit.js';
import { AppError, invalid } from '../http/errors.js';
import { checkPassword, hashPassword, RESIDENT_POLICY, verifyPassword, type PasswordPolicy } from './password.js';
import { createSession, destroySession } from './sessions.js';
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpFor, verifyTotp } from './totp.js';
import { loadBindings } from './load-actor.js';
import { STAFF_ROLES, type Role } from '../../../shared/roles.js';
import type { Executor } from '../db/index.js';

export type LoginStatus = 'ok' | 'mfa_required' | 'mfa_enrollment_required';

// Verified against when the username is unknown, so that a wrong username costs as long as a wrong password.
let dummyHash: Promise<string> | null = null;

export function staffPolicy(ctx: AppContext): PasswordPolicy {
  return { minLength: ctx.config.passwordMinLength, minClasses: ctx.config.passwordMinClasses };
}

/** The password policy for a user with these roles: the staff one as soon as any role is a staff role. */
export function policyForRoles(ctx: AppContext, roles: string[]): PasswordPolicy {
  return roles.some((r) => (STAFF_ROLES as readonly string[]).includes(r)) ? staffPolicy(ctx) : RESIDENT_POLICY;
}

export async function mfaRequiredFor(db: Executor, ctx: AppContext, userId: string): Promise<boolean> {
  const bindings = await loadBindings(db, userId);
  return bindings.some((b) => ctx.config.mfaRequiredRoles.includes(b.role));
}

/**
 * Password sign-in with lockout: every attempt is audited; after `lockoutThreshold` failures in a
 * row the account is locked for `lockoutMinutes`. On success a new session is opened — complete, or
 * waiting for the second factor when the account has one or its role requires one.
 */
export async function login(
  ctx: AppContext, input: { username: string; password: string }, meta: { ip: string | null; userAgent: string | null },
): Promise<{ token: string; status: LoginStatus }> {
  const { db, config, clock } = ctx;
  const user = await db
    .selectFrom('app_user')
    .select(['id', 'username', 'password_hash', 'is_active', 'failed_logins', 'locked_until', 'mfa_enabled', 'unit_path'])
    .where(sql`lower(username)`, '=', input.username.toLowerCase())
    .executeTakeFirst();
  const audit = (result: 'success' | 'failure' | 'denied', reason: string, userId: string | null = user?.id ?? null) =>
    writeAudit(db, { actorId: userId, actorUsername: input.username.slice(0, 64), ip: meta.ip }, {
      action: 'auth.login', resourceType: 'user', resourceId: userId, unitPath: user?.unit_path ?? null, result, detail: { reason },
    });

  if (!user) {
    dummyHash ??= hashPassword('linli-dummy-password', config.scryptLogN);
    await verifyPassword(input.password, await dummyHash);
    await audit('failure', 'unknown_user', null);
    throw new AppError(401, 'invalid_credentials', 'auth.invalid_credentials');
  }
  const now = clock.now();
  if (user.locked_until && user.locked_until > now) {
    await audit('denied', 'locked');
    throw new AppError(423, 'locked', 'auth.locked', { minutes: Math.ceil((user.locked_until.getTime() - now.getTime()) / 60_000) });
  }
  const ok = await verifyPassword(input.password, user.password_hash);
  if (!ok) {
    await registerFailure(ctx, user.id, now);
    await audit('failure', 'wrong_password');
    throw new AppError(401, 'invalid_credentials', 'auth.invalid_credentials');
  }
  if (!user.is_active) {
    await audit('denied', 'disabled');
    throw new AppError(403, 'disabled', 'auth.disabled');
  }
  const required = await mfaRequiredFor(db, ctx, user.id);
  const status: LoginStatus = user.mfa_enabled ? 'mfa_required' : required ? 'mfa_enrollment_required' : 'ok';
  const token = await db.transaction().execute(async (trx) => {
    await trx.updateTable('app_user').set({ failed_logins: 0, locked_until: null }).where('id', '=', user.id).execute();
    const t = await createSession(trx, ctx, user.id, { mfaPending: status !== 'ok', ...meta });
    await writeAudit(trx, { actorId: user.id, actorUsername: user.username, ip: meta.ip }, {
      action: 'auth.login', resourceType: 'user', resourceId: user.id, unitPath: user.unit_path, result: 'success',
      detail: status === 'ok' ? {} : { pending: status },
    });
    return t;
  });
  return { token, status };
}

/** Count a failed password or second factor; lock the account at the threshold. */
async function registerFailure(ctx: AppContext, userId: string, now: Date): Promise<void> {
  const lockUntil = new Date(now.getTime() + ctx.config.lockoutMinutes * 60_000);
  await ctx.db
    .updateTable('app_user')
    .set((eb) => ({
      failed_logins: sql<number>`CASE WHEN failed_logins + 1 >= ${ctx.config.lockoutThreshold} THEN 0 ELSE failed_logins + 1 END`,
      locked_until: sql<Date | null>`CASE WHEN failed_logins + 1 >= ${ctx.config.lockoutThreshold} THEN ${lockUntil}::timestamptz ELSE locked_until END`,
    }))
    .where('id', '=', userId)
    .execute();
}

/**
 * Finish a pending sign-in with a TOTP code or a one-time recovery code. The pending session is
 * replaced by a new complete one (new id).
 */
export async function completeMfa(
  ctx: AppContext, sessionId: string, userId: string, input: { code?: string; recoveryCode?: string },
  meta: { ip: string | null; userAgent: string | null },
): Promise<string> {
  const { db, clock } = ctx;
  const user = await db.selectFrom('app_user')
    .select(['id', 'username', 'mfa_secret_enc', 'mfa_enabled', 'mfa_last_step', 'unit_path', 'locked_until'])
    .where('id', '=', userId).executeTakeFirstOrThrow();
  const now = clock.now();
  const auditCtx: AuditContext = { actorId: user.id, actorUsername: user.username, ip: meta.ip };
  if (!user.mfa_enabled || !user.mfa_secret_enc) throw new AppError(400, 'mfa_not_pending', 'auth.mfa_not_pending');
  if (user.locked_until && user.locked_until > now) {
    throw new AppError(423, 'locked', 'auth.locked', { minutes: Math.ceil((user.locked_until.getTime() - now.getTime()) / 60_000) });
  }
  return db.transaction().execute(async (trx) => {
    let method: string;
    if (input.code) {
      const step = verifyTotp(ctx.cipher.decrypt(user.mfa_secret_enc!), input.code, now, user.mfa_last_step == null ? null : Number(user.mfa_last_step));
      if (step === null) return failMfa();
      await trx.updateTable('app_user').set({ mfa_last_step: String(step) }).where('id', '=', user.id).execute();
      method = 'totp';
    } else if (input.recoveryCode) {
      const used = await trx.updateTable('mfa_recovery_code').set({ used_at: now })
        .where('user_id', '=', user.id).where('code_hash', '=', hashRecoveryCode(input.recoveryCode)).where('used_at', 'is', null)
        .returning('id').executeTakeFirst();
      if (!used) return failMfa();
      method = 'recovery_code';
    } else {
      throw invalid('mfaCode', 'validation.required');
    }
    await trx.deleteFrom('session').where('id', '=', sessionId).execute();
    await trx.updateTable('app_user').set({ failed_logins: 0 }).where('id', '=', user.id).execute();
    const token = await createSession(trx, ctx, user.id, { mfaPending: false, ...meta });
    await writeAudit(trx, auditCtx, { action: 'auth.mfa', resourceType: 'user', resourceId: user.id, unitPath: user.unit_path, detail: { method } });
    return token;
  });

  async function failMfa(): Promise<never> {
    await registerFailure(ctx, user.id, now);
    await writeAudit(db, auditCtx, { action: 'auth.mfa', resourceType: 'user', resourceId: user.id, unitPath: user.unit_path, result: 'failure' });
    throw new AppError(401, 'mfa_invalid', 'auth.mfa_invalid');
  }
}

/** Start enrolling an authenticator: a new secret (kept encrypted, not yet active), its URI and QR code. */
export async function beginMfaSetup(ctx: AppContext, userId: string): Promise<{ secret: string; otpauthUri: string; qrDataUrl: string }> {
  const user = await ctx.db.selectFrom('app_user').select(['username', 'mfa_enabled']).where('id', '=', userId).executeTakeFirstOrThrow();
  if (user.mfa_enabled) throw new AppError(409, 'mfa_already_enabled', 'auth.mfa_already_enabled');
  const secret = newTotpSecret();
  await ctx.db.updateTable('app_user').set({ mfa_secret_enc: ctx.cipher.encrypt(secret) }).where('id', '=', userId).execute();
  const otpauthUri = totpFor(secret, user.username).toString();
  return { secret, otpauthUri, qrDataUrl: await QRCode.toDataURL(otpauthUri, { margin: 1, width: 220 }) };
}

/**
 * Confirm the authenticator with a first code: two-factor sign-in is on, ten recovery codes are
 * returned once, and a pending session becomes a complete one (with a new id).
 */
export async function enableMfa(
  ctx: AppContext, session: { id: string; userId: string; mfaPending: boolean }, code: string,
  meta: { ip: string | null; userAgent: string | null },
): Promise<{ recoveryCodes: string[]; token: string | null }> {
  const user = await ctx.db.selectFrom('app_user').select(['id', 'username', 'mfa_secret_enc', 'mfa_enabled', 'unit_path'])
    .where('id', '=', session.userId).executeTakeFirstOrThrow();
  if (user.mfa_enabled) throw new AppError(409, 'mfa_already_enabled', 'auth.mfa_already_enabled');
  if (!user.mfa_secret_enc) throw new AppError(400, 'mfa_not_pending', 'auth.mfa_not_pending');
  const step = verifyTotp(ctx.cipher.decrypt(user.mfa_secret_enc), code, ctx.clock.now(), null);
  if (step === null) throw new AppError(400, 'mfa_invalid', 'auth.mfa_invalid', undefined, 'mfaCode');
  const codes = newRecoveryCodes();
  const token = await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('app_user').set({ mfa_enabled: true, mfa_last_step: String(step) }).where('id', '=', user.id).execute();
    await trx.deleteFrom('mfa_recovery_code').where('user_id', '=', user.id).execute();
    await trx.insertInto('mfa_recovery_code').values(codes.map((c) => ({ user_id: user.id, code_hash: hashRecoveryCode(c) }))).execute();
    await writeAudit(trx, { actorId: user.id, actorUsername: user.username, ip: meta.ip }, {
      action: 'auth.mfa_enable', resourceType: 'user', resourceId: user.id, unitPath: user.unit_path,
    });
    if (!session.mfaPending) return null;
    await trx.deleteFrom('session').where('id', '=', session.id).execute();
    return createSession(trx, ctx, user.id, { mfaPending: false, ...meta });
  });
  return { recoveryCodes: codes, token };
}

export async function disableMfa(ctx: AppContext, userId: string, password: string, auditCtx: AuditContext): Promise<void> {
  const user = await ctx.db.selectFrom('app_user').select(['id', 'password_hash', 'unit_path']).where('id', '=', userId).executeTakeFirstOrThrow();
  if (!(await verifyPassword(password, user.password_hash))) throw new AppError(400, 'invalid', 'auth.current_password_wrong', undefined, 'password');
  if (await mfaRequiredFor(ctx.db, ctx, userId)) throw new AppError(409, 'mfa_required_by_role', 'auth.mfa_required_by_role');
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('app_user').set({ mfa_enabled: false, mfa_secret_enc: null, mfa_last_step: null }).where('id', '=', userId).execute();
    await trx.deleteFrom('mfa_recovery_code').where('user_id', '=', userId).execute();
    await writeAudit(trx, auditCtx, { action: 'auth.mfa_disable', resourceType: 'user', resourceId: userId, unitPath: user.unit_path });
  });
}

/** Change one's own password: the current one first, the policy for one's roles, other sessions end. */
export async function changeOwnPassword(
  ctx: AppContext, userId: string, sessionId: string, input: { currentPassword: string; newPassword: string }, auditCtx: AuditContext,
): Promise<void> {
  const user = await ctx.db.selectFrom('app_user').select(['id', 'username', 'password_hash', 'unit_path']).where('id', '=', userId).executeTakeFirstOrThrow();
  if (!(await verifyPassword(input.currentPassword, user.password_hash))) {
    throw new AppError(400, 'invalid', 'auth.current_password_wrong', undefined, 'currentPassword');
  }
  const roles = (await loadBindings(ctx.db, userId)).map((b) => b.role as Role);
  const problem = checkPassword(input.newPassword, user.username, policyForRoles(ctx, roles));
  if (problem) throw invalid('newPassword', problem.key, problem.params);
  const hash = await hashPassword(input.newPassword, ctx.config.scryptLogN);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('app_user').set({ password_hash: hash, password_changed_at: ctx.clock.now() }).where('id', '=', userId).execute();
    await trx.deleteFrom('session').where('user_id', '=', userId).where('id', '!=', sessionId).execute();
    await writeAudit(trx, auditCtx, { action: 'auth.password_change', resourceType: 'user', resourceId: userId, unitPath: user.unit_path });
  });
}

export async function logout(ctx: AppContext, token: string, auditCtx: AuditContext): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await destroySession(trx, token);
    if (auditCtx.actorId) await writeAudit(trx, auditCtx, { action: 'auth.logout', resourceType: 'user', resourceId: auditCtx.actorId });
  });
}
