/**
 * node --expose-gc --import tsx scripts/import-100k.ts [rows]
 *
 * The registry import at scale: generates a 居民 workbook of 100 000 rows (or [rows]) with exceljs's
 * streaming writer, then checks and commits it through the import service on a throwaway embedded
 * PostgreSQL, printing the time of each phase and the peak memory of this Node process (sampled every
 * 25 ms; PostgreSQL runs in its own processes). Everything lives in a temporary directory, removed
 * afterwards. Too slow for the test suite, which keeps its largest import at a few thousand rows.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { loadConfig } from '../src/server/core/config.js';
import { createContext } from '../src/server/server.js';
import { loadActor } from '../src/server/core/auth/load-actor.js';
import { insertUnit } from '../src/server/modules/hierarchy/hierarchy.service.js';
import { insertUser } from '../src/server/modules/users/users.service.js';
import { ImportRunner, commitImport, createImport } from '../src/server/modules/registry/import.service.js';
import { idCheckChar } from '../src/shared/validation/id-number.js';

const ROWS = Number(process.argv[2] ?? 100_000);

const BUILDINGS = 200;
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国志强春梅海燕文博子涵浩然欣怡梓萱宇轩';

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Peak memory of this process while `fn` runs. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; rss: number; heap: number }> {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 25);
  const started = Date.now();
  try {
    const value = await fn();
    sample();
    return { value, ms: Date.now() - started, rss, heap };
  } finally {
    clearInterval(timer);
  }
}

async function writeWorkbook(file: string, rows: number): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: true });
  const ws = wb.addWorksheet('居民');
  ws.addRow(['姓名*', '身份证号码*', '性别', '出生日期', '联系电话', '民族', '政治面貌', '与户主关系', '户籍类型', '楼栋*', '单元', '房号*', '迁入日期', '标签']).commit();
  const base = Date.UTC(1940, 0, 1);
  for (let i = 0; i < rows; i++) {
    // Unique ID numbers: a birth date from 1940 on, and a sequence number per 25 000 people.
    const birth = new Date(base + (i % 25_000) * 86_400_000);
    const ymd = birth.toISOString().slice(0, 10).replace(/-/g, '');
    const first17 = `420105${ymd}${String(100 + Math.floor(i / 25_000)).padStart(3, '0')}`;
    const floor = 1 + (i % 18);
    ws.addRow([
      SURNAMES[i % SURNAMES.length]! + GIVEN[(i * 7) % GIVEN.length]! + (i % 3 ? GIVEN[(i * 13) % GIVEN.length]! : ''),
      first17 + idCheckChar(first17),
      null,
      null,
      `139${String(i).padStart(8, '0')}`,
      i % 20 ? '汉族' : '回族',
      i % 9 ? '群众' : '中共党员',
      i % 4 ? '子女' : '户主',
      i % 6 ? '户籍' : '流动',
      `${1 + (i % BUILDINGS)}栋`,
      `${1 + (Math.floor(i / BUILDINGS) % 2)}单元`,
      `${String(floor).padStart(2, '0')}0${1 + (Math.floor(i / (BUILDINGS * 2)) % 4)}`,
      '2015-03-01',
      i % 7 === 0 ? '独居' : i % 11 === 0 ? '高龄、退役军人' : null,
    ]).commit();
  }
  ws.commit();
  await wb.commit();
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

    const check = await measured(async () => {
      const id = await createImport(ctx, runner, actor, { unitId: community.id, fileName: 'residents.xlsx' }, fs.createReadStream(file));
      await runner.settled(id);
      return ctx.db.selectFrom('import_job').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    });
    const job = check.value;
    console.log(`Check:  ${secs(check.ms)} (${Math.round(ROWS / (check.ms / 1000))} rows/s) → ${job.status}: ${job.valid_rows} valid, ${job.error_rows} with problems, ${job.new_rows} new`);
    if (job.status !== 'ready') throw new Error(`import failed: ${job.message_key}`);

    const commit = await measured(async () => {
      await commitImport(ctx, runner, actor, { actorId: userId, actorUsername: 'bench', ip: null }, job.id);
      await runner.settled(job.id);
      return ctx.db.selectFrom('import_job').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    });
    const done = commit.value;
    const residents = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM resident`.execute(ctx.db)).rows[0]!.n);
    console.log(`Commit: ${secs(commit.ms)} (${Math.round(ROWS / (commit.ms / 1000))} rows/s) → ${done.status}: ${done.new_rows} new, ${done.households_created} households; ${residents} residents in the registry`);
    console.log(`Memory of this process: before the import RSS ${mb(baseline.rss)} / heap ${mb(baseline.heapUsed)}; ` +
      `peak while checking RSS ${mb(check.rss)} / heap ${mb(check.heap)}; peak while committing RSS ${mb(commit.rss)} / heap ${mb(commit.heap)}`);
    if (done.status !== 'committed' || residents !== ROWS) process.exitCode = 1;
    await runner.close();
  } finally {
    await database.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

const run = process.argv[2] === '--write' ? () => writeWorkbook(process.argv[3]!, Number(process.argv[4])) : main;
run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
