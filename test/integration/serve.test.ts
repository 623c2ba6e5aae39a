import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/server/core/db/embedded.js';
import { createDb, createPool } from '../../src/server/core/db/index.js';
import { insertUnit } from '../../src/server/modules/hierarchy/hierarchy.service.js';
import { cloneDatabase } from '../helpers/app.js';

/**
 * The real command line, as an operator runs it: `node bin/linli.js …` in child processes, each with
 * its own data directory and port, on 127.0.0.1 only. Slow (every command starts PostgreSQL), so
 * the timeouts are generous; every process and directory is cleaned up in afterAll.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/linli.js');
const DEMO_PASSWORD = 'Demo-Passw0rd-2026!';
const LONG = 240_000;

const running = new Set<ChildProcess>();
const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const proc of running) await stopProcess(proc, 'SIGTERM', 30_000).catch(() => {});
  for (const proc of running) proc.kill('SIGKILL');
  // An embedded PostgreSQL whose linli was killed hard would outlive it: stop it by its pid.
  for (const dir of dirs) {
    const pidFile = path.join(dir, 'pg', 'postmaster.pid');
    if (fs.existsSync(pidFile)) {
      const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (pid > 0) try { process.kill(pid, 'SIGINT'); } catch { /* already gone */ }
    }
  }
  for (const c of cleanups) await c().catch(() => {});
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linli-cli-'));
  dirs.push(dir);
  return dir;
}

/** The environment of a child: this one's PATH etc., minus any database settings of the test run. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('LINLI_') || k === 'DATABASE_URL' || k === 'PORT' || k === 'HOST') delete env[k];
  return { ...env, HOST: '127.0.0.1', LINLI_SCRYPT_LOG_N: '12', LINLI_DEMO_PASSWORD: DEMO_PASSWORD, ...extra };
}

interface Result { code: number | null; stdout: string; stderr: string }

/** Run one command to its end. */
function run(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(proc);
    let stdout = '', stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      running.delete(proc);
      resolve({ code, stdout, stderr });
    });
    proc.stdin.end(input ?? '');
  });
}

interface Server {
  url: string;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/** `linli serve` until it says where it runs. */
function serve(env: NodeJS.ProcessEnv): Promise<Server> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(proc);
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /is running at (http:\/\/\S+)/.exec(out);
      if (m && out.includes('Press Ctrl+C to stop.')) {
        resolve({
          url: m[1]!, proc, output: () => out,
          stop: () => stopProcess(proc, 'SIGTERM', 60_000),
        });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      running.delete(proc);
      reject(new Error(`linli serve exited with ${code} before it was ready:\n${out}`));
    });
  });
}

function stopProcess(proc: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      running.delete(proc);
      return resolve(proc.exitCode);
    }
    const timer = setTimeout(() => reject(new Error(`pid ${proc.pid} did not stop within ${timeoutMs} ms`)), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      running.delete(proc);
      resolve(code);
    });
    proc.kill(signal);
  });
}

/** A tiny HTTP client over the real socket that keeps the session cookie. */
class Http {
  cookie = '';
  constructor(private readonly base: string) {}
  async request(method: string, url: string, body?: unknown) {
    const res = await fetch(this.base + url, {
      method,
      headers: { 'accept-language': 'zh-CN', ...(this.cookie ? { cookie: this.cookie } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    const text = await res.text();
    return { status: res.status, json: () => JSON.parse(text), text };
  }
  login(username: string, password: string) {
    return this.request('POST', '/api/auth/login', { username, password });
  }
}

describe('linli command line', () => {
  it('--help lists the commands; an unknown command exits 2', async () => {
    const help = await run(['--help'], childEnv({}));
    expect(help.code).toBe(0);
    for (const cmd of ['serve', 'migrate', 'seed-demo', 'create-user', 'reset-password', 'open311-partner', 'open311-revoke']) expect(help.stdout).toContain(cmd);
    expect((await run([], childEnv({}))).stdout).toContain('create-user');
    const unknown = await run(['frobnicate'], childEnv({}));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
  }, LONG);

  it('serve on an empty data directory with the demo seed off: embedded PostgreSQL, /healthz, stops on SIGTERM', async () => {
    const dir = dataDir();
    const port = await freePort();
    const srv = await serve(childEnv({ LINLI_DATA_DIR: dir, PORT: String(port), LINLI_DEMO_SEED: 'false' }));
    expect(srv.url).toBe(`http://127.0.0.1:${port}`);
    expect(srv.output()).toContain(`embedded PostgreSQL in ${dir}`);
    expect(srv.output()).not.toMatch(/seeding/i);
    const health = await fetch(`${srv.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const api = await fetch(`${srv.url}/api/openapi.json`);
    expect((await api.json()).openapi).toMatch(/^3\./);
    expect((await fetch(`${srv.url}/api/units/roots`)).status).toBe(401);
    expect(fs.existsSync(path.join(dir, 'pg', 'PG_VERSION'))).toBe(true);
    expect(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);

    expect(await srv.stop()).toBe(0);
    expect(srv.output()).toContain('SIGTERM: stopping Linli');
    await expect(fetch(`${srv.url}/healthz`)).rejects.toThrow();
    // The embedded PostgreSQL stopped with it.
    expect(fs.existsSync(path.join(dir, 'pg', 'postmaster.pid'))).toBe(false);
  }, LONG);

  it('seeds 汉阳区 into an empty data directory once; create-user and reset-password work; data survive a restart', async () => {
    const dir = dataDir();
    const env = childEnv({ LINLI_DATA_DIR: dir, PORT: String(await freePort()) });

    // First start: the demo district is seeded and its accounts printed.
    const first = await serve(env);
    expect(first.output()).toMatch(/Empty database: seeding the demo district/);
    expect(first.output()).toContain('Seeded');
    expect(first.output()).toContain(`password: ${DEMO_PASSWORD}`);
    const http = new Http(first.url);
    const login = await http.login('district', DEMO_PASSWORD);
    expect(login.status).toBe(200);
    expect(login.json()).toEqual({ status: 'ok' });
    const roots = (await http.request('GET', '/api/units/roots')).json().items;
    expect(roots.map((u: { name: string }) => u.name)).toEqual(['汉阳区']);
    const created = await http.request('POST', '/api/units', { parentId: roots[0].id, level: 'street', code: '420105999000', name: '测试街道' });
    expect(created.status).toBe(201);
    const street = created.json().unit;
    expect(await first.stop()).toBe(0);

    // The operator adds an account at the new street, then resets its password twice (argument, standard input).
    const create = await run(['create-user', '--username', 'cliuser', '--name', '命令行 用户', '--unit', '420105999000', '--role', 'street_staff', '--password', 'Cli-Passw0rd-1'], env);
    expect(create.stderr).toBe('');
    expect(create.code).toBe(0);
    expect(create.stdout).toContain('Created cliuser (street_staff at 420105999000)');

    const noUnit = await run(['create-user', '--username', 'other', '--name', 'x', '--unit', '999999', '--role', 'street_staff', '--password', 'Cli-Passw0rd-1'], env);
    expect(noUnit.code).toBe(1);
    expect(noUnit.stderr).toContain('No unit has the code 999999');
    const weak = await run(['create-user', '--username', 'weak', '--name', 'x', '--unit', '420105999000', '--role', 'street_staff', '--password', 'short'], env);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('at least 10 characters');
    const missing = await run(['create-user', '--username', 'x'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--unit');

    const reset = await run(['reset-password', '--username', 'cliuser', '--password', 'Reset-Passw0rd-2'], env);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('New password set for cliuser');
    const fromStdin = await run(['reset-password', '--username', 'cliuser'], env, 'Stdin-Passw0rd-3\n');
    expect(fromStdin.code).toBe(0);
    const nobody = await run(['reset-password', '--username', 'nobody', '--password', 'Reset-Passw0rd-2'], env);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('No account nobody');

    // An Open311 partner for 龙湖东岸社区, its key printed once; a second one revoked at once.
    const partner = await run(['open311-partner', '--name', '市民服务平台', '--unit', '420105013007'], env);
    expect(partner.stderr).toBe('');
    expect(partner.code).toBe(0);
    const apiKey = /api_key: (\S+)/.exec(partner.stdout)![1]!;
    expect(apiKey.length).toBeGreaterThan(30);
    const revoked = /partner (\d+)/.exec((await run(['open311-partner', '--name', '旧平台', '--unit', '420105013007'], env)).stdout)![1]!;
    expect((await run(['open311-revoke', '--id', revoked], env)).stdout).toContain('旧平台');
    const partners = await run(['open311-partners'], env);
    expect(partners.stdout).toMatch(/active\s+市民服务平台\s+龙湖东岸社区/);
    expect(partners.stdout).toMatch(/revoked\s+旧平台/);
    expect((await run(['open311-partner', '--name', 'x', '--unit', '999999'], env)).stderr).toContain('No unit has the code 999999');
    expect((await run(['open311-revoke', '--id', '99999'], env)).code).toBe(1);

    // Second start: nothing is seeded again, the street and the account are there.
    const second = await serve(env);
    expect(second.output()).not.toMatch(/seeding/i);
    expect(second.output()).toContain('Demo accounts');
    const h2 = new Http(second.url);
    expect((await h2.login('cliuser', 'Cli-Passw0rd-1')).status).toBe(401);
    expect((await h2.login('cliuser', 'Reset-Passw0rd-2')).status).toBe(401);
    expect((await h2.login('cliuser', 'Stdin-Passw0rd-3')).json()).toEqual({ status: 'ok' });
    const me = (await h2.request('GET', '/api/auth/me')).json();
    expect(me).toMatchObject({ username: 'cliuser', displayName: '命令行 用户' });
    expect(me.bindings).toEqual([expect.objectContaining({ role: 'street_staff', unitId: street.id })]);
    const unit = await h2.request('GET', `/api/units/${street.id}`);
    expect(unit.status).toBe(200);
    expect(unit.json().unit).toMatchObject({ code: '420105999000', name: '测试街道' });
    const d = new Http(second.url);
    await d.login('district', DEMO_PASSWORD);
    expect((await d.request('GET', '/api/units/roots')).json().items).toHaveLength(1);
    // The partner's key works over Open311; the revoked one does not.
    const services = await fetch(`${second.url}/api/open311/v2/services.json`);
    expect(services.status).toBe(200);
    const code = ((await services.json()) as { service_code: string }[])[0]!.service_code;
    const post = (key: string) => fetch(`${second.url}/api/open311/v2/requests.json`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: key, service_code: code, lat: '30.5430', long: '114.2270', description: '路灯不亮' }).toString(),
    });
    expect((await post(apiKey)).status).toBe(200);
    expect((await post('not-a-key')).status).toBe(403);
    expect(await second.stop()).toBe(0);

    // seed-demo refuses a database that is not empty.
    const seedAgain = await run(['seed-demo'], env);
    expect(seedAgain.code).toBe(1);
    expect(seedAgain.stderr).toContain('not empty');
  }, 2 * LONG);

  it('with DATABASE_URL: migrate applies the schema there, and serve uses that server, not an embedded one', async () => {
    // An empty database on the test run's server.
    const adminUrl = inject('adminUrl');
    const name = `linli_cli_${crypto.randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    });
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const dir = dataDir();
    const env = childEnv({ LINLI_DATA_DIR: dir, PORT: String(await freePort()), DATABASE_URL: url.toString(), LINLI_DEMO_SEED: 'false' });

    const migrated = await run(['migrate'], env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/^Applied 0001_foundation\.sql, 0002_registry_base\.sql/);
    expect((await run(['migrate'], env)).stdout).toContain('The schema is up to date');

    // A unit straight into that database, an account through the command line.
    const pool = createPool(url.toString(), 2);
    const db = createDb(pool);
    cleanups.unshift(() => db.destroy());
    await insertUnit(db, { parent: null, level: 'district', code: '420105000000', name: '汉阳区' });
    const create = await run(['create-user', '--username', 'remote', '--name', '远程', '--unit', '420105000000', '--role', 'district_staff', '--password', 'Far-Away-Passw0rd-1'], env);
    expect(create.stderr).toBe('');
    expect(create.code).toBe(0);

    const srv = await serve(env);
    expect(srv.output()).toContain('PostgreSQL at DATABASE_URL');
    expect(srv.output()).not.toContain('embedded');
    expect(fs.existsSync(path.join(dir, 'pg'))).toBe(false);
    const http = new Http(srv.url);
    expect((await http.login('remote', 'Far-Away-Passw0rd-1')).json()).toEqual({ status: 'ok' });
    expect((await http.request('GET', '/api/units/roots')).json().items.map((u: { code: string }) => u.code)).toEqual(['420105000000']);
    // The sign-in is in that database's audit log.
    const audit = await db.selectFrom('audit_log').select(['action', 'result']).where('actor_username', '=', 'remote').execute();
    expect(audit).toEqual([{ action: 'auth.login', result: 'success' }]);
    expect(await srv.stop()).toBe(0);

    // A migrated clone of the template is already up to date.
    const clone = await cloneDatabase();
    cleanups.push(clone.drop);
    const upToDate = await run(['migrate'], { ...env, DATABASE_URL: clone.url });
    expect(upToDate.code).toBe(0);
    expect(upToDate.stdout).toContain('The schema is up to date');
  }, LONG);
});
