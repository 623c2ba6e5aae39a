/**
 * npm run bench — the benchmarks of issue 6 on a generated district, each against a baseline measured in
 * the same run: case intake (vs a bare Fastify route and the same INSERTs through pg), work lists, the
 * street cockpit (vs the hand-written SQL), resident search, and the registry import (vs a raw COPY).
 *
 *   npm run bench [-- --size tiny|small|full | --residents N] [--db embedded|server|both]
 *                 [--database-url URL] [--only intake,lists,cockpit,search,import]
 *                 [--concurrency 50] [--duration S] [--warmup S] [--district FILE]
 *
 * Sizes: tiny = 2 000 residents (seconds; CI), small = 100 000 residents / 300 000 cases (the default; a
 * few minutes on 2 cores), full = 1 000 000 / 3 000 000. Databases: embedded = the embedded PostgreSQL
 * Linli ships with; server = a throwaway durable cluster of the system PostgreSQL (scripts/system-postgres.ts),
 * or the server at --database-url / LINLI_BENCH_DATABASE_URL (an empty database it may fill).
 * The district comes from bench/data/generate.ts; with --district FILE (written by `npm run bench:data --
 * --database-url URL --out FILE`) the district already in the database at --database-url is measured
 * as it is (the full size takes long to generate: generate once, measure often).
 * The throwaway server cluster runs with SERVER_SETTINGS (a server sized for this machine), the
 * embedded PostgreSQL with its defaults, as Linli starts it. Linli runs as its own process (`node bin/linli.js serve`); the load generator is this one.
 *
 * Writes bench/results/<bench>.<db>.<size>.json (tiny: .tiny.tmp, git-ignored, so that CI does not dirty
 * the tree) with the machine, the parameters and the figures; `npm run bench:report` puts them in
 * BENCHMARKS.md. Timings are never asserted: the exit status is non-zero only when something broke.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/server/core/db/embedded.js';
import { FieldCipher } from '../src/server/core/crypto.js';
import { startSystemPostgres } from '../scripts/system-postgres.js';
import { generate, type Account, type Dataset } from './lib/dataset.js';
import type { BenchEnv, BenchResult, DbKind } from './lib/env.js';
import { signInAll, startLinli, waitQuiet } from './lib/linli.js';
import { target } from './lib/load.js';
import { machineInfo } from './lib/machine.js';
import { ROOT, stopAll, type Started } from './lib/processes.js';
import { intake } from './lib/intake.js';
import { lists } from './lib/lists.js';
import { cockpit } from './lib/cockpit.js';
import { search } from './lib/search.js';
import { importBench } from './lib/import.js';

const BENCHES = ['intake', 'lists', 'cockpit', 'search', 'import'] as const;
type BenchName = (typeof BENCHES)[number];

const SIZES = {
  tiny: { residents: 2_000, importRows: 2_000, duration: 1, warmup: 0.25, cockpitRuns: 2 },
  small: { residents: 100_000, importRows: 100_000, duration: 8, warmup: 2, cockpitRuns: 3 },
  full: { residents: 1_000_000, importRows: 100_000, duration: 20, warmup: 3, cockpitRuns: 3 },
} as const;

const USAGE = 'usage: npm run bench [-- --size tiny|small|full | --residents N] [--db embedded|server|both] [--database-url URL] ' +
  '[--only intake,lists,cockpit,search,import] [--concurrency 50] [--duration S] [--warmup S]';

function fail(message: string): never {
  console.error(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    size: { type: 'string' }, residents: { type: 'string' }, db: { type: 'string', default: 'both' },
    'database-url': { type: 'string' }, only: { type: 'string' }, concurrency: { type: 'string', default: '50' },
    duration: { type: 'string' }, warmup: { type: 'string' },
    district: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const positive = (name: string, raw: string | undefined, def: number, integer = false): number => {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) fail(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  return n;
};
if (values.size && values.residents) fail('give --size or --residents, not both');
if (values.size && !(values.size in SIZES)) fail(`--size must be tiny, small or full, got "${values.size}"`);
const sizeName = values.residents ? `r${values.residents}` : (values.size ?? 'small');
const preset = SIZES[(values.size ?? (values.residents && Number(values.residents) <= 10_000 ? 'tiny' : 'small')) as keyof typeof SIZES];
const residents = positive('residents', values.residents, preset.residents, true);
const importRows = values.residents ? Math.min(preset.importRows, Math.max(1000, residents)) : preset.importRows;
const concurrency = positive('concurrency', values.concurrency, 50, true);
const duration = positive('duration', values.duration, preset.duration);
const warmup = values.warmup === '0' ? 0 : positive('warmup', values.warmup, preset.warmup);
if (!['embedded', 'server', 'both'].includes(values.db!)) fail(`--db must be embedded, server or both, got "${values.db}"`);
const dbs: DbKind[] = values.db === 'both' ? ['embedded', 'server'] : [values.db as DbKind];
const only = (values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : [...BENCHES]) as BenchName[];
for (const b of only) if (!BENCHES.includes(b)) fail(`--only: unknown benchmark "${b}"`);
const databaseUrl = values['database-url'] ?? process.env.LINLI_BENCH_DATABASE_URL;
if (values.district && (!databaseUrl || values.db !== 'server')) fail('--district needs --db server and --database-url (the database the district was generated into)');

/** The throwaway server cluster's settings: a PostgreSQL server given a share of this machine's 24 GiB, as one would run it. */
const SERVER_SETTINGS = ['shared_buffers=2GB', 'effective_cache_size=12GB', 'work_mem=32MB', 'maintenance_work_mem=1GB', 'max_wal_size=8GB', 'random_page_cost=1.1'];

const RESULTS = path.join(ROOT, 'bench', 'results');
const resultFile = (bench: string, db: DbKind) => path.join(RESULTS, `${bench}.${db}.${sizeName}.${sizeName === 'tiny' ? 'tmp' : 'json'}`);

const startedAt = Date.now();
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s`;
const tty = process.stdout.isTTY;
let openLine = false;
function say(line: string) {
  if (openLine) process.stdout.write('\n');
  openLine = false;
  console.log(`[${elapsed()}] ${line}`);
}
let lastProgress = 0;
/** Progress: rewritten in place on a terminal; a line every 10 s into a log. */
function sayInPlace(line: string) {
  if (!tty) {
    if (Date.now() - lastProgress < 10_000) return;
    lastProgress = Date.now();
    console.log(`[${elapsed()}] ${line}`);
    return;
  }
  process.stdout.write(`\r[${elapsed()}] ${line}\x1b[K`);
  openLine = true;
}

/** Accounts of a role spread over the list (every k-th), at most `max`. */
function spread(accounts: Account[], max: number): Account[] {
  if (accounts.length <= max) return accounts;
  const step = accounts.length / max;
  return Array.from({ length: max }, (_, i) => accounts[Math.floor(i * step)]!);
}

/** Stops what the database run under way started (its Linli, its database, its directory): on a signal. */
let cleanupCurrent: (() => Promise<void>) | null = null;

async function runOn(db: DbKind): Promise<number> {
  let failures = 0;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `linli-bench-${db}-`));
  fs.chmodSync(tmp, 0o755); // the embedded PostgreSQL runs as its own user when we are root
  let stopDb: (() => Promise<void> | void) | null = null;
  let linli: Started | null = null;
  let pool: pg.Pool | null = null;
  const tag = `[${db}]`;
  let cleaned: Promise<void> | null = null;
  const cleanup = () => {
    cleaned ??= (async () => {
      if (linli) await linli.stop();
      if (pool) await pool.end().catch(() => {});
      if (stopDb) await Promise.resolve(stopDb()).catch((e: unknown) => say(`${tag} stopping the database failed: ${String(e)}`));
      fs.rmSync(tmp, { recursive: true, force: true });
    })();
    return cleaned;
  };
  cleanupCurrent = cleanup;
  try {
    let url: string;
    if (db === 'embedded') {
      say(`${tag} starting the embedded PostgreSQL`);
      const e = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'embedded') });
      url = e.url;
      stopDb = e.stop;
    } else if (databaseUrl) {
      url = databaseUrl;
      say(`${tag} using the PostgreSQL server at --database-url`);
    } else {
      const s = await startSystemPostgres({ durable: true, settings: SERVER_SETTINGS, log: (l) => say(`${tag} ${l}`) });
      url = s.url;
      stopDb = s.stop;
    }

    // The data key of this run: the generator encrypts with it, Linli reads with it, the search samples decrypt with it.
    let dataKey = crypto.randomBytes(32).toString('base64');
    let data: Dataset;
    if (values.district) {
      data = JSON.parse(fs.readFileSync(values.district, 'utf8')) as Dataset;
      dataKey = data.dataKey;
      say(`${tag} measuring the district of ${values.district} (${(data.counts.residents ?? 0).toLocaleString('en')} residents)`);
    } else {
      say(`${tag} generating a district of ${residents.toLocaleString('en')} residents`);
      data = await generate(url, residents, Buffer.from(dataKey, 'base64'), (l) => sayInPlace(`${tag} generate: ${l}`));
    }
    say(`${tag} data: ${Object.entries(data.counts).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')} in ${data.seconds.toFixed(1)} s (${Math.round(data.rowsPerSecond).toLocaleString('en')} rows/s)`);

    pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', (e) => say(`${tag} an idle connection of the harness failed: ${e.message}`));
    await pool.query('ANALYZE');
    const machine = {
      ...await machineInfo(pool, db),
      // What the database ran with (the server cluster: SERVER_SETTINGS; embedded: its defaults).
      settings: Object.fromEntries((await pool.query<{ name: string; setting: string; unit: string | null }>(
        `SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers','effective_cache_size','work_mem','maintenance_work_mem','max_wal_size','random_page_cost','fsync','synchronous_commit','max_connections')`,
      )).rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting])),
    };
    say(`${tag} starting Linli`);
    linli = await startLinli({ url, dataDir: path.join(tmp, 'linli'), dataKey });
    const settled = await waitQuiet(pool);
    say(`${tag} Linli (pid ${linli.pid}) listening on 127.0.0.1:${linli.port}; its start-up work settled after ${settled.toFixed(1)} s`);
    const http = target(linli.port, concurrency + 4);

    const cookies = new Map<string, string>();
    const cache = new Map<string, { account: Account; cookie: string }[]>();
    const liveLinli = linli;
    const livePool = pool;
    const env: BenchEnv = {
      db, size: sizeName, url, pool: livePool, linli: liveLinli, http, data,
      cipher: new FieldCipher(Buffer.from(dataKey, 'base64')), dataKey,
      load: { concurrency, duration, warmup }, importRows, tmp,
      async sessions(role, max) {
        const key = `${role}:${max}`;
        const hit = cache.get(key);
        if (hit) return hit;
        const chosen = spread(data.accounts.filter((a) => a.role === role), max);
        const missing = chosen.filter((a) => !cookies.has(a.username)).map((a) => a.username);
        if (missing.length) {
          say(`${tag} signing in ${missing.length} ${role} account(s)`);
          for (const [u, c] of await signInAll(http, missing, data.password)) cookies.set(u, c);
        }
        const out = chosen.map((account) => ({ account, cookie: cookies.get(account.username)! }));
        cache.set(key, out);
        return out;
      },
      progress: (line) => say(`${tag} ${line}`),
      tick: (label) => (done, secs) => sayInPlace(`${tag} ${label}: ${done.toLocaleString('en')} answers in ${secs.toFixed(0)} s`),
    };

    const runners: Record<BenchName, () => Promise<BenchResult>> = {
      intake: () => intake(env),
      lists: () => lists(env),
      cockpit: () => cockpit(env, preset.cockpitRuns),
      search: () => search(env),
      import: () => importBench(env),
    };
    for (const bench of only) {
      const t0 = Date.now();
      let result: BenchResult | { error: string };
      try {
        result = await runners[bench]();
      } catch (e) {
        failures++;
        result = { error: e instanceof Error ? e.message : String(e) };
        say(`${tag} ${bench}: FAILED: ${result.error}`);
        if (liveLinli.child.exitCode !== null) say(`${tag} Linli exited (${liveLinli.child.exitCode}):\n${liveLinli.output()}`);
      }
      const doc = {
        bench, db, size: sizeName, residents, measuredAt: new Date().toISOString(), seconds: Math.round((Date.now() - t0) / 100) / 10,
        machine,
        data: { counts: data.counts, seconds: data.seconds, rowsPerSecond: data.rowsPerSecond },
        linli: { process: 'node bin/linli.js serve', overdueWatchSeconds: Number(process.env.LINLI_OVERDUE_WATCH_SECONDS ?? 60), startupSettledSeconds: Math.round(settled * 10) / 10 },
        ...result,
      };
      fs.mkdirSync(RESULTS, { recursive: true });
      fs.writeFileSync(resultFile(bench, db), JSON.stringify(doc, null, 2) + '\n');
      if ('skipped' in result) say(`${tag} ${bench}: skipped: ${result.skipped}`);
      else if (!('error' in result)) say(`${tag} ${bench}: done in ${doc.seconds} s → ${path.relative(ROOT, resultFile(bench, db))}\n${summary(bench, result.figures)}`);
      if (liveLinli.child.exitCode !== null) throw new Error(`Linli exited (${liveLinli.child.exitCode}):\n${liveLinli.output()}`);
    }
    http.agent.destroy();
  } catch (e) {
    failures++;
    say(`${tag} FAILED: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  } finally {
    await cleanup();
  }
  return failures;
}

/** A few lines of the main figures for the console. */
function summary(bench: BenchName, f: Record<string, unknown>): string {
  const lat = (x: unknown) => {
    const s = x as { throughput?: number; p50?: number; p99?: number; max?: number } | undefined;
    return s && s.p50 !== undefined ? `${s.throughput}/s, p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms` : JSON.stringify(x);
  };
  const out: string[] = [];
  if (bench === 'intake') {
    out.push(`  Linli  ${lat(f.linli)}`, `  bare   ${lat(f.bareFastify)}`, `  raw    ${lat(f.rawInsert)}`, `  ratios ${JSON.stringify(f.ratios)}`);
  } else if (bench === 'lists') {
    out.push(`  grid worker mine ${lat(f.gridWorkerMine)}`, `  street overdue   ${lat(f.streetOverdue)}`);
  } else if (bench === 'cockpit') {
    out.push(`  endpoint median ${f.endpointMedianMs} ms, reference median ${f.referenceMedianMs} ms, ratio ${f.ratio}`);
  } else if (bench === 'search') {
    for (const [caller, shapes] of Object.entries(f)) {
      for (const [shape, s] of Object.entries(shapes as Record<string, unknown>)) if (shape !== 'accounts') out.push(`  ${caller.padEnd(9)} ${shape.padEnd(8)} ${lat(s)}`);
    }
  } else if (bench === 'import') {
    const l = f.linli as { rowsPerSecond: number; seconds: number };
    const r = f.rawCopy as { rowsPerSecond: number; seconds: number };
    const m = f.memory as { peakRssMb: number; rssBeforeMb: number };
    out.push(`  Linli ${l.rowsPerSecond} rows/s (${l.seconds} s), raw COPY ${r.rowsPerSecond} rows/s (${r.seconds} s), ratio ${f.ratio}; RSS ${m.rssBeforeMb} → peak ${m.peakRssMb} MB`);
  }
  return out.join('\n');
}

async function main(): Promise<number> {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      say(`${signal}: stopping the processes this run started`);
      void stopAll().then(() => cleanupCurrent?.()).finally(() => process.exit(130));
    });
  }
  // Something thrown outside a benchmark (an idle connection dropped …): stop what was started, fail.
  process.on('uncaughtException', (e) => {
    say(`bench: FAILED: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    void stopAll().then(() => cleanupCurrent?.()).finally(() => process.exit(1));
  });
  say(`bench: size ${sizeName} (${residents.toLocaleString('en')} residents), db ${dbs.join(' + ')}, ${only.join(', ')}; ${concurrency} clients, ${warmup} s warm-up + ${duration} s per measurement`);
  let failures = 0;
  for (const db of dbs) failures += await runOn(db);
  say(failures ? `bench: ${failures} failure(s)` : 'bench: done');
  return failures ? 1 : 0;
}

// Exit when done: a benchmark that failed half-way may leave a timer or a socket behind (the import's
// memory sampler did), and a run that never ends would hold CI up until its time limit.
main().then(
  (code) => process.exit(code),
  (e: unknown) => { console.error(e); process.exit(1); },
);
