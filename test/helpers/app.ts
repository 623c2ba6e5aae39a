import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { loadConfig, type Config } from '../../src/server/core/config.js';
import type { AppContext, Clock } from '../../src/server/core/context.js';
import { FieldCipher } from '../../src/server/core/crypto.js';
import { createDb, createPool, type Db } from '../../src/server/core/db/index.js';
import { registryFromModules } from '../../src/server/core/module.js';
import { modules } from '../../src/server/modules/index.js';

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  private t: number;
  constructor(start = new Date('2026-11-20T09:00:00+08:00')) { this.t = start.getTime(); }
  now() { return new Date(this.t); }
  advance(ms: number) { this.t += ms; }
  advanceMinutes(m: number) { this.advance(m * 60_000); }
}

/**
 * A fresh database on the test server, cloned from the migrated template (or empty, with
 * `{ empty: true }`); dropped by the returned function.
 */
export async function cloneDatabase(opts: { empty?: boolean } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = inject('adminUrl');
  const templateDb = inject('templateDb');
  const name = `linli_t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(opts.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${templateDb}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  db: Db;
  clock: TestClock;
  config: Config;
  close(): Promise<void>;
}

/** The real app on its own real database, with a hand-moved clock and fast password hashing. */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const { url, drop } = await cloneDatabase();
  const config = loadConfig({
    LINLI_DATA_DIR: path.join(os.tmpdir(), 'linli-test-data'),
    LINLI_SCRYPT_LOG_N: '10',
    LINLI_DEMO_SEED: 'false',
    ...env,
  });
  const pool = createPool(url, 5);
  const db = createDb(pool);
  const clock = new TestClock();
  const ctx: AppContext = {
    config, pool, db, clock,
    cipher: new FieldCipher(crypto.randomBytes(32)),
    permissions: registryFromModules(modules),
  };
  const app = await buildApp(ctx, modules, { serveWeb: false });
  await app.ready();
  return {
    app, ctx, db, clock, config,
    async close() {
      await app.close();
      await db.destroy();
      await drop();
    },
  };
}

/** A signed-in HTTP client over app.inject (real routing, hooks and serialisation; no socket). */
export class Client {
  cookie: string | null = null;
  constructor(private readonly app: FastifyInstance, public lang: 'zh-CN' | 'en' = 'zh-CN') {}

  async request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: method as 'GET',
      url,
      headers: {
        'accept-language': this.lang,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const set = res.cookies.find((c) => c.name === 'linli_sid');
    if (set) this.cookie = set.value ? `linli_sid=${set.value}` : null;
    return res;
  }
  get(url: string) { return this.request('GET', url); }
  post(url: string, body?: unknown) { return this.request('POST', url, body ?? {}); }
  patch(url: string, body: unknown) { return this.request('PATCH', url, body); }
  put(url: string, body: unknown) { return this.request('PUT', url, body); }
  delete(url: string) { return this.request('DELETE', url); }

  async login(username: string, password: string): Promise<LightMyRequestResponse> {
    return this.post('/api/auth/login', { username, password });
  }
}

/** Sign in and fail loudly if it does not work. */
export async function signedIn(app: FastifyInstance, username: string, password = TEST_PASSWORD): Promise<Client> {
  const c = new Client(app);
  const res = await c.login(username, password);
  if (res.statusCode !== 200 || res.json().status !== 'ok') throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  return c;
}

export const TEST_PASSWORD = 'Test-Passw0rd!';

/** Poll a background job (a registry import at `/api/registry/imports/:id`, a hotline import …) until its work is over. */
export async function settledJob(c: Client, url: string): Promise<any> {
  for (let i = 0; i < 1500; i++) {
    const res = await c.get(url);
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    const job = res.json();
    if (job.status !== 'validating' && job.status !== 'committing') return job;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} did not settle`);
}
