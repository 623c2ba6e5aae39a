/**
 * Resident search at district scale: the demo district plus N generated residents (default
 * 1 000 000), then the search endpoint timed through the real app for a district, a community and
 * a grid worker: pinyin initials, hanzi, exact ID number, tag filter. Prints p50 / p99 in ms and
 * EXPLAIN ANALYZE of the slowest query shape.
 *
 *   node --import tsx bench/registry-search.ts [--residents 1000000] [--runs 200]
 *
 * Uses a throwaway embedded PostgreSQL (or LINLI_BENCH_DATABASE_URL, a database it may fill);
 * --data-dir DIR keeps it, and a later run on DIR reuses the district it finds there. When that
 * database also holds cases at scale (e.g. 3 000 000 made by SQL), the case work lists of a grid
 * worker, a community, a street and the district are timed too. Results: bench/results/
 * registry-search.<embedded|server>.json (or --out FILE).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type { Db } from '../src/server/core/db/index.js';
import { startEmbeddedPostgres } from '../src/server/core/db/embedded.js';
import { loadConfig } from '../src/server/core/config.js';
import { createContext } from '../src/server/server.js';
import { buildApp } from '../src/server/app.js';
import { modules } from '../src/server/modules/index.js';
import type { AppContext } from '../src/server/core/context.js';
import { seedDemo } from '../src/server/demo/seed.js';
import { inSubtree } from '../src/server/core/access/scope.js';
import { nameKeys } from '../src/server/modules/registry/pinyin.js';
import { idCheckChar } from '../src/shared/validation/id-number.js';

const { values } = parseArgs({ options: {
  residents: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '200' }, explain: { type: 'boolean', default: false },
  'data-dir': { type: 'string' }, out: { type: 'string' },
  // The grid worker whose work lists are timed (a grid that holds cases at scale).
  'case-grid-user': { type: 'string', default: 'grid' },
  'case-runs': { type: 'string', default: '20' },
} });
const N = Number(values.residents);
const RUNS = Number(values.runs);

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split('');
const GIVEN = ['伟', '芳', '娜', '秀英', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀兰', '霞', '平', '刚', '桂英', '建华', '文', '华', '红', '玉兰', '志强', '海燕'];

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/**
 * Give the demo district a realistic shape for N residents before they are made: grids in every
 * community the demo left empty (about one grid per 830 residents in all), and in every grid, old or
 * new, buildings of 24 households, so that the generated people live about 2.5 to a household
 * (~330 households, ~830 people a grid). Leaves the generated households in temp table bench_hh.
 */
async function spreadOverDistrict(db: Db, n: number): Promise<void> {
  const gridsWanted = Math.max(1, Math.round(n / 830));
  const counts = (await sql<{ grids: string; empty: string }>`
    SELECT count(*) FILTER (WHERE level = 'grid') AS grids,
           count(*) FILTER (WHERE level = 'community' AND NOT EXISTS (SELECT 1 FROM unit g WHERE g.parent_id = unit.id)) AS empty
    FROM unit`.execute(db)).rows[0]!;
  const perCommunity = Number(counts.empty) ? Math.max(0, Math.ceil((gridsWanted - Number(counts.grids)) / Number(counts.empty))) : 0;
  await sql`
    CREATE UNLOGGED TABLE bench_grid AS
    SELECT nextval(pg_get_serial_sequence('unit', 'id')) AS id, c.id AS parent_id, c.code || '9' || lpad(k::text, 2, '0') AS code,
           c.name || ' 第' || k || '网格' AS name, c.path, c.region_code
    FROM unit c CROSS JOIN generate_series(1, ${perCommunity}::int) k
    WHERE c.level = 'community' AND NOT EXISTS (SELECT 1 FROM unit g WHERE g.parent_id = c.id)`.execute(db);
  await sql`
    INSERT INTO unit (id, parent_id, level, code, name, path, region_code)
    SELECT id, parent_id, 'grid', code, name, path || id::text, region_code FROM bench_grid`.execute(db);
  const grids = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM unit WHERE level = 'grid'`.execute(db)).rows[0]!.n);
  const buildingsPerGrid = Math.max(1, Math.ceil(n / 2.5 / 24 / grids));
  const maxBuilding = (await sql<{ m: string }>`SELECT coalesce(max(id), 0) AS m FROM building`.execute(db)).rows[0]!.m;
  await sql`
    INSERT INTO building (unit_id, unit_path, region_code, name, address, floors)
    SELECT g.id, g.path, g.region_code, b || '栋', g.name || ' ' || b || '号楼', 6
    FROM unit g CROSS JOIN generate_series(1, ${buildingsPerGrid}::int) b WHERE g.level = 'grid'`.execute(db);
  const maxHousehold = (await sql<{ m: string }>`SELECT coalesce(max(id), 0) AS m FROM household`.execute(db)).rows[0]!.m;
  await sql`
    INSERT INTO household (building_id, unit_id, unit_path, region_code, room, floor)
    SELECT b.id, b.unit_id, b.unit_path, b.region_code, (f * 100 + r)::text, f
    FROM building b CROSS JOIN generate_series(1, 6) f CROSS JOIN generate_series(1, 4) r WHERE b.id > ${maxBuilding}::bigint`.execute(db);
  await sql`CREATE UNLOGGED TABLE bench_hh AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id, unit_id, unit_path, region_code FROM household WHERE id > ${maxHousehold}::bigint`.execute(db);
  const hh = (await sql<{ n: string }>`SELECT count(*) AS n FROM bench_hh`.execute(db)).rows[0]!.n;
  console.log(`district shape: ${grids} grids (${perCommunity} added per empty community), ${buildingsPerGrid} buildings a grid, ${hh} households for ${n} residents`);
}

/** The demo district, reshaped for N residents, and the N residents (5 % of everyone tagged 独居). */
async function generate(ctx: AppContext): Promise<void> {
  const t0 = Date.now();
  await seedDemo(ctx);
  console.log(`demo seed: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // Name table with pinyin keys computed once in JS, then rows made in SQL (one statement per 100k).
  const names: { name: string; initials: string; full: string }[] = [];
  for (const s of SURNAMES) for (const g of GIVEN) { const name = s + g; names.push({ name, ...nameKeys(name) }); }
  await sql`CREATE UNLOGGED TABLE bench_name (n int, name text, initials text, pinyin text)`.execute(ctx.db);
  await sql`INSERT INTO bench_name SELECT * FROM unnest(${names.map((_, i) => i)}::int[], ${names.map((x) => x.name)}::text[], ${names.map((x) => x.initials)}::text[], ${names.map((x) => x.full)}::text[])`.execute(ctx.db);
  const t1 = Date.now();
  await spreadOverDistrict(ctx.db, N);
  const households = (await sql<{ n: string }>`SELECT count(*) AS n FROM bench_hh`.execute(ctx.db)).rows[0]!.n;
  for (let start = 0; start < N; start += 100_000) {
    const count = Math.min(100_000, N - start);
    // ~2.5 people per generated household, in order; ID numbers are unique fake ones (hash of the serial), not GB-valid: the bench measures search, not validation.
    await sql`
      INSERT INTO resident (household_id, unit_id, unit_path, region_code, name, name_initials, name_pinyin, gender, birth_date, id_number_hash, relation, residence_type)
      SELECT h.id, h.unit_id, h.unit_path, h.region_code, bn.name, bn.initials, bn.pinyin,
             CASE WHEN g % 2 = 0 THEN 'male' ELSE 'female' END, date '1940-01-01' + (g % 29000),
             md5('bench' || g), 'other', 'registered'
      FROM generate_series(${start + 1}::int, ${start + count}::int) g
      JOIN bench_name bn ON bn.n = (g::bigint * 7919) % ${names.length}
      JOIN bench_hh h ON h.n = ((g - 1)::bigint * ${Number(households)} / ${N})::int`.execute(ctx.db);
    process.stdout.write(`\rresidents: ${start + count} / ${N}`);
  }
  const livingAlone = (await ctx.db.selectFrom('care_tag').select('id').where('code', '=', 'living_alone').executeTakeFirstOrThrow()).id;
  await sql`INSERT INTO resident_tag (resident_id, tag_id) SELECT id, ${livingAlone}::bigint FROM resident WHERE id % 20 = 0 ON CONFLICT DO NOTHING`.execute(ctx.db);
  console.log(`\ngenerated ${N} residents in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
}

async function main() {
  // --data-dir keeps the cluster (and the field key) for another run, which then reuses the data it finds there.
  const keep = values['data-dir'];
  const dir = keep ? path.resolve(keep) : await fs.mkdtemp(path.join(os.tmpdir(), 'linli-bench-'));
  let url = process.env.LINLI_BENCH_DATABASE_URL;
  let stop: (() => Promise<void>) | null = null;
  if (!url) {
    const e = await startEmbeddedPostgres({ dataDir: dir });
    url = e.url;
    stop = e.stop;
  }
  const config = loadConfig({ ...process.env, DATABASE_URL: url, LINLI_DATA_DIR: dir, LINLI_DEMO_PASSWORD: 'Bench-Passw0rd!' });
  const { ctx, database } = await createContext(config);
  try {
    const filled = (await sql<{ t: string | null }>`SELECT to_regclass('bench_name')::text AS t`.execute(ctx.db)).rows[0]!.t !== null;
    if (filled) console.log(`reusing the generated district in ${dir}`);
    else await generate(ctx);
    await sql`ANALYZE`.execute(ctx.db);
    const livingAlone = (await ctx.db.selectFrom('care_tag').select('id').where('code', '=', 'living_alone').executeTakeFirstOrThrow()).id;

    if (values.explain) {
      // The plans of the search shapes for a district-wide caller (the scope predicate as inScope writes it).
      const district = (await ctx.db.selectFrom('unit').select('path').where('level', '=', 'district').executeTakeFirstOrThrow()).path;
      for (const [label, where] of [
        ['initials', sql`(r.name_initials LIKE 'zw%' OR r.name_pinyin LIKE 'zw%')`],
        ['hanzi', sql`(r.name LIKE '秀英%' OR substr(r.name, 2) LIKE '秀英%')`],
        ['tag', sql`EXISTS (SELECT 1 FROM resident_tag rt WHERE rt.resident_id = r.id AND rt.tag_id = ${livingAlone}::bigint)`],
      ] as const) {
        const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS OFF) SELECT r.id FROM resident r WHERE ${inSubtree('r.unit_path', district)} AND ${where} AND r.status = 'active' ORDER BY r.id LIMIT 20`.execute(ctx.db);
        console.log(`\n${label}:\n` + plan.rows.map((x) => x['QUERY PLAN']).join('\n'));
        const count = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS OFF) SELECT count(*) FROM (SELECT 1 FROM resident r WHERE ${inSubtree('r.unit_path', district)} AND ${where} AND r.status = 'active' LIMIT 1001) x`.execute(ctx.db);
        console.log(`${label} count:\n` + count.rows.map((x) => x['QUERY PLAN']).join('\n'));
      }
    }
    const app = await buildApp(ctx, modules, { serveWeb: false });
    const login = async (username: string) => {
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'Bench-Passw0rd!' } });
      return res.cookies.find((c) => c.name === 'linli_sid')!.value;
    };
    const someone = await ctx.db.selectFrom('resident').select(['id_number_enc', 'name']).where('id_number_enc', 'is not', null).limit(1).executeTakeFirstOrThrow();
    const idNumber = ctx.cipher.decrypt(someone.id_number_enc!);
    const first17 = '42010519800101999';
    const missing = first17 + idCheckChar(first17);
    const queries: [string, string][] = [
      ['pinyin initials "zw"', 'q=zw'],
      ['pinyin initials "wxy" (rare)', 'q=wxy'],
      ['hanzi "秀英"', `q=${encodeURIComponent('秀英')}`],
      ['exact ID number', `idNumber=${idNumber}`],
      ['ID number not registered', `idNumber=${missing}`],
      ['tag 独居', `tags=${livingAlone}`],
      ['tag 独居 + initials "l"', `tags=${livingAlone}&q=l`],
    ];
    const results: Record<string, Record<string, { p50: number; p99: number; total: number }>> = {};
    for (const who of ['district', 'community', 'grid']) {
      const cookie = await login(who);
      results[who] = {};
      for (const [label, qs] of queries) {
        const times: number[] = [];
        let total = 0;
        for (let i = 0; i < RUNS; i++) {
          const s = process.hrtime.bigint();
          const res = await app.inject({ method: 'GET', url: `/api/residents?${qs}`, cookies: { linli_sid: cookie } });
          times.push(Number(process.hrtime.bigint() - s) / 1e6);
          if (res.statusCode !== 200) throw new Error(`${who} ${label}: ${res.statusCode} ${res.body}`);
          total = res.json().total;
        }
        results[who]![label] = { p50: +percentile(times, 50).toFixed(1), p99: +percentile(times, 99).toFixed(1), total };
      }
    }
    // The case work lists too, when the database holds cases at scale (made by SQL beforehand, see --help-cases in the header).
    const caseCount = Number((await sql<{ n: string }>`SELECT reltuples::bigint AS n FROM pg_class WHERE relname = 'cases'`.execute(ctx.db)).rows[0]!.n);
    const caseResults: Record<string, { p50: number; p99: number; total: number }> = {};
    if (caseCount >= 100_000) {
      const lists: [string, string, string][] = [
        [values['case-grid-user']!, 'grid worker: all, first page', '/api/cases?list=all'],
        [values['case-grid-user']!, 'grid worker: menu counts', '/api/cases/counts'],
        ['community', 'community: all, first page', '/api/cases?list=all'],
        ['street', 'street: overdue by deadline', '/api/cases?list=overdue&sort=deadline'],
        ['street', 'street: menu counts', '/api/cases/counts'],
        ['district', 'district: overdue by deadline', '/api/cases?list=overdue&sort=deadline'],
      ];
      for (const [who, label, url] of lists) {
        const cookie = await login(who);
        const times: number[] = [];
        let total = 0;
        for (let i = 0; i < Number(values['case-runs']); i++) {
          const s = process.hrtime.bigint();
          const res = await app.inject({ method: 'GET', url, cookies: { linli_sid: cookie } });
          times.push(Number(process.hrtime.bigint() - s) / 1e6);
          if (res.statusCode !== 200) throw new Error(`${label}: ${res.statusCode} ${res.body}`);
          const body = res.json();
          total = body.total ?? body.overdue ?? 0;
        }
        caseResults[label] = { p50: +percentile(times, 50).toFixed(1), p99: +percentile(times, 99).toFixed(1), total };
      }
    }
    console.log(`\nGET /api/residents, ${N} generated + demo residents, ${RUNS} runs each, one client (ms):`);
    for (const [who, rows] of Object.entries(results)) {
      console.log(`\n  ${who}`);
      for (const [label, r] of Object.entries(rows)) console.log(`    ${label.padEnd(32)} p50 ${String(r.p50).padStart(6)}  p99 ${String(r.p99).padStart(6)}  (total ${r.total})`);
    }
    if (Object.keys(caseResults).length) {
      console.log(`\ncase work lists, ${caseCount} cases, ${values['case-runs']} runs each, one client (ms):`);
      for (const [label, r] of Object.entries(caseResults)) console.log(`    ${label.padEnd(32)} p50 ${String(r.p50).padStart(6)}  p99 ${String(r.p99).padStart(6)}  (total ${r.total})`);
    }
    await app.close();
    const pgVersion = (await sql<{ v: string }>`SHOW server_version`.execute(ctx.db)).rows[0]!.v;
    const db = process.env.LINLI_BENCH_DB_LABEL ?? (process.env.LINLI_BENCH_DATABASE_URL ? 'server' : 'embedded');
    const out = values.out ?? path.join(import.meta.dirname, 'results', `registry-search.${db}.json`);
    await fs.writeFile(out, JSON.stringify({
      name: 'registry-search', database: db, postgres: pgVersion, residents: N, runs: RUNS, clients: 1,
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? null, memoryGb: Math.round(os.totalmem() / 2 ** 30) },
      at: new Date().toISOString(), unit: 'ms', results, cases: caseCount >= 100_000 ? { count: caseCount, runs: Number(values['case-runs']), results: caseResults } : null,
    }, null, 2) + '\n');
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
  } finally {
    await database.close();
    if (stop) await stop();
    if (!keep) await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
