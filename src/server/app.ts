import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { AppContext } from './core/context.js';
import type { ModuleManifest } from './core/module.js';
import { errorHandler } from './core/http/error-handler.js';
import { registerRequestContext } from './core/http/request-context.js';
import { authRoutes } from './core/auth/auth.routes.js';
import { translate } from '../shared/i18n/index.js';

export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');

export interface BuildOptions {
  logger?: boolean | { level: string };
  /** Serve the built web app from dist/web (when it exists). */
  serveWeb?: boolean;
}

/** Compose the HTTP server: core (errors, sessions, auth, OpenAPI, health) and every module's routes. */
export async function buildApp(ctx: AppContext, modules: ModuleManifest[], opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: ctx.config.bodyLimitBytes,
    trustProxy: ctx.config.trustProxy,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);

  await app.register(fastifyCookie);
  registerRequestContext(app, ctx);

  // Security headers for every response.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'same-origin');
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Linli 邻里 API', description: 'Community grid governance. Sign in with POST /api/auth/login; the session cookie carries the rest.', version: '0.1.0' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'linli_sid' } } },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // The documentation page and its assets are public, like the OpenAPI document they show.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...route.config, public: true };
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  // What the web app needs to know before sign-in.
  app.get('/api/settings', {
    config: { public: true },
    schema: { tags: ['platform'], summary: 'Public settings of this installation (map tiles)' },
  }, async () => ({ mapTileUrl: ctx.config.mapTileUrl ?? null, mapAttribution: ctx.config.mapAttribution ?? null }));

  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await sql`SELECT 1`.execute(ctx.db);
      return { status: 'ok' };
    } catch {
      return reply.status(503).send({ status: 'unavailable' });
    }
  });

  await app.register(async (api) => {
    authRoutes(api, ctx);
    for (const m of modules) await m.routes(api, ctx);
  }, { prefix: '/api' });

  const serveWeb = opts.serveWeb ?? true;
  const hasWeb = serveWeb && fs.existsSync(path.join(WEB_DIST, 'index.html'));
  if (hasWeb) {
    await app.register(fastifyStatic, {
      root: WEB_DIST, prefix: '/', wildcard: false, index: ['index.html'],
      // The service worker is checked for a new release on every visit (it names the release's cache).
      setHeaders: (reply, filePath) => { if (path.basename(filePath) === 'sw.js') reply.header('cache-control', 'no-cache'); },
    });
  }
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/') || req.method !== 'GET' || !hasWeb) {
      return reply.status(404).send({ error: { code: 'not_found', message: translate(req.locale, 'error.route_not_found', { method: req.method, url: req.url.split('?')[0] ?? '' }) } });
    }
    // The web app routes on the client: every other GET gets its index.html.
    return reply.type('text/html').sendFile('index.html');
  });
  return app;
}
