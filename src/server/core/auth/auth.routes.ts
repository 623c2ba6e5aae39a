import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Api } from '../module.js';
import type { AppContext } from '../context.js';
import * as S from '../../../shared/auth.schemas.js';
import { actorOf, auditContext } from '../http/request-context.js';
import { unauthenticated } from '../http/errors.js';
import { destroySession, SESSION_COOKIE } from './sessions.js';
import { beginMfaSetup, changeOwnPassword, completeMfa, disableMfa, enableMfa, login, logout, mfaRequiredFor } from './auth.service.js';
import { loadBindings } from './load-actor.js';
import { writeAudit } from '../audit/audit.js';

export function authRoutes(api: Api, ctx: AppContext): void {
  const setCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/', httpOnly: true, secure: ctx.config.cookieSecure, sameSite: 'strict',
      maxAge: ctx.config.sessionAbsoluteHours * 3600,
    });
  const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] ?? null });

  api.post('/auth/login', {
    config: { public: true },
    schema: { tags: ['auth'], summary: 'Sign in with username and password', body: S.LoginInput, response: { 200: S.LoginResult } },
  }, async (req, reply) => {
    const old = req.cookies[SESSION_COOKIE];
    const { token, status } = await login(ctx, req.body, meta(req));
    if (old) await destroySession(ctx.db, old);
    setCookie(reply, token);
    return { status };
  });

  api.post('/auth/logout', {
    config: { public: true },
    schema: { tags: ['auth'], summary: 'End the session', response: { 200: S.Ok } },
  }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await logout(ctx, token, auditContext(req));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true as const };
  });

  api.get('/auth/me', {
    config: { mfaPending: true },
    schema: { tags: ['auth'], summary: 'The signed-in user, their roles and permissions', response: { 200: S.Me } },
  }, async (req) => {
    const session = req.session;
    if (!session) throw unauthenticated();
    const user = await ctx.db.selectFrom('app_user').select(['id', 'username', 'display_name', 'locale', 'mfa_enabled'])
      .where('id', '=', session.userId).executeTakeFirstOrThrow();
    const pending = session.mfaPending;
    return {
      id: user.id,
      username: user.username,
      displayName: user.display_name,
      locale: user.locale as 'zh-CN' | 'en',
      bindings: pending ? [] : await loadBindings(ctx.db, user.id),
      permissions: pending || !req.actor ? [] : req.actor.permissions(),
      mfa: { enabled: user.mfa_enabled, required: await mfaRequiredFor(ctx.db, ctx, user.id), pending },
    };
  });

  api.post('/auth/mfa/verify', {
    config: { mfaPending: true },
    schema: { tags: ['auth'], summary: 'Finish sign-in with an authenticator code or a recovery code', body: S.MfaVerifyInput, response: { 200: S.LoginResult } },
  }, async (req, reply) => {
    const session = req.session!;
    const token = await completeMfa(ctx, session.id, session.userId, req.body, meta(req));
    setCookie(reply, token);
    return { status: 'ok' as const };
  });

  api.post('/auth/mfa/setup', {
    config: { mfaPending: true },
    schema: { tags: ['auth'], summary: 'Start enrolling an authenticator app (TOTP)', response: { 200: S.MfaSetup } },
  }, async (req) => beginMfaSetup(ctx, req.session!.userId));

  api.post('/auth/mfa/enable', {
    config: { mfaPending: true },
    schema: { tags: ['auth'], summary: 'Confirm the authenticator with a first code; returns recovery codes once', body: S.MfaEnableInput, response: { 200: S.RecoveryCodes } },
  }, async (req, reply) => {
    const { recoveryCodes, token } = await enableMfa(ctx, req.session!, req.body.code, meta(req));
    if (token) setCookie(reply, token);
    return { recoveryCodes };
  });

  api.post('/auth/mfa/disable', {
    schema: { tags: ['auth'], summary: 'Turn two-factor sign-in off (not for roles that require it)', body: S.MfaDisableInput, response: { 200: S.Ok } },
  }, async (req) => {
    await disableMfa(ctx, actorOf(req).userId, req.body.password, auditContext(req));
    return { ok: true as const };
  });

  api.post('/auth/password', {
    schema: { tags: ['auth'], summary: 'Change your own password (other sessions end)', body: S.ChangePasswordInput, response: { 200: S.Ok } },
  }, async (req) => {
    await changeOwnPassword(ctx, actorOf(req).userId, req.session!.id, req.body, auditContext(req));
    return { ok: true as const };
  });

  api.put('/auth/locale', {
    config: { mfaPending: true },
    schema: { tags: ['auth'], summary: 'Set your interface language', body: S.LocaleInput, response: { 200: S.Ok } },
  }, async (req) => {
    const userId = req.session!.userId;
    await ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('app_user').set({ locale: req.body.locale }).where('id', '=', userId).execute();
      await writeAudit(trx, auditContext(req), { action: 'user.locale', resourceType: 'user', resourceId: userId, detail: { locale: req.body.locale } });
    });
    return { ok: true as const };
  });
}
