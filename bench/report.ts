/**
 * npm run bench:report — rewrite the tables of BENCHMARKS.md from bench/results/<bench>.<db>.<size>.json,
 * between the marker comments `<!-- bench:<table>:begin -->` and `<!-- bench:<table>:end -->` (tables:
 * machine, intake, lists, cockpit, search, import); the text around them is left as it is.
 *
 *   npm run bench:report [-- --size small] [-- --tmp]    (--tmp: also the tiny runs' .tmp files, to try it)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const DOC = path.join(ROOT, 'BENCHMARKS.md');
const TABLES = ['machine', 'intake', 'lists', 'cockpit', 'search', 'import'] as const;

const { values } = parseArgs({ options: { size: { type: 'string' }, tmp: { type: 'boolean', default: false } } });

interface Stats { throughput: number; p50: number; p99: number; max: number; requests: number; errors: number }
// The result files are this harness's own output: read loosely, shown as found.
type Doc = Record<string, any>;

const SIZE_ORDER = ['tiny', 'small', 'full'];
const DB_ORDER = ['embedded', 'server'];

function load(): Doc[] {
  if (!fs.existsSync(RESULTS)) return [];
  const docs: Doc[] = [];
  for (const f of fs.readdirSync(RESULTS)) {
    const m = /^(intake|lists|cockpit|search|import)\.(embedded|server)\.([\w-]+)\.(json|tmp)$/.exec(f);
    if (!m || (m[4] === 'tmp' && !values.tmp)) continue;
    if (values.size && m[3] !== values.size) continue;
    docs.push(JSON.parse(fs.readFileSync(path.join(RESULTS, f), 'utf8')) as Doc);
  }
  const rank = (xs: string[], x: string) => (xs.includes(x) ? xs.indexOf(x) : xs.length);
  return docs.sort((a, b) => rank(SIZE_ORDER, a.size) - rank(SIZE_ORDER, b.size) || String(a.size).localeCompare(String(b.size))
    || rank(DB_ORDER, a.db) - rank(DB_ORDER, b.db));
}

const n = (x: unknown, d = 0) => (typeof x === 'number' && Number.isFinite(x) ? x.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d }) : '–');
const ms = (x: unknown) => n(x, 1);
const ratio = (x: unknown) => (typeof x === 'number' ? `${n(x * 100, 0)} %` : '–');
const times = (x: unknown) => (typeof x === 'number' ? `${n(x, 2)}×` : '–');

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '_No results yet: run `npm run bench`._';
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A row saying why a benchmark has no figures, or null when it has. */
function missing(d: Doc, width: number): string[] | null {
  const why = d.skipped ? `skipped: ${d.skipped}` : d.error ? `failed: ${String(d.error).split('\n')[0]}` : null;
  if (!why) return null;
  return [d.db, d.size, why, ...Array(Math.max(0, width - 3)).fill('')];
}

const lat = (s: Stats | undefined) => (s ? [n(s.throughput, 1), ms(s.p50), ms(s.p99), ms(s.max)] : ['–', '–', '–', '–']);

const render: Record<(typeof TABLES)[number], (docs: Doc[]) => string> = {
  machine(docs) {
    const seen = new Map<string, Doc>();
    for (const d of docs) seen.set(`${d.db}.${d.size}`, d);
    return table(['db', 'size', 'residents', 'cases', 'CPU', 'cores', 'RAM', 'OS', 'Node', 'PostgreSQL', 'load avg at start', 'measured'], [...seen.values()].map((d) => [
      d.db, d.size, n(d.residents), n(d.data?.counts?.cases), d.machine?.cpu ?? '–', n(d.machine?.cores), `${n(d.machine?.memoryGb, 1)} GB`, d.machine?.os ?? '–',
      d.machine?.node ?? '–', d.machine?.postgres ?? '–', n(d.machine?.loadAverage, 1), String(d.measuredAt ?? '').slice(0, 10),
    ]));
  },
  intake(docs) {
    const head = ['db', 'size', 'target', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'Linli ÷ target'];
    const rows: string[][] = [];
    for (const d of docs.filter((x) => x.bench === 'intake')) {
      const m = missing(d, head.length);
      if (m) { rows.push(m); continue; }
      const f = d.figures;
      rows.push([d.db, d.size, 'Linli POST /api/cases', ...lat(f.linli), '']);
      rows.push([d.db, d.size, 'the same INSERTs through pg', ...lat(f.rawInsert), ratio(f.ratios?.intakeToRaw)]);
      rows.push([d.db, d.size, 'bare Fastify route', ...lat(f.bareFastify), ratio(f.ratios?.intakeToBare)]);
    }
    return table(head, rows);
  },
  lists(docs) {
    const head = ['db', 'size', 'list', 'accounts', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'mean total'];
    const rows: string[][] = [];
    for (const d of docs.filter((x) => x.bench === 'lists')) {
      const m = missing(d, head.length);
      if (m) { rows.push(m); continue; }
      for (const [label, key] of [["grid worker's 我的待办 (mine), first page", 'gridWorkerMine'], ["street's 超期 (overdue), first page", 'streetOverdue']] as const) {
        const s = d.figures[key];
        rows.push([d.db, d.size, label, n(s?.accounts), ...lat(s), n(s?.meanTotal)]);
      }
    }
    return table(head, rows);
  },
  cockpit(docs) {
    const head = ['db', 'size', 'year', 'streets', 'endpoint median ms', 'endpoint max ms', 'hand-written SQL median ms', 'endpoint ÷ SQL'];
    const rows: string[][] = [];
    for (const d of docs.filter((x) => x.bench === 'cockpit')) {
      const m = missing(d, head.length);
      if (m) { rows.push(m); continue; }
      const f = d.figures;
      rows.push([d.db, d.size, String(d.parameters?.year ?? '–'), n(d.parameters?.streets), ms(f.endpointMedianMs), ms(f.endpointMaxMs), ms(f.referenceMedianMs), times(f.ratio)]);
    }
    return table(head, rows);
  },
  search(docs) {
    const head = ['db', 'size', 'caller', 'search', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'found'];
    const rows: string[][] = [];
    const shapes: Record<string, string> = { initials: 'pinyin initials', idNumber: 'exact ID number', tag: 'care tag' };
    for (const d of docs.filter((x) => x.bench === 'search')) {
      const m = missing(d, head.length);
      if (m) { rows.push(m); continue; }
      for (const [caller, byShape] of Object.entries(d.figures as Record<string, Record<string, any>>)) {
        for (const [shape, s] of Object.entries(byShape)) {
          if (shape === 'accounts') continue;
          if (s?.skipped) rows.push([d.db, d.size, caller, shapes[shape] ?? shape, `skipped: ${s.skipped}`, '', '', '', '']);
          else rows.push([d.db, d.size, caller, shapes[shape] ?? shape, ...lat(s), ratio(s?.foundShare)]);
        }
      }
    }
    return table(head, rows);
  },
  import(docs) {
    const head = ['db', 'size', 'rows', 'file MB', 'Linli rows/s', 'check s', 'commit s', 'COPY rows/s', 'Linli ÷ COPY', 'server RSS before → peak MB', 'VmHWM MB'];
    const rows: string[][] = [];
    for (const d of docs.filter((x) => x.bench === 'import')) {
      const m = missing(d, head.length);
      if (m) { rows.push(m); continue; }
      const f = d.figures;
      rows.push([
        d.db, d.size, n(d.parameters?.rows), n(d.parameters?.fileMb, 1), n(f.linli?.rowsPerSecond), n(f.linli?.checkSeconds, 1), n(f.linli?.commitSeconds, 1),
        n(f.rawCopy?.rowsPerSecond), ratio(f.ratio), `${n(f.memory?.rssBeforeMb)} → ${n(f.memory?.peakRssMb)}`, n(f.memory?.vmHwmMb),
      ]);
    }
    return table(head, rows);
  },
};

function main(): number {
  if (!fs.existsSync(DOC)) {
    console.error(`bench:report: ${path.relative(process.cwd(), DOC)} is not there`);
    return 1;
  }
  const docs = load();
  let text = fs.readFileSync(DOC, 'utf8');
  const absent: string[] = [];
  for (const t of TABLES) {
    const begin = `<!-- bench:${t}:begin -->`;
    const end = `<!-- bench:${t}:end -->`;
    const a = text.indexOf(begin);
    const b = text.indexOf(end);
    if (a < 0 || b < a) { absent.push(t); continue; }
    text = `${text.slice(0, a + begin.length)}\n${render[t](docs)}\n${text.slice(b)}`;
  }
  fs.writeFileSync(DOC, text);
  console.log(`bench:report: ${docs.length} result file(s) → ${path.relative(process.cwd(), DOC)}`);
  if (absent.length) {
    console.error(`bench:report: no markers for ${absent.join(', ')} (<!-- bench:<table>:begin --> … <!-- bench:<table>:end -->)`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
