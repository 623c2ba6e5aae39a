/**
 * npm run bench:data -- --residents N [--database-url URL | --data-dir DIR] [--seed S] [--years Y]
 *                       [--cases-per-resident C] [--now ISO] [--keep-indexes] [--out FILE]
 *
 * Generates a district into an empty database: the one at --database-url (migrated if needed), or by
 * default a new embedded PostgreSQL in a fresh directory that is kept and printed (--data-dir DIR
 * to choose it). Into that directory go secret.key (the data key the personal data is encrypted
 * under) and bench-district.json (accounts, password, counts), so `LINLI_DATA_DIR=DIR linli serve`
 * opens the generated district. --out FILE writes the whole result, data key included (0600), which
 * `npm run bench -- --database-url URL --district FILE` reads to measure that district without
 * generating it again. Progress on stderr; the summary on stdout.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres } from '../../src/server/core/db/embedded.js';
import { dataKeyFor, DEFAULT_SEED, generateDistrict, type GeneratedDistrict } from './generate.js';

const { values } = parseArgs({
  options: {
    residents: { type: 'string', default: '1000000' },
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    years: { type: 'string', default: '3' },
    'cases-per-resident': { type: 'string', default: '3' },
    now: { type: 'string' },
    'keep-indexes': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

function num(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || raw === '' || !Number.isFinite(n)) {
    console.error(`bench:data: --${name} must be a number, got "${raw}"`);
    process.exit(2);
  }
  return n;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const residents = num('residents', values.residents);
  const seed = num('seed', values.seed);
  let url = values['database-url'];
  let stop: (() => Promise<void>) | null = null;
  let dir: string | null = null;
  let dataKey = process.env.LINLI_DATA_KEY ? Buffer.from(process.env.LINLI_DATA_KEY, 'base64') : dataKeyFor(seed);
  if (!url) {
    dir = path.resolve(values['data-dir'] ?? await fs.mkdtemp(path.join(os.tmpdir(), 'linli-bench-data-')));
    console.error(`bench:data: embedded PostgreSQL in ${dir}`);
    const embedded = await startEmbeddedPostgres({ dataDir: dir, log: (m) => { if (/FATAL|PANIC/.test(m)) console.error(m); } });
    url = embedded.url;
    stop = embedded.stop;
    const keyFile = path.join(dir, 'secret.key');
    const existing = await fs.readFile(keyFile, 'utf8').catch(() => null);
    if (existing) dataKey = Buffer.from(existing.trim(), 'base64');
    else await fs.writeFile(keyFile, dataKey.toString('base64') + '\n', { mode: 0o600 });
  }

  let phase = '';
  let phaseStart = performance.now();
  let lastPrint = 0;
  const result: GeneratedDistrict = await (async () => {
    try {
      return await generateDistrict(url, {
        residents, seed, dataKey,
        years: num('years', values.years),
        casesPerResident: num('cases-per-resident', values['cases-per-resident']),
        now: values.now ? new Date(values.now) : undefined,
        keepIndexes: values['keep-indexes'],
        onProgress: ({ phase: p, done, total }) => {
          const t = performance.now();
          if (p !== phase) { phase = p; phaseStart = t; lastPrint = 0; }
          if (t - lastPrint < 2000 && done < total) return;
          lastPrint = t;
          const secs = (t - phaseStart) / 1000;
          const rate = secs > 0 ? ` ${fmt(done / secs)}/s` : '';
          console.error(`bench:data: ${p.padEnd(12)} ${fmt(done)}/${fmt(total)} (${total ? Math.floor((100 * done) / total) : 100}%)${rate}`);
        },
      });
    } finally {
      if (stop) await stop();
    }
  })();

  if (values.out) await fs.writeFile(values.out, JSON.stringify(result, null, 2) + '\n', { mode: 0o600 });
  if (dir) {
    await fs.writeFile(path.join(dir, 'bench-district.json'), JSON.stringify({ ...result, dataKey: undefined }, null, 2) + '\n', { mode: 0o600 });
  }
  const c = result.counts;
  console.log([
    `bench:data: ${fmt(c.residents!)} residents in ${fmt(c.households!)} households, ${fmt(c.buildings!)} buildings, `
      + `${c.grids} grids, ${c.communities} communities, ${c.streets} streets`,
    `            ${fmt(c.cases!)} cases (${fmt(c.open!)} open, ${fmt(c.closed!)} closed, ${fmt(c.rejected!)} rejected, ${fmt(c.merged!)} merged, `
      + `${fmt(c.overdue!)} ever overdue), ${fmt(c.caseEvents!)} timeline steps, ${fmt(c.workOrders!)} work orders, ${fmt(c.accounts!)} accounts`,
    `            ${fmt(c.rows!)} rows in ${result.seconds.toFixed(1)} s: ${fmt(result.rowsPerSecond)} rows/s`,
    ...(dir ? [`            database and accounts kept in ${dir} (LINLI_DATA_DIR=${dir} linli serve; password ${result.password})`]
      : [`            accounts' password ${result.password}; personal data encrypted under LINLI_DATA_KEY=${result.dataKey}`]),
  ].join('\n'));
}

main().catch((e: unknown) => {
  console.error(`bench:data: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  process.exit(1);
});
