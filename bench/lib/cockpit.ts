/**
 * Benchmark 3 — the street cockpit for a year. For each street, GET /api/cockpit/summary for the last
 * full Beijing year as that street's staff, against bench/cockpit-reference.sql (the hand-written query
 * computing the same figures) through pg. One request at a time: the absolute time per street-year is
 * the figure; each is run once to warm up, then `runs` times (median and max kept).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchEnv, BenchResult } from './env.js';
import { request } from './load.js';
import { ROOT } from './processes.js';

const REFERENCE = path.join(ROOT, 'bench', 'cockpit-reference.sql');

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)] ?? 0; };
const r1 = (x: number) => Math.round(x * 10) / 10;

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function cockpit(env: BenchEnv, runs: number): Promise<BenchResult> {
  const api = await request(env.http, 'GET', '/api/openapi.json');
  const paths = api.status === 200 ? Object.keys((JSON.parse(api.body) as { paths?: Record<string, unknown> }).paths ?? {}) : [];
  if (!paths.includes('/api/cockpit/summary')) return { skipped: 'Linli has no GET /api/cockpit/summary yet' };
  if (!fs.existsSync(REFERENCE)) return { skipped: 'bench/cockpit-reference.sql is not there yet' };
  const reference = fs.readFileSync(REFERENCE, 'utf8');

  const year = Number(new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 4)) - 1;
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  const fromTs = `${year}-01-01T00:00:00+08:00`;
  const toTs = `${year + 1}-01-01T00:00:00+08:00`;

  const staff = await env.sessions('street_staff', 1000);
  const streets: { id: string; name: string; endpoint: { median: number; max: number }; reference: { median: number; max: number }; ratio: number | null; rows: number }[] = [];
  for (const st of env.data.streets) {
    const s = staff.find((x) => x.account.unitId === st.id);
    if (!s) continue;
    const url = `/api/cockpit/summary?unitId=${st.id}&from=${from}&to=${to}`;
    const callEndpoint = async () => {
      const res = await request(env.http, 'GET', url, { cookie: s.cookie });
      if (res.status !== 200) throw new Error(`GET ${url} ${res.status} ${res.body.slice(0, 300)}`);
    };
    let rows = 0;
    const callReference = async () => { rows = (await env.pool.query(reference, [st.path, fromTs, toTs])).rowCount ?? 0; };
    await callEndpoint();
    await callReference();
    const e: number[] = [];
    const q: number[] = [];
    for (let i = 0; i < runs; i++) {
      e.push(await timed(callEndpoint));
      q.push(await timed(callReference));
    }
    const name = (await env.pool.query<{ name: string }>('SELECT name FROM unit WHERE id = $1', [st.id])).rows[0]?.name ?? st.id;
    streets.push({
      id: st.id, name, rows,
      endpoint: { median: r1(median(e)), max: r1(Math.max(...e)) },
      reference: { median: r1(median(q)), max: r1(Math.max(...q)) },
      ratio: median(q) > 0 ? Math.round((median(e) / median(q)) * 100) / 100 : null,
    });
    env.progress(`cockpit: ${name} ${r1(median(e))} ms vs reference ${r1(median(q))} ms`);
  }
  if (streets.length === 0) return { skipped: 'no street staff account bound to a street of the data' };
  const em = streets.map((s) => s.endpoint.median);
  const qm = streets.map((s) => s.reference.median);
  return {
    parameters: { year, from, to, runs, streets: streets.length },
    figures: {
      endpointMedianMs: r1(median(em)), endpointMaxMs: r1(Math.max(...streets.map((s) => s.endpoint.max))),
      referenceMedianMs: r1(median(qm)),
      ratio: median(qm) > 0 ? Math.round((median(em) / median(qm)) * 100) / 100 : null,
      streets,
    },
  };
}
