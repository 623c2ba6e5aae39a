/**
 * Linli as the benchmarks run it: `node bin/linli.js serve` in its own process on the benchmark's
 * database (no demo seed, the benchmark's data key, cookies without Secure on plain loopback HTTP), the
 * accounts signed in through the real login, and a wait for the background work Linli starts with (the
 * overdue watch's first pass over the open cases) to finish before anything is measured.
 */
import path from 'node:path';
import pg from 'pg';
import { request, type HttpTarget } from './load.js';
import { startNode, type Started } from './processes.js';

export async function startLinli(opts: { url: string; dataDir: string; dataKey: string }): Promise<Started> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: opts.url,
    LINLI_DATA_DIR: opts.dataDir,
    LINLI_DATA_KEY: opts.dataKey,
    LINLI_DEMO_SEED: 'false',
    LINLI_COOKIE_SECURE: 'false',
    LINLI_LOG_REQUESTS: 'false',
  };
  // BENCH_CPU_PROF=DIR: Linli writes a V8 CPU profile there when it stops (node --cpu-prof), to see where a figure's time goes.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  return startNode('linli', [...profile, path.join('bin', 'linli.js'), 'serve'], env, { readyPath: '/healthz', timeoutMs: 300_000 });
}

/** Sign in; the session cookie ("linli_sid=…"). */
export async function signIn(t: HttpTarget, username: string, password: string): Promise<string> {
  const res = await request(t, 'POST', '/api/auth/login', { json: { username, password } });
  if (res.status !== 200) throw new Error(`sign-in of ${username}: ${res.status} ${res.body.slice(0, 300)}`);
  const status = (JSON.parse(res.body) as { status: string }).status;
  if (status !== 'ok') throw new Error(`sign-in of ${username}: ${status} (the benchmarks use accounts without a second factor)`);
  const set = res.headers['set-cookie'] ?? [];
  const cookie = set.map((c) => c.split(';')[0]!).find((c) => c.startsWith('linli_sid='));
  if (!cookie) throw new Error(`sign-in of ${username}: no session cookie`);
  return cookie;
}

/** Sign in many accounts, a few at a time (each login is a deliberate scrypt). */
export async function signInAll(t: HttpTarget, usernames: string[], password: string, parallel = 4): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const queue = [...new Set(usernames)];
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let u = queue.shift(); u !== undefined; u = queue.shift()) out.set(u, await signIn(t, u, password));
  }));
  return out;
}

/**
 * Wait until the database has had no active statement from other sessions for `quietMs` (Linli's start-up
 * work: the overdue watch's first pass), at most `timeoutMs`; returns the seconds waited.
 */
export async function waitQuiet(pool: pg.Pool, quietMs = 1500, timeoutMs = 600_000): Promise<number> {
  const started = Date.now();
  let quietSince = Date.now();
  while (Date.now() - started < timeoutMs) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND datname = current_database()`);
    if (rows[0]!.n > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietMs) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return (Date.now() - started) / 1000;
}
