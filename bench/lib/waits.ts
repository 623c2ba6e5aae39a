/**
 * What the database sessions were doing while a load ran: pg_stat_activity sampled every 100 ms, the
 * share of samples per state / wait event of the other sessions of this database (a lock convoy, the
 * WAL flush, the client …). A diagnostic beside the figures, to show where the time goes.
 */
import type pg from 'pg';

export function sampleWaits(pool: pg.Pool, everyMs = 100): { stop(): Promise<Record<string, number>> } {
  const counts = new Map<string, number>();
  let samples = 0;
  let busy: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (busy) return;
    busy = pool.query<{ what: string; n: number }>(
      `SELECT CASE WHEN state = 'active' THEN 'active: ' || coalesce(wait_event_type || '/' || wait_event, 'running')
                   ELSE coalesce(state, 'unknown') END AS what, count(*)::int AS n
         FROM pg_stat_activity
        WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND datname = current_database()
        GROUP BY 1`)
      .then(({ rows }) => {
        samples++;
        for (const r of rows) counts.set(r.what, (counts.get(r.what) ?? 0) + r.n);
      })
      .catch(() => {})
      .finally(() => { busy = null; });
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      // Mean number of sessions in each state per sample, largest first.
      return Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round((v / Math.max(samples, 1)) * 10) / 10]));
    },
  };
}
