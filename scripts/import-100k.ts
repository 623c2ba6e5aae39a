/**
 * node --expose-gc --import tsx scripts/import-100k.ts [rows] [--sql-times] [--retained] [--snapshot=SECONDS] [--copy]
 *
 * The registry import at scale: generates a 居民 workbook of 100 000 rows (or [rows]) with exceljs's
 * streaming writer (bench/lib/workbook.ts), then checks and commits it through the import service on a throwaway embedded
 * PostgreSQL, printing the time of each phase (upload, check, commit) and the peak memory of this Node
 * process in each (process.memoryUsage() sampled every 100 ms: rss, heapUsed, heapTotal, external,
 * arrayBuffers; PostgreSQL runs in its own processes). Everything lives in a temporary directory,
 * removed afterwards. Too slow for the test suite, which keeps its largest import at a few thousand rows.
 * With --retained: the heap a full collection leaves, every 2 s — what is live, as against garbage V8
 * has not collected yet (heapUsed). With --snapshot=SECONDS: a heap snapshot (after a full collection)
 * that many seconds into each phase, kept in the system's temporary directory (its path is printed).
 * With --copy: then the raw baseline of benchmark 5 (bench/lib/import.ts) on the same database — the
 * committed rows COPYed into resident again with new ID numbers — and the import's rate as a share of it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import v8 from 'node:v8';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../src/server/core/config.js';
import type { FieldCipher } from '../src/server/core/crypto.js';
import { createContext } from '../src/server/server.js';
import { loadActor } from '../src/server/core/auth/load-actor.js';
import { insertUnit } from '../src/server/modules/hierarchy/hierarchy.service.js';
import { insertUser } from '../src/server/modules/users/users.service.js';
import { ImportRunner, commitImport, createImport } from '../src/server/modules/registry/import.service.js';
import { residentRow, writeResidentWorkbook } from '../bench/lib/workbook.js';
import { copyValue } from '../bench/lib/copy.js';

const ROWS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100_000);
const BUILDINGS = 200;

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

type MemoryField = 'rss' | 'heapUsed' | 'heapTotal' | 'external' | 'arrayBuffers';
const MEMORY_FIELDS: MemoryField[] = ['rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers'];
type Peaks = Record<MemoryField, number>;

/** Where to write heap snapshots (--snapshot=SECONDS: one that many seconds into each phase, after a full GC). */
const snapshotAt = Number(process.argv.find((a) => a.startsWith('--snapshot='))?.slice('--snapshot='.length) ?? NaN);

/**
 * Peak memory of this process while `fn` runs: process.memoryUsage() sampled every 100 ms, the
 * highest value of each field (they peak at different moments). With --retained, also the heap
 * left live by a full collection, every 2 s (slows the run a little).
 */
async function measured<T>(phase: string, fn: () => Promise<T>): Promise<{ value: T; ms: number; peak: Peaks; retained: number; cpuMs: number }> {
  const peak: Peaks = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    for (const f of MEMORY_FIELDS) peak[f] = Math.max(peak[f], m[f]);
  };
  const timer = setInterval(sample, 100);
  const gc = (globalThis as { gc?: () => void }).gc;
  let retained = 0;
  const retainedTimer = process.argv.includes('--retained') && gc ? setInterval(() => {
    gc();
    retained = Math.max(retained, process.memoryUsage().heapUsed);
  }, 2000) : null;
  const snapshotTimer = Number.isFinite(snapshotAt) ? setTimeout(() => {
    gc?.();
    const file = v8.writeHeapSnapshot(path.join(os.tmpdir(), `import-100k-${phase}-${process.pid}.heapsnapshot`));
    console.log(`Heap snapshot ${snapshotAt} s into ${phase} (live ${mb(process.memoryUsage().heapUsed)}): ${file}`);
  }, snapshotAt * 1000) : null;
  const started = Date.now();
  const cpu = process.cpuUsage();
  try {
    const value = await fn();
    sample();
    const used = process.cpuUsage(cpu);
    return { value, ms: Date.now() - started, peak, retained, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    clearInterval(timer);
    if (retainedTimer) clearInterval(retainedTimer);
    if (snapshotTimer) clearTimeout(snapshotTimer);
  }
}

const peaks = (p: Peaks) => MEMORY_FIELDS.map((f) => `${f} ${mb(p[f])}`).join(', ');

/**
 * With --sql-times: the time spent in each kind of statement (grouped by its first words), printed
 * after each phase — where the database time goes.
 */
const sqlTimes = process.argv.includes('--sql-times') ? new Map<string, { n: number; ms: number }>() : null;
if (sqlTimes) {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: typeof query }).query = function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text ?? '?';
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
    const started = performance.now();
    const out = query.apply(this, args);
    if (out instanceof Promise) {
      void out.then(() => {
        const e = sqlTimes.get(key) ?? { n: 0, ms: 0 };
        e.n++;
        e.ms += performance.now() - started;
        sqlTimes.set(key, e);
      }, () => {});
    }
    return out;
  };
}
function printSqlTimes(label: string): void {
  if (!sqlTimes) return;
  console.log(`SQL while ${label} (total ms, statements):`);
  for (const [k, v] of [...sqlTimes].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) console.log(`  ${v.ms.toFixed(0).padStart(7)} ms ${String(v.n).padStart(6)}×  ${k}`);
  sqlTimes.clear();
}

async function main() {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'linli-import-100k-'));
  // PostgreSQL refuses to run as root: the embedded one runs as its own user and must reach the directory.
  await fsp.chmod(dir, 0o755);
  const config = loadConfig({ LINLI_DATA_DIR: path.join(dir, 'data'), LINLI_DEMO_SEED: 'false', LINLI_SCRYPT_LOG_N: '10' });
  const { ctx, database } = await createContext(config);
  try {
    // Written by a child process, so that the writer's memory does not count here.
    const file = path.join(dir, 'residents.xlsx');
    const started = Date.now();
    execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--write', file, String(ROWS)], { stdio: 'inherit' });
    const size = (await fsp.stat(file)).size;
    console.log(`Workbook: ${ROWS} rows, ${mb(size)}, written in ${secs(Date.now() - started)}`);

    const district = await insertUnit(ctx.db, { parent: null, level: 'district', code: '420105000000', name: '汉阳区' });
    const street = await insertUnit(ctx.db, { parent: { id: district.id, path: district.path, region_code: district.regionCode }, level: 'street', code: '420105002000', name: '建桥街道' });
    const community = await insertUnit(ctx.db, { parent: { id: street.id, path: street.path, region_code: street.regionCode }, level: 'community', code: '420105002001', name: '钟家村社区' });
    const grid = await insertUnit(ctx.db, { parent: { id: community.id, path: community.path, region_code: community.regionCode }, level: 'grid', code: '420105002001001', name: '第一网格' });
    for (let b = 1; b <= BUILDINGS; b++) {
      const { id } = await ctx.db.insertInto('building').values({ unit_id: grid.id, unit_path: grid.path, region_code: grid.regionCode, name: `${b}栋`, floors: 18 })
        .returning('id').executeTakeFirstOrThrow();
      for (const e of ['1单元', '2单元']) {
        await ctx.db.insertInto('entrance').values({ building_id: id, unit_id: grid.id, unit_path: grid.path, region_code: grid.regionCode, name: e }).execute();
      }
    }
    const userId = await insertUser(ctx.db, ctx, {
      username: 'bench', displayName: '导入测试', password: 'Bench-Passw0rd!', unitId: community.id,
      bindings: [{ role: 'community_staff', unitId: community.id }],
    });
    const actor = (await loadActor(ctx.db, ctx.permissions, userId))!;
    const runner = new ImportRunner(ctx);
    // A clean baseline when run with --expose-gc (the generator leaves garbage behind).
    (globalThis as { gc?: () => void }).gc?.();
    const baseline = process.memoryUsage();

    sqlTimes?.clear();
    // Upload: the request's part (the file streamed to the imports directory, the job opened); the
    // check starts in the background as it returns.
    const upload = await measured('upload', () => createImport(ctx, runner, actor, { unitId: community.id, fileName: 'residents.xlsx' }, fs.createReadStream(file)));
    const check = await measured('check', async () => {
      await runner.settled(upload.value);
      return ctx.db.selectFrom('import_job').selectAll().where('id', '=', upload.value).executeTakeFirstOrThrow();
    });
    const job = check.value;
    console.log(`Upload: ${secs(upload.ms)}`);
    console.log(`Check:  ${secs(check.ms)} (${Math.round(ROWS / (check.ms / 1000))} rows/s; Node CPU ${secs(check.cpuMs)}) → ${job.status}: ${job.valid_rows} valid, ${job.error_rows} with problems, ${job.new_rows} new`);
    printSqlTimes('checking');
    if (job.status !== 'ready') throw new Error(`import failed: ${job.message_key}`);

    const commit = await measured('commit', async () => {
      await commitImport(ctx, runner, actor, { actorId: userId, actorUsername: 'bench', ip: null }, job.id);
      await runner.settled(job.id);
      return ctx.db.selectFrom('import_job').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    });
    const done = commit.value;
    const residents = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM resident`.execute(ctx.db)).rows[0]!.n);
    console.log(`Commit: ${secs(commit.ms)} (${Math.round(ROWS / (commit.ms / 1000))} rows/s; Node CPU ${secs(commit.cpuMs)}) → ${done.status}: ${done.new_rows} new, ${done.households_created} households; ${residents} residents in the registry`);
    console.log(`Memory of this process before the import: ${peaks({ ...baseline })}`);
    console.log(`  peak while uploading:  ${peaks(upload.peak)}`);
    console.log(`  peak while checking:   ${peaks(check.peak)}`);
    console.log(`  peak while committing: ${peaks(commit.peak)}`);
    if (check.retained) console.log(`Heap live after a full GC (peak of samples every 2 s): checking ${mb(check.retained)}, committing ${mb(commit.retained)}`);
    printSqlTimes('committing');
    if (done.status !== 'committed' || residents !== ROWS) process.exitCode = 1;
    if (process.argv.includes('--copy')) {
      const copySeconds = await rawCopy(ctx.pool, ctx.cipher);
      const importSeconds = (check.ms + commit.ms) / 1000;
      console.log(`Raw COPY of the same rows: ${secs(copySeconds * 1000)} (${Math.round(ROWS / copySeconds)} rows/s); ` +
        `the import (check + commit, ${secs(importSeconds * 1000)}) at ${Math.round((copySeconds / importSeconds) * 100)} % of COPY's rate`);
    }
    await runner.close();
  } finally {
    await database.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** Benchmark 5's baseline: the imported rows as stored, with new ID numbers, COPYed into resident; seconds. */
async function rawCopy(pool: pg.Pool, cipher: FieldCipher): Promise<number> {
  const client = await pool.connect();
  try {
    const cols = (await client.query<{ name: string }>(
      `SELECT a.attname AS name FROM pg_attribute a WHERE a.attrelid = 'resident'::regclass AND a.attnum > 0 AND NOT a.attisdropped
         AND a.attidentity = '' AND a.attgenerated = '' ORDER BY a.attnum`)).rows.map((r) => r.name);
    const res = await client.query({ text: `SELECT ${cols.map((c) => `"${c}"::text`).join(', ')} FROM resident ORDER BY id`, rowMode: 'array' });
    const encAt = cols.indexOf('id_number_enc');
    const hashAt = cols.indexOf('id_number_hash');
    const lines = (res.rows as (string | null)[][]).map((row, i) => {
      const idNumber = residentRow(i, BUILDINGS, { region: '110102' }).idNumber;
      const values = [...row];
      values[encAt] = cipher.encrypt(idNumber);
      values[hashAt] = cipher.blindIndex(idNumber);
      return values.map(copyValue).join('\t') + '\n';
    });
    const started = performance.now();
    const source = Readable.from((function* () {
      for (let i = 0; i < lines.length; i += 1000) yield lines.slice(i, i + 1000).join('');
    })());
    await pipeline(source, client.query(copyFrom(`COPY resident (${cols.map((c) => `"${c}"`).join(', ')}) FROM STDIN`)));
    return (performance.now() - started) / 1000;
  } finally {
    client.release();
  }
}
const run = process.argv[2] === '--write' ? () => writeResidentWorkbook(process.argv[3]!, Number(process.argv[4]), BUILDINGS) : main;
run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
