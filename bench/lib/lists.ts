/**
 * Benchmark 2 — work lists. The first page of a grid worker's default work list, as the web's work-list
 * page asks for it (src/web/pages/cases/CaseListPage.tsx: a grid worker's first tab is 我的待办 `mine`,
 * sorted by deadline, 20 a page), the requests spread over many grid workers; and a street's overdue
 * list (`overdue`, by deadline) as street staff. N concurrent clients each.
 */
import type { BenchEnv, BenchResult } from './env.js';
import { request, runLoad } from './load.js';

const PAGE = 'limit=20&offset=0';

async function measureList(env: BenchEnv, label: string, sessions: { cookie: string }[], query: string) {
  let totals = 0;
  let nonEmpty = 0;
  let answers = 0;
  const stats = await runLoad({ ...env.load, onTick: env.tick(label) }, async (client, seq) => {
    // Client c asks as a different account each time: over the run every account's list is read.
    const s = sessions[(client + seq) % sessions.length]!;
    const res = await request(env.http, 'GET', `/api/cases?${query}`, { cookie: s.cookie });
    if (res.status !== 200) throw new Error(`GET /api/cases?${query} ${res.status} ${res.body.slice(0, 200)}`);
    const total = (JSON.parse(res.body) as { total: number }).total;
    answers++;
    totals += total;
    if (total > 0) nonEmpty++;
  });
  return { ...stats, accounts: sessions.length, meanTotal: answers ? Math.round(totals / answers) : 0, nonEmptyShare: answers ? Math.round((nonEmpty / answers) * 1000) / 1000 : 0 };
}

export async function lists(env: BenchEnv): Promise<BenchResult> {
  const workers = await env.sessions('grid_worker', 200);
  const streets = await env.sessions('street_staff', 100);
  if (workers.length === 0 || streets.length === 0) return { skipped: 'no grid worker or street staff accounts in the data' };
  const mine = `list=mine&sort=deadline&${PAGE}`;
  const overdue = `list=overdue&sort=deadline&${PAGE}`;
  env.progress(`lists: grid workers' ${mine}`);
  const gridWorkerMine = await measureList(env, 'lists mine', workers, mine);
  env.progress(`lists: streets' ${overdue}`);
  const streetOverdue = await measureList(env, 'lists overdue', streets, overdue);
  return {
    parameters: { concurrency: env.load.concurrency, duration: env.load.duration, warmup: env.load.warmup, gridWorkerQuery: mine, streetQuery: overdue },
    figures: { gridWorkerMine, streetOverdue },
  };
}
