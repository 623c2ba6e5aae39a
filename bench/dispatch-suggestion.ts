/**
 * Dispatch suggestion accuracy and cost. On a fresh database: one street with a community per size
 * (default 50, 200 and 1000 closed cases), each with four grids; closed cases with generated texts
 * (src/server/demo/case-texts.ts, realistic category frequencies) and realistic handler patterns —
 * each category goes mostly to one kind of handler (its grid, the community, or the department the
 * category names), sometimes to another. A held-out 20 % is stored as open cases handled at the
 * community and asked through GET /api/cases/:id/suggestion by the community's dispatcher: top-1
 * and top-3 accuracy for the category and the handler, the time to train (cold) and to suggest
 * (warm). The classifiers of suggest.ts are also compared in memory on the same split.
 *
 *   npm run bench:suggest [-- --tiny] [-- --sizes 50,200,1000] [-- --explain]
 *
 * Writes bench/results/dispatch-suggestion.json (--tiny: the same JSON in dispatch-suggestion.tiny.tmp,
 * git-ignored, so that CI neither overwrites the measured results nor dirties the tree). Uses a throwaway embedded PostgreSQL (or
 * LINLI_BENCH_DATABASE_URL, a migrated database it may fill).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { startEmbeddedPostgres } from '../src/server/core/db/embedded.js';
import { loadConfig } from '../src/server/core/config.js';
import { createContext } from '../src/server/server.js';
import { buildApp } from '../src/server/app.js';
import { modules } from '../src/server/modules/index.js';
import type { AppContext } from '../src/server/core/context.js';
import { insertUnit } from '../src/server/modules/hierarchy/hierarchy.service.js';
import { insertUser } from '../src/server/modules/users/users.service.js';
import { ensureStandardDepartments } from '../src/server/modules/cases/departments.service.js';
import { clearModelCache, trainingTimeFor } from '../src/server/modules/cases/suggestions.service.js';
import { NaiveBayes, TfIdfKnn, type TextClassifier } from '../src/server/modules/cases/suggest.js';
import { CASE_TEXT_CATEGORIES, TYPICAL_CATEGORY_WEIGHTS, caseText } from '../src/server/demo/case-texts.js';
import { Random } from '../src/server/demo/random.js';

const { values } = parseArgs({ options: { tiny: { type: 'boolean', default: false }, sizes: { type: 'string' }, explain: { type: 'boolean', default: false } } });
const SIZES = values.sizes ? values.sizes.split(',').map(Number) : values.tiny ? [40, 80] : [50, 200, 1000];
const PASSWORD = 'Bench-Passw0rd!';
const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'results', values.tiny ? 'dispatch-suggestion.tiny.tmp' : 'dispatch-suggestion.json');

type Unit = { id: string; path: string; region_code: string };
type Handler = { kind: 'grid' } | { kind: 'community' } | { kind: 'department'; code: string };

const percentile = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0; };
const round = (x: number, d = 3) => Number(x.toFixed(d));

/** Each category's usual handler (75 %) and its other ones: the grid, the community or its department. */
function handlerPatterns(r: Random, departmentOf: Map<string, string | null>): Map<string, (r: Random) => Handler> {
  const out = new Map<string, (r: Random) => Handler>();
  for (const code of CASE_TEXT_CATEGORIES) {
    const dept = departmentOf.get(code) ?? null;
    const kinds: Handler[] = [{ kind: 'grid' }, { kind: 'community' }, ...(dept ? [{ kind: 'department', code: dept } as Handler] : [])];
    const usual = r.pick(kinds);
    out.set(code, (rr) => (rr.chance(0.75) ? usual : rr.pick(kinds)));
  }
  return out;
}

async function main() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-bench-'));
  let url = process.env.LINLI_BENCH_DATABASE_URL;
  let stop: (() => Promise<void>) | null = null;
  if (!url) {
    const e = await startEmbeddedPostgres({ dataDir: dir });
    url = e.url;
    stop = e.stop;
  }
  const config = loadConfig({ ...process.env, DATABASE_URL: url, LINLI_DATA_DIR: dir, LINLI_SCRYPT_LOG_N: '10', LINLI_DEMO_SEED: 'false' });
  const { ctx, database } = await createContext(config);
  try {
    const results = await run(ctx);
    await fs.mkdir(path.dirname(RESULTS), { recursive: true });
    await fs.writeFile(RESULTS, JSON.stringify(results, null, 2) + '\n');
    console.log(`\nwritten ${path.relative(process.cwd(), RESULTS)}`);
  } finally {
    await database.close();
    if (stop) await stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function run(ctx: AppContext) {
  const t0 = Date.now();
  const r = new Random(20261121);
  const district = await unit(ctx, null, 'district', '420105000000', '汉阳区');
  const street = await unit(ctx, district, 'street', '420105002000', '建桥街道');
  const depts = await ensureStandardDepartments(ctx.db, district);
  const cats = await ctx.db.selectFrom('case_category').select(['id', 'code', 'department_code']).execute();
  const catId = new Map(cats.map((c) => [c.code, c.id]));
  const patterns = handlerPatterns(r, new Map(cats.map((c) => [c.code, c.department_code])));
  const app = await buildApp(ctx, modules, { serveWeb: false });
  const reporter = await insertUser(ctx.db, ctx, { username: 'bench_reporter', displayName: '巡查员', password: PASSWORD, unitId: district.id });

  const rows: Record<string, unknown>[] = [];
  const comparison: Record<string, unknown>[] = [];
  let serial = 0;
  for (const [i, size] of SIZES.entries()) {
    const code = `42010500200${i + 1}`;
    const community = await unit(ctx, street, 'community', code, `第${i + 1}社区`);
    const grids: Unit[] = [];
    for (let g = 0; g < 4; g++) grids.push(await unit(ctx, community, 'grid', `${code}00${g + 1}`, `第${g + 1}网格`));
    await insertUser(ctx.db, ctx, { username: `bench_c${i}`, displayName: `社区${i}`, password: PASSWORD, unitId: community.id, bindings: [{ role: 'community_staff', unitId: community.id }] });
    const heldOut = Math.round(size / 4); // 20 % of all the community's cases
    type Made = { code: string; text: string; grid: Unit; handler: Handler; label: string };
    const made: Made[] = [];
    for (let n = 0; n < size + heldOut; n++) {
      const c = r.weighted(Object.entries(TYPICAL_CATEGORY_WEIGHTS));
      const grid = r.pick(grids);
      const handler = patterns.get(c)!(r);
      const label = handler.kind === 'grid' ? `unit:${grid.id}` : handler.kind === 'community' ? `unit:${community.id}` : `department:${depts[handler.code]}`;
      made.push({ code: c, text: caseText(r, c), grid, handler, label });
    }
    const train = made.slice(0, size);
    const test = made.slice(size);
    // Closed cases, each finished by a done lead work order; the held-out ones open at the community.
    const now = Date.now();
    const insert = async (m: Made, closed: boolean) => {
      const created = new Date(now - r.int(1, 300) * 86_400_000);
      const { id } = await ctx.db.insertInto('cases').values({
        number: `B-${++serial}`, category_id: catId.get(m.code)!, description: m.text, source: 'patrol', urgency: 'normal',
        state: closed ? 'closed' : 'accepted', lng: 114.27, lat: 30.55,
        unit_id: m.grid.id, unit_path: m.grid.path, region_code: m.grid.region_code,
        handling_unit_id: community.id, handling_path: community.path, handling_level: 'community',
        reporter_user_id: reporter, closed_at: closed ? new Date(created.getTime() + 86_400_000) : null, created_at: created, updated_at: created,
      }).returning('id').executeTakeFirstOrThrow();
      if (closed) {
        const h = m.handler;
        await ctx.db.insertInto('work_order').values({
          case_id: id, lead: true, state: 'done', finished_at: created,
          ...(h.kind === 'department'
            ? { assignee_kind: 'department', assignee_department_id: depts[h.code]! }
            : { assignee_kind: 'unit', assignee_unit_id: (h.kind === 'grid' ? m.grid : community).id, assignee_unit_path: (h.kind === 'grid' ? m.grid : community).path }),
        }).execute();
      }
      return id;
    };
    for (const m of train) await insert(m, true);
    const testIds: string[] = [];
    for (const m of test) testIds.push(await insert(m, false));
    await sql`ANALYZE cases`.execute(ctx.db);

    // Train through the service, cold.
    clearModelCache();
    const trained = (await trainingTimeFor(ctx.db, grids[0]!.path))!;
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: `bench_c${i}`, password: PASSWORD } });
    const cookie = login.cookies.find((c) => c.name === 'linli_sid')!.value;
    const hits = { cat1: 0, cat3: 0, h1: 0, h3: 0 };
    const times: number[] = [];
    for (const [k, id] of testIds.entries()) {
      const s = process.hrtime.bigint();
      const res = await app.inject({ method: 'GET', url: `/api/cases/${id}/suggestion`, cookies: { linli_sid: cookie } });
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (res.statusCode !== 200) throw new Error(`suggestion ${id}: ${res.statusCode} ${res.body}`);
      const body = res.json() as { categories: { code: string }[]; handlers: { kind: string; id: string }[] };
      const truth = test[k]!;
      const cats3 = body.categories.map((c) => c.code);
      const hs3 = body.handlers.map((h) => `${h.kind}:${h.id}`);
      if (cats3[0] === truth.code) hits.cat1++;
      if (cats3.includes(truth.code)) hits.cat3++;
      if (hs3[0] === truth.label) hits.h1++;
      if (hs3.includes(truth.label)) hits.h3++;
    }
    const n = testIds.length;
    const row = {
      closedCases: size, heldOut: n, trainedOn: trained.count,
      category: { top1: round(hits.cat1 / n), top3: round(hits.cat3 / n) },
      handler: { top1: round(hits.h1 / n), top3: round(hits.h3 / n) },
      trainMs: round(trained.ms, 1),
      suggestMs: { p50: round(percentile(times, 50), 2), p95: round(percentile(times, 95), 2) },
    };
    rows.push(row);

    // The two classifiers on the same split, in memory (the handler as the service learns it).
    const handlerLabel = (m: Made) => (m.handler.kind === 'grid' ? 'own-grid' : m.label);
    const truthHandler = handlerLabel;
    for (const [name, make] of [
      ['naive Bayes α=0.5', () => new NaiveBayes(0.5)], ['naive Bayes α=0.1', () => new NaiveBayes(0.1)],
      ['TF-IDF kNN k=5', () => new TfIdfKnn(5)], ['TF-IDF kNN k=15', () => new TfIdfKnn(15)],
    ] as const) {
      const evaluate = (label: (m: Made) => string) => {
        const m: TextClassifier = make();
        const s0 = performance.now();
        for (const e of train) m.add(e.text, label(e));
        const fit = performance.now() - s0;
        const s1 = performance.now();
        let top1 = 0;
        let top3 = 0;
        for (const e of test) {
          const p = m.predict(e.text, 3).map((x) => x.label);
          if (p[0] === label(e)) top1++;
          if (p.includes(label(e))) top3++;
        }
        return { top1: round(top1 / test.length), top3: round(top3 / test.length), fitMs: round(fit, 1), predictMs: round((performance.now() - s1) / test.length, 3) };
      };
      comparison.push({ closedCases: size, model: name, category: evaluate((m) => m.code), handler: evaluate(truthHandler) });
    }
  }

  let explain: Record<string, string[]> | undefined;
  if (values.explain) {
    const p = (await ctx.db.selectFrom('unit').select('path').where('level', '=', 'community').executeTakeFirstOrThrow()).path;
    const plan = async (q: ReturnType<typeof sql>) => (await q.execute(ctx.db)).rows.map((x) => (x as Record<string, string>)['QUERY PLAN']!);
    explain = {
      stamp: await plan(sql`EXPLAIN ANALYZE SELECT count(*), max(closed_at) FROM cases WHERE state = 'closed' AND unit_path <@ ${p}::ltree`),
      duplicates: await plan(sql`EXPLAIN ANALYZE SELECT id FROM cases WHERE state IN ('reported','accepted','dispatched','in_progress','handled','verified')
        AND category_id = ${catId.get('eight_disorders.parking')!} AND lat BETWEEN 30.5486 AND 30.5514 AND lng BETWEEN 114.2684 AND 114.2716`),
    };
    for (const [k, v] of Object.entries(explain)) console.log(`\n${k}:\n  ${v.join('\n  ')}`);
  }
  await app.close();

  console.log(`\nDispatch suggestion (the service's classifier through GET /api/cases/:id/suggestion; held-out 20 %; ${((Date.now() - t0) / 1000).toFixed(1)} s):\n`);
  console.log('closed  held-out  category top1  top3   handler top1  top3   train ms  suggest p50 ms  p95');
  for (const x of rows as { closedCases: number; heldOut: number; category: { top1: number; top3: number }; handler: { top1: number; top3: number }; trainMs: number; suggestMs: { p50: number; p95: number } }[]) {
    console.log(`${String(x.closedCases).padStart(6)}  ${String(x.heldOut).padStart(8)}  ${x.category.top1.toFixed(3).padStart(13)}  ${x.category.top3.toFixed(3)}  ${x.handler.top1.toFixed(3).padStart(12)}  ${x.handler.top3.toFixed(3)}  ${String(x.trainMs).padStart(8)}  ${String(x.suggestMs.p50).padStart(14)}  ${x.suggestMs.p95}`);
  }
  console.log('\nClassifiers compared in memory on the same split (category top1/top3 · handler top1/top3 · predict ms):\n');
  for (const c of comparison as { closedCases: number; model: string; category: { top1: number; top3: number; predictMs: number }; handler: { top1: number; top3: number } }[]) {
    console.log(`${String(c.closedCases).padStart(6)}  ${c.model.padEnd(18)}  ${c.category.top1.toFixed(3)} / ${c.category.top3.toFixed(3)}  ·  ${c.handler.top1.toFixed(3)} / ${c.handler.top3.toFixed(3)}  ·  ${c.category.predictMs}`);
  }
  return { date: new Date().toISOString(), machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`.trim(), sizes: SIZES, service: rows, comparison, ...(explain ? { explain } : {}) };
}

async function unit(ctx: AppContext, parent: Unit | null, level: 'district' | 'street' | 'community' | 'grid', code: string, name: string): Promise<Unit> {
  const u = await insertUnit(ctx.db, { parent, level, code, name });
  return { id: u.id, path: u.path, region_code: u.regionCode };
}

main().catch((e) => { console.error(e); process.exit(1); });
