/**
 * Benchmark 5 — the registry import. A resident workbook (bench/lib/workbook.ts) goes through the real
 * import API as a community's staff — upload, background check, commit, polling the progress as the
 * page does — into a community made for it (200 buildings of two entrances in one grid, under the first
 * street); against a raw COPY of the same rows into resident (new ID numbers, the rows otherwise as the
 * import stored them). Rows/s of both, their ratio, the workbook's size, and the Linli process's memory
 * (VmRSS sampled every 100 ms, VmHWM) before and during the import.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/server/core/config.js';
import { createContext } from '../../src/server/server.js';
import { insertUnit } from '../../src/server/modules/hierarchy/hierarchy.service.js';
import { insertUser } from '../../src/server/modules/users/users.service.js';
import { XLSX_CONTENT_TYPE } from '../../src/shared/registry/import.schemas.js';
import { copyIn, copyValue } from './copy.js';
import type { BenchEnv, BenchResult } from './env.js';
import { signIn } from './linli.js';
import { request } from './load.js';
import { memoryOf, sampleMemory } from './processes.js';
import { residentRow, writeResidentWorkbook } from './workbook.js';

const BUILDINGS = 200;
const PASSWORD = 'Bench-Import-Passw0rd!';
const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

interface Job { status: string; processed: number; total: number; progress: number; valid?: number; errors?: number }

/** A fresh community with one grid of BUILDINGS buildings, and a community staff account for it. */
async function prepareCommunity(env: BenchEnv): Promise<{ communityId: string; communityPath: string; username: string }> {
  const config = loadConfig({ ...process.env, DATABASE_URL: env.url, LINLI_DATA_DIR: path.join(env.tmp, 'import-setup'), LINLI_DATA_KEY: env.dataKey, LINLI_SCRYPT_LOG_N: '12', LINLI_DEMO_SEED: 'false' });
  const { ctx, database } = await createContext(config);
  try {
    const street = await ctx.db.selectFrom('unit').select(['id', 'path', 'region_code', 'code']).where('id', '=', env.data.streets[0]!.id).executeTakeFirstOrThrow();
    let n = 999;
    const taken = new Set((await ctx.db.selectFrom('unit').select('code').where('code', 'like', `${street.code.slice(0, 9)}%`).execute()).map((u) => u.code));
    while (taken.has(`${street.code.slice(0, 9)}${n}`)) n--;
    const code = `${street.code.slice(0, 9)}${n}`;
    const community = await insertUnit(ctx.db, { parent: { id: street.id, path: street.path, region_code: street.region_code }, level: 'community', code, name: `导入测试社区${n}` });
    const grid = await insertUnit(ctx.db, { parent: { id: community.id, path: community.path, region_code: community.regionCode }, level: 'grid', code: `${code}001`, name: '导入测试网格' });
    for (let b = 1; b <= BUILDINGS; b++) {
      const { id } = await ctx.db.insertInto('building').values({ unit_id: grid.id, unit_path: grid.path, region_code: grid.regionCode, name: `${b}栋`, floors: 18 })
        .returning('id').executeTakeFirstOrThrow();
      await ctx.db.insertInto('entrance').values(['1单元', '2单元'].map((e) => ({ building_id: id, unit_id: grid.id, unit_path: grid.path, region_code: grid.regionCode, name: e }))).execute();
    }
    const username = `bench_import_${community.id}`;
    await insertUser(ctx.db, ctx, {
      username, displayName: '导入基准', password: PASSWORD, unitId: community.id,
      bindings: [{ role: 'community_staff', unitId: community.id }],
    });
    return { communityId: community.id, communityPath: community.path, username };
  } finally {
    await database.close();
  }
}

export async function importBench(env: BenchEnv): Promise<BenchResult> {
  const rows = env.importRows;
  const { communityId, communityPath, username } = await prepareCommunity(env);
  const file = path.join(env.tmp, `residents-${rows}.xlsx`);
  env.progress(`import: writing a ${rows}-row workbook`);
  // New people every run: a district measured again (--district) already holds the last run's.
  // Each run's ID numbers take the next four sequence numbers (25 000 people each) after those.
  const runs = Number((await env.pool.query<{ n: string }>('SELECT count(*) AS n FROM import_job')).rows[0]!.n);
  const serialBase = 100 + Math.ceil(rows / 25_000) * (runs % 100);
  await writeResidentWorkbook(file, rows, BUILDINGS, { region: '110101', serialBase });
  const fileSize = fs.statSync(file).size;
  const cookie = await signIn(env.http, username, PASSWORD);

  const pid = env.linli.pid;
  const before = memoryOf(pid);
  const sampler = sampleMemory(pid, 100);
  const started = performance.now();
  const upload = await request(env.http, 'POST', `/api/registry/imports?unitId=${communityId}&fileName=residents.xlsx`, {
    cookie, body: fs.createReadStream(file), headers: { 'content-type': XLSX_CONTENT_TYPE, 'content-length': String(fileSize) },
  });
  if (upload.status !== 202) throw new Error(`import upload: ${upload.status} ${upload.body.slice(0, 300)}`);
  const jobId = (JSON.parse(upload.body) as { id: string }).id;
  const uploaded = performance.now();
  const poll = async (until: string[], label: string): Promise<Job> => {
    let lastShown = 0;
    for (;;) {
      const res = await request(env.http, 'GET', `/api/registry/imports/${jobId}`, { cookie });
      if (res.status !== 200) throw new Error(`import progress: ${res.status} ${res.body.slice(0, 300)}`);
      const job = JSON.parse(res.body) as Job;
      if (until.includes(job.status) || job.status === 'failed') return job;
      if (performance.now() - lastShown > 10_000) {
        lastShown = performance.now();
        env.progress(`import: ${label} ${Math.round(job.progress * 100)} %`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const checked = await poll(['ready'], 'checking');
  if (checked.status !== 'ready') throw new Error(`import check ended ${checked.status}: ${JSON.stringify(checked).slice(0, 500)}`);
  const checkedAt = performance.now();
  const commit = await request(env.http, 'POST', `/api/registry/imports/${jobId}/commit`, { cookie });
  if (commit.status !== 202) throw new Error(`import commit: ${commit.status} ${commit.body.slice(0, 300)}`);
  const committed = await poll(['committed'], 'committing');
  const done = performance.now();
  const mem = sampler.stop();
  if (committed.status !== 'committed') throw new Error(`import commit ended ${committed.status}: ${JSON.stringify(committed).slice(0, 500)}`);
  const stored = Number((await env.pool.query<{ n: string }>('SELECT count(*) AS n FROM resident WHERE unit_path <@ $1::ltree', [communityPath])).rows[0]!.n);
  if (stored !== rows) throw new Error(`import: ${stored} residents stored of ${rows} rows`);
  const linliSeconds = (done - started) / 1000;

  // The raw baseline: the same rows, as the import stored them, with new ID numbers.
  const cols = (await env.pool.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_attribute a WHERE a.attrelid = 'resident'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attidentity = '' AND a.attgenerated = '' ORDER BY a.attnum`)).rows.map((r) => r.name);
  const res = await env.pool.query({ text: `SELECT ${cols.map((c) => `"${c}"::text`).join(', ')} FROM resident WHERE unit_path <@ $1::ltree ORDER BY id`, values: [communityPath], rowMode: 'array' });
  const encAt = cols.indexOf('id_number_enc');
  const hashAt = cols.indexOf('id_number_hash');
  const lines = (res.rows as (string | null)[][]).map((row, i) => {
    const idNumber = residentRow(i, BUILDINGS, { region: '110102', serialBase }).idNumber;
    const values = [...row];
    values[encAt] = env.cipher.encrypt(idNumber);
    values[hashAt] = env.cipher.blindIndex(idNumber);
    return values.map(copyValue).join('\t') + '\n';
  });
  env.progress(`import: raw COPY of ${lines.length} rows`);
  const t0 = performance.now();
  await copyIn(env.url, `COPY resident (${cols.map((c) => `"${c}"`).join(', ')}) FROM STDIN`, lines);
  const rawSeconds = (performance.now() - t0) / 1000;

  const r2 = (x: number) => Math.round(x * 100) / 100;
  const linliRate = rows / linliSeconds;
  const rawRate = lines.length / rawSeconds;
  return {
    parameters: { rows, buildings: BUILDINGS, fileBytes: fileSize, fileMb: mb(fileSize) },
    figures: {
      linli: {
        seconds: r2(linliSeconds), rowsPerSecond: Math.round(linliRate),
        uploadSeconds: r2((uploaded - started) / 1000), checkSeconds: r2((checkedAt - uploaded) / 1000), commitSeconds: r2((done - checkedAt) / 1000),
      },
      rawCopy: { seconds: r2(rawSeconds), rowsPerSecond: Math.round(rawRate) },
      ratio: Math.round((linliRate / rawRate) * 1000) / 1000,
      memory: {
        rssBeforeMb: mb(before?.rss ?? 0), peakRssMb: mb(mem.peakRss), rssAfterMb: mb(mem.lastRss),
        vmHwmMb: mb(mem.hwm), growthMb: mb(mem.peakRss - (before?.rss ?? 0)),
      },
    },
  };
}
