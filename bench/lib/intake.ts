/**
 * Benchmark 1 — case intake. Grid workers report cases over HTTP (POST /api/cases: a category, a
 * description from the case-text generator, a point inside the worker's own grid, an Idempotency-Key per
 * request) at N concurrent clients; side by side, under the same load generator: (a) the bare Fastify
 * route of bench/lib/bare-server.ts in its own process, and (b) the rows one report writes, sent
 * straight through `pg` in a transaction each — the case number counter, the case, its timeline row, the
 * audit row and the notifications, then (as Linli does after commit) the notification deliveries. The
 * rows of (b) are copies of a case Linli has just stored, column for column, so the statements are the
 * ones Linli runs.
 */
import path from 'node:path';
import pg from 'pg';
import { inGeometry } from '../../src/shared/geo.js';
import { CASE_TEXT_CATEGORIES, TYPICAL_CATEGORY_WEIGHTS, caseText } from '../../src/server/demo/case-texts.js';
import { Random } from '../../src/server/demo/random.js';
import type { BenchEnv, BenchResult } from './env.js';
import { request, runLoad, target, type LatencyStats } from './load.js';
import { startNode } from './processes.js';
import { sampleWaits } from './waits.js';

interface Column { name: string; type: string }

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The columns an INSERT gives (not identity, not generated), with their SQL types. */
async function insertable(pool: pg.Pool, table: string): Promise<Column[]> {
  const { rows } = await pool.query<Column>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = '' AND a.attgenerated = ''
      ORDER BY a.attnum`, [table]);
  return rows;
}

/** Rows of `table` as text, in the order of `cols`. */
async function rowsAsText(pool: pg.Pool, table: string, cols: Column[], where: string, params: unknown[]): Promise<(string | null)[][]> {
  const res = await pool.query({ text: `SELECT ${cols.map((c) => `${ident(c.name)}::text`).join(', ')} FROM ${ident(table)} WHERE ${where} ORDER BY id`, values: params, rowMode: 'array' });
  return res.rows as (string | null)[][];
}

function insertSql(table: string, cols: Column[], returning: string | null): string {
  return `INSERT INTO ${ident(table)} (${cols.map((c) => ident(c.name)).join(', ')}) VALUES (${cols.map((c, i) => `$${i + 1}::${c.type}`).join(', ')})${returning ? ` RETURNING ${returning}` : ''}`;
}

/** A template row with some columns replaced. */
function withValues(cols: Column[], row: (string | null)[], set: Record<string, string | null>): (string | null)[] {
  return cols.map((c, i) => (c.name in set ? set[c.name]! : row[i]!));
}

/** A point inside each grid (bbox centre when inside the outline, else a seeded search of its box). */
async function pointsInGrids(pool: pg.Pool, gridIds: string[]): Promise<Map<string, { lng: number; lat: number; name: string }>> {
  const { rows } = await pool.query<{ id: string; name: string; boundary: { type: string; coordinates: unknown } | null; bbox: number[] | null }>(
    'SELECT id::text, name, boundary, bbox FROM unit WHERE id = ANY($1::bigint[])', [gridIds]);
  const out = new Map<string, { lng: number; lat: number; name: string }>();
  const r = new Random(61);
  for (const u of rows) {
    if (!u.boundary || !u.bbox) continue;
    const [w, s, e, n] = u.bbox as [number, number, number, number];
    let p = { lng: (w + e) / 2, lat: (s + n) / 2 };
    for (let i = 0; i < 200 && !inGeometry(p.lng, p.lat, u.boundary); i++) p = { lng: r.between(w, e), lat: r.between(s, n) };
    if (inGeometry(p.lng, p.lat, u.boundary)) out.set(u.id, { ...p, name: u.name });
  }
  return out;
}

export async function intake(env: BenchEnv): Promise<BenchResult> {
  const { concurrency } = env.load;
  const workers = (await env.sessions('grid_worker', Math.max(concurrency, 1)));
  if (workers.length === 0) return { skipped: 'no grid worker accounts in the data' };
  const points = await pointsInGrids(env.pool, [...new Set(workers.map((w) => w.account.unitId))]);
  const reporters = workers.filter((w) => points.has(w.account.unitId));
  if (reporters.length === 0) return { skipped: 'no grid of the grid workers has an outline to report a point in' };

  const active = new Set((await env.pool.query<{ code: string }>('SELECT code FROM case_category WHERE is_active')).rows.map((x) => x.code));
  const choices = CASE_TEXT_CATEGORIES.filter((c) => active.has(c)).map((c) => [c, TYPICAL_CATEGORY_WEIGHTS[c] ?? 1] as const);
  if (choices.length === 0) return { skipped: 'none of the case-text categories is an active category' };
  const r = new Random(6);
  const bodies = Array.from({ length: 2000 }, () => {
    const code = r.weighted(choices);
    return { categoryCode: code, description: caseText(r, code) };
  });
  const run = `${Date.now().toString(36)}`;
  const body = (client: number, seq: number) => {
    const w = reporters[client % reporters.length]!;
    const p = points.get(w.account.unitId)!;
    return { w, json: { ...bodies[seq % bodies.length]!, lng: p.lng, lat: p.lat, address: `${p.name}内`, urgency: 'normal' } };
  };

  // Every reporter's point is accepted (and the path warmed) before anything is measured.
  for (let i = 0; i < reporters.length; i++) {
    const { w, json } = body(i, i);
    const res = await request(env.http, 'POST', '/api/cases', { cookie: w.cookie, json, headers: { 'idempotency-key': `bench-${run}-probe-${i}` } });
    if (res.status !== 201) throw new Error(`intake: a report of ${w.account.username} answered ${res.status} ${res.body.slice(0, 300)}`);
  }

  env.progress(`intake: Linli, ${concurrency} clients, ${reporters.length} grid workers`);
  const linliWaits = sampleWaits(env.pool);
  const linli = await runLoad({ ...env.load, onTick: env.tick('intake linli') }, async (client, seq) => {
    const { w, json } = body(client, seq);
    const res = await request(env.http, 'POST', '/api/cases', { cookie: w.cookie, json, headers: { 'idempotency-key': `bench-${run}-${seq}` } });
    if (res.status !== 201) throw new Error(`POST /api/cases ${res.status} ${res.body.slice(0, 200)}`);
  }).finally(() => linliWaits.stop());

  env.progress('intake: bare Fastify');
  const bare = await startNode('bare-fastify', ['--import', 'tsx', path.join('bench', 'lib', 'bare-server.ts')], { ...process.env }, { readyPath: '/healthz' });
  let bareStats: LatencyStats;
  try {
    const t = target(bare.port, concurrency);
    bareStats = await runLoad({ ...env.load, onTick: env.tick('intake bare') }, async (client, seq) => {
      const { json } = body(client, seq);
      const res = await request(t, 'POST', '/api/cases', { json, headers: { 'idempotency-key': `bench-${run}-${seq}` } });
      if (res.status !== 201) throw new Error(`bare POST /api/cases ${res.status} ${res.body.slice(0, 200)}`);
    });
    t.agent.destroy();
  } finally {
    await bare.stop();
  }

  env.progress('intake: the same INSERTs through pg');
  const raw = await rawInserts(env, run);
  await removeRun(env, run);
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);
  return {
    parameters: { concurrency, duration: env.load.duration, warmup: env.load.warmup, reporters: reporters.length, categories: choices.length, statementsPerReport: raw.statements },
    figures: {
      linli, bareFastify: bareStats, rawInsert: raw.stats,
      ratios: { intakeToRaw: ratio(linli.throughput, raw.stats.throughput), intakeToBare: ratio(linli.throughput, bareStats.throughput) },
      // Mean database sessions per state while each ran (pg_stat_activity every 100 ms): where the time went.
      sessions: { linli: await linliWaits.stop(), rawInsert: raw.waits },
    },
  };
}

/**
 * Take this run's reports out again (Linli's and the raw ones, with their timelines and
 * notifications; the audit log keeps its rows): tens of thousands of new open cases would make every
 * later work list, and the next run on the same district (--district), measure a different district.
 */
async function removeRun(env: BenchEnv, run: string): Promise<void> {
  env.progress('intake: removing this run\'s reports');
  const c = await env.pool.connect();
  try {
    await c.query('BEGIN');
    // The timeline is append-only by trigger: for this clean-up only, as the superuser the benchmark
    // connects as, triggers are not fired (the rows are deleted children first, so no key is left dangling).
    await c.query("SET LOCAL session_replication_role = 'replica'");
    await c.query(`CREATE TEMP TABLE bench_gone ON COMMIT DROP AS
      SELECT id, unit_id FROM cases WHERE idempotency_key LIKE $1 OR idempotency_key LIKE $2`, [`bench-${run}-%`, `raw-${run}-%`]);
    await c.query('DELETE FROM notification_delivery d USING notification n, bench_gone g WHERE d.notification_id = n.id AND n.case_id = g.id');
    for (const table of ['notification', 'case_event', 'work_order', 'attachment']) {
      await c.query(`DELETE FROM ${table} t USING bench_gone g WHERE t.case_id = g.id`);
    }
    // With triggers off the cockpit's tally (migrations/0023) is not told: take the cases out of it here
    // (as the trigger would: changes the watch folds in).
    await c.query(`SELECT case_tally_add(p, c.source, -1) FROM cases c JOIN bench_gone g ON g.id = c.id
      CROSS JOIN LATERAL case_tally_part(c.unit_id, c.created_at, c.category_id, c.state, c.was_overdue,
        c.response_deadline, c.responded_at, c.rating, c.overdue_level, c.closed_at) AS p`);
    await c.query('DELETE FROM cases t USING bench_gone g WHERE t.id = g.id');
    // The district as it was: the tally of the units this run wrote to agrees with their cases.
    const { rows: [off] } = await c.query<{ n: string }>(`
      WITH units AS (SELECT DISTINCT unit_id FROM bench_gone),
      kept AS (SELECT * FROM case_tally_current WHERE unit_id IN (SELECT unit_id FROM units) AND n <> 0),
      counted AS (SELECT * FROM case_tally_counted WHERE unit_id IN (SELECT unit_id FROM units))
      SELECT count(*) AS n FROM ((SELECT * FROM kept EXCEPT SELECT * FROM counted) UNION ALL (SELECT * FROM counted EXCEPT SELECT * FROM kept)) d`);
    if (Number(off!.n) !== 0) throw new Error(`intake: the cockpit's tally disagrees with the cases in ${off!.n} rows after removing the run`);
    await c.query('COMMIT');
    // The deleted rows' index entries gone too, and the visibility map set again for index-only scans.
    await c.query('VACUUM (ANALYZE) cases');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}

/** (b): the rows of the last case Linli stored in this run, written again per "report" through pg. */
async function rawInserts(env: BenchEnv, run: string): Promise<{ stats: LatencyStats; statements: string[]; waits: Record<string, number> }> {
  const { pool } = env;
  // One template per grid the run reported in (its last case there): each raw client writes in its own
  // grid as each Linli client did, so that neither meets the other clients on the same rows (the
  // cockpit's tally row of a grid and month, migrations/0023).
  const tpls = (await pool.query<{ id: string; number: string }>(`
    SELECT DISTINCT ON (unit_id) id::text, number FROM cases WHERE idempotency_key LIKE $1 ORDER BY unit_id, id DESC`, [`bench-${run}-%`])).rows;
  if (tpls.length === 0) throw new Error('intake: no case of this run to copy');
  const m = /^(.*)-(\d{4})(\d{2})(\d{2})-\d+$/.exec(tpls[0]!.number);
  if (!m) throw new Error(`intake: unexpected case number ${tpls[0]!.number}`);
  const [prefix, day] = [m[1]!, `${m[2]}-${m[3]}-${m[4]}`];

  const cols = {
    cases: await insertable(pool, 'cases'),
    case_event: await insertable(pool, 'case_event'),
    audit_log: await insertable(pool, 'audit_log'),
    notification: await insertable(pool, 'notification'),
    notification_delivery: await insertable(pool, 'notification_delivery'),
  };
  const templates = await Promise.all(tpls.map(async (tpl) => {
    const caseRow = (await rowsAsText(pool, 'cases', cols.cases, 'id = $1', [tpl.id]))[0]!;
    const events = await rowsAsText(pool, 'case_event', cols.case_event, 'case_id = $1', [tpl.id]);
    const audits = await rowsAsText(pool, 'audit_log', cols.audit_log, "resource_type = 'case' AND resource_id = $1", [tpl.id]);
    const notifs = await rowsAsText(pool, 'notification', cols.notification, 'case_id = $1', [tpl.id]);
    const notifIds = (await pool.query<{ id: string }>('SELECT id::text FROM notification WHERE case_id = $1 ORDER BY id', [tpl.id])).rows.map((x) => x.id);
    const deliveries = notifIds.length
      ? await rowsAsText(pool, 'notification_delivery', cols.notification_delivery, 'notification_id = ANY($1::bigint[])', [notifIds])
      : [];
    const deliveryOf = deliveries.map((d) => notifIds.indexOf(d[cols.notification_delivery.findIndex((c) => c.name === 'notification_id')]!));
    return { caseRow, events, audits, notifs, deliveries, deliveryOf };
  }));
  const { events, audits, notifs, deliveries } = templates[0]!;

  const counterSql = 'INSERT INTO case_number_counter (prefix, day, last) VALUES ($1, $2::date, 1) ON CONFLICT (prefix, day) DO UPDATE SET last = case_number_counter.last + 1 RETURNING last';
  const sqls = {
    cases: insertSql('cases', cols.cases, 'id'),
    case_event: insertSql('case_event', cols.case_event, 'id'),
    audit_log: insertSql('audit_log', cols.audit_log, null),
    notification: insertSql('notification', cols.notification, 'id'),
    notification_delivery: insertSql('notification_delivery', cols.notification_delivery, null),
  };
  const statements = [
    counterSql, 'BEGIN', sqls.cases, ...events.map(() => sqls.case_event), ...audits.map(() => sqls.audit_log), ...notifs.map(() => sqls.notification), 'COMMIT',
    ...deliveries.map(() => sqls.notification_delivery),
  ].map((s) => s.replace(/\s+/g, ' ').slice(0, 60) + (s.length > 60 ? '…' : ''));

  const raw = new pg.Pool({ connectionString: env.url, max: env.load.concurrency });
  raw.on('error', () => {}); // an idle connection dropping is not a result: a query on it fails and counts
  try {
    // One connection per client, opened before the clock starts.
    const clients = await Promise.all(Array.from({ length: env.load.concurrency }, () => raw.connect()));
    clients.forEach((c) => c.release());
    const waits = sampleWaits(env.pool);
    const stats = await runLoad({ ...env.load, onTick: env.tick('intake raw') }, async (client, seq) => {
      const c = await raw.connect();
      const { caseRow, events, audits, notifs, deliveries, deliveryOf } = templates[client % templates.length]!;
      try {
        const now = new Date().toISOString();
        // As Linli does: the day's number in its own short transaction, then the report's rows in one.
        const last = (await c.query<{ last: number }>(counterSql, [prefix, day])).rows[0]!.last;
        await c.query('BEGIN');
        const number = `${prefix}-${day.replaceAll('-', '')}-${String(last).padStart(4, '0')}`;
        const id = (await c.query<{ id: string }>(sqls.cases, withValues(cols.cases, caseRow, { number, idempotency_key: `raw-${run}-${seq}`, created_at: now, updated_at: now }))).rows[0]!.id;
        for (const e of events) await c.query(sqls.case_event, withValues(cols.case_event, e, { case_id: id, occurred_at: now }));
        for (const a of audits) await c.query(sqls.audit_log, withValues(cols.audit_log, a, { resource_id: id, occurred_at: now }));
        const nIds: string[] = [];
        for (const n of notifs) nIds.push((await c.query<{ id: string }>(sqls.notification, withValues(cols.notification, n, { case_id: id, created_at: now }))).rows[0]!.id);
        await c.query('COMMIT');
        for (let i = 0; i < deliveries.length; i++) {
          await c.query(sqls.notification_delivery, withValues(cols.notification_delivery, deliveries[i]!, { notification_id: nIds[deliveryOf[i]!] ?? null, attempted_at: now }));
        }
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    }).finally(() => waits.stop());
    return { stats, statements, waits: await waits.stop() };
  } finally {
    await raw.end();
  }
}
