import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pickLocale, type Locale } from '../../../shared/i18n/index.js';
import type { Actor } from '../access/actor.js';
import type { Permission } from '../access/permissions.js';
import type { AuditContext } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import { SESSION_COOKIE } from '../auth/sessions.js';
import { loadCaller } from '../auth/load-actor.js';
import { forbidden, unauthenticated, AppError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in caller, or null. */
    actor: Actor | null;
    /** The session behind the cookie (also when it still waits for the second factor). */
    session: { id: string; userId: string; mfaPending: boolean } | null;
    locale: Locale;
  }
  interface FastifyContextConfig {
    /** Reachable without signing in. */
    public?: boolean;
    /** Reachable by a session that still waits for its second factor. */
    mfaPending?: boolean;
    /** The caller must hold this permission somewhere (403 otherwise); scope is checked per record. */
    permission?: Permission;
  }
}

/** The signed-in actor of a route that requires one. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthenticated();
  return request.actor;
}

export function auditContext(request: FastifyRequest): AuditContext {
  return { actorId: request.actor?.userId ?? request.session?.userId ?? null, actorUsername: request.actor?.username ?? null, ip: request.ip };
}

/**
 * Resolve locale and session for every request, then guard every /api route: signed in unless
 * `config.public`, second factor done unless `config.mfaPending`, and `config.permission` held.
 */
export function registerRequestContext(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('session', null);
  app.decorateRequest('locale', 'zh-CN');

  app.addHook('onRequest', async (request) => {
    request.locale = pickLocale(request.headers['accept-language']);
    if (!request.url.startsWith('/api/')) return;
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return;
    const caller = await loadCaller(ctx.db, ctx, token);
    if (!caller) return;
    request.session = caller.session;
    request.actor = caller.actor;
    if (!request.actor && !caller.session.mfaPending) request.session = null;
    if (request.actor && !request.headers['accept-language']) request.locale = request.actor.locale;
  });

  app.addHook('preHandler', async (request) => {
    const config = request.routeOptions.config;
    // An unknown route answers 404 whoever asks (the not-found handler runs this hook too).
    if (!request.url.startsWith('/api/') || config.public || request.is404) return;
    if (!request.session) throw unauthenticated();
    if (request.session.mfaPending && !config.mfaPending) {
      throw new AppError(401, 'mfa_required', 'auth.mfa_required');
    }
    if (config.permission) {
      if (!request.actor) throw unauthenticated();
      if (!request.actor.can(config.permission)) throw forbidden();
    }
  });
}
