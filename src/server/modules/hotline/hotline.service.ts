import fsp from 'node:fs/promises';
import { BackgroundJobs, Interrupted, type JobLogger } from '../../core/jobs.js';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { AppContext } from '../../core/context.js';
import type { Executor, Trx } from '../../core/db/index.js';
import { pathWithin, type Actor } from '../../core/access/actor.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, conflict, invalid, notFound } from '../../core/http/errors.js';
import { isMessageKey, translate, type Locale, type MessageKey, type Params } from '../../../shared/i18n/index.js';
import type { ReportCaseInput } from '../../../shared/cases.schemas.js';
import {
  HOTLINE_FIELDS, HOTLINE_MAX_BYTES, REQUIRED_FIELDS, type CreateSourceInput, type HotlineField, type HotlineJobView,
  type HotlineMapping, type HotlineMappingView, type HotlineRowView, type MappingProposal, type SourceView, type UpdateSourceInput,
  type ValidateInput,
} from '../../../shared/hotline.schemas.js';
import { recordReport } from '../cases/cases.service.js';
import { deliverQuietly, type PendingNotification } from '../notifications/notifications.service.js';
import { receiveUpload } from '../registry/import.service.js';
import { FileProblem, detectFormat, fileRows, inspectFile } from './hotline.files.js';
import { DEFAULT_URGENCIES, fold, mappingTables, missingColumns, readOrderRow, suggestColumns, type CellValue, type OrderValues, type RowMessage } from './hotline.mapping.js';
import { Placer, type Placement } from './hotline.placement.js';
import { SOURCE_UNIT_LEVELS } from './hotline.policy.js';
import * as Q from './hotline.queries.js';

/** Rows checked and staged per round trip. */
const BATCH = 500;
/** An upload not committed within this many days is dropped with its file and staged data. */
const STALE_DAYS = 7;
/** Where an unknown hotline category goes until the source says otherwise. */
const FALLBACK_CATEGORY = 'livelihood';

export function hotlineDir(ctx: AppContext): string {
  return path.join(ctx.config.dataDir, 'hotline');
}

const removeFile = (ctx: AppContext, name: string | null) => (name ? fsp.rm(path.join(hotlineDir(ctx), name), { force: true }) : Promise.resolve());

// ---------------------------------------------------------------------------------------------
// Background work

/** Linli changed under a row between the check and the commit. */
class CommitConflict extends Error {
  constructor(readonly row: number) {
    super(`row ${row} changed`);
  }
}

/**
 * The checks and commits running in the background, each started after its request is answered.
 * Closing lets running work stop between batches (the job ends 'failed'); on start, jobs a stopped
 * server left half-done are marked failed and stale uploads removed.
 */
export class HotlineRunner extends BackgroundJobs {
  constructor(private readonly ctx: AppContext, log: JobLogger = console) {
    super(log, 'hotline import');
  }

  async recover(): Promise<void> {
    const now = this.ctx.clock.now();
    for (const r of await Q.failInterrupted(this.ctx.db, now)) await removeFile(this.ctx, r.stored_file);
    for (const r of await Q.expireStale(this.ctx.db, now, STALE_DAYS)) await removeFile(this.ctx, r.stored_file);
  }
}

// ---------------------------------------------------------------------------------------------
// Sources

function mappingView(raw: unknown): HotlineMappingView {
  const m = (raw ?? {}) as Partial<HotlineMapping>;
  return {
    columns: m.columns ?? {},
    categories: m.categories ?? {},
    defaultCategory: m.defaultCategory ?? null,
    urgencies: m.urgencies ?? {},
  };
}

export function presentSource(s: Q.SourceRow): SourceView {
  return {
    id: s.id,
    name: s.name,
    unit: { id: s.unit_id, name: s.unit_name, level: s.unit_level, code: s.unit_code },
    mapping: mappingView(s.mapping),
    version: s.version,
    createdAt: s.created_at.toISOString(),
    updatedAt: s.updated_at.toISOString(),
  };
}

/** Category codes of a mapping that are not active categories (400 on the first). */
async function checkCategories(db: Executor, m: HotlineMapping, field: string): Promise<void> {
  const codes = new Set((await Q.activeCategories(db)).map((c) => c.code));
  if (!codes.has(m.defaultCategory)) throw invalid(`${field}.defaultCategory`, 'case.category_unknown');
  for (const [word, code] of Object.entries(m.categories)) {
    if (!codes.has(code)) throw invalid(`${field}.categories`, 'hotline.category_unknown', { value: word, code });
  }
}

const isUniqueViolation = (e: unknown, constraint: string) => typeof e === 'object' && e !== null
  && (e as { code?: string }).code === '23505' && (e as { constraint?: string }).constraint === constraint;
const nameTaken = (name: string) => conflict('name_taken', 'hotline.source_name_taken', { name }, 'name');

export async function createSource(ctx: AppContext, actor: Actor, audit: AuditContext, input: CreateSourceInput): Promise<SourceView> {
  const unit = await Q.findUnitInScope(ctx.db, actor, input.unitId);
  if (!unit) throw new AppError(404, 'not_found', 'hotline.unit_not_found', undefined, 'unitId');
  if (!SOURCE_UNIT_LEVELS.includes(unit.level)) throw invalid('unitId', 'hotline.unit_level');
  if (input.mapping) await checkCategories(ctx.db, input.mapping, 'mapping');
  try {
    const id = await ctx.db.transaction().execute(async (trx) => {
      const id = await Q.insertSource(trx, {
        name: input.name, unit_id: unit.id, unit_path: unit.path, region_code: unit.region_code,
        mapping: input.mapping ?? {}, created_by: actor.userId, now: ctx.clock.now(),
      });
      await writeAudit(trx, audit, { action: 'hotline.source_create', resourceType: 'hotline_source', resourceId: id, unitPath: unit.path, detail: { name: input.name } });
      return id;
    });
    return presentSource((await Q.findSource(ctx.db, actor, id))!);
  } catch (e) {
    if (isUniqueViolation(e, 'hotline_source_name_unique')) throw nameTaken(input.name);
    throw e;
  }
}

export async function getSource(ctx: AppContext, actor: Actor, id: string): Promise<SourceView> {
  const s = await Q.findSource(ctx.db, actor, id);
  if (!s) throw notFound();
  return presentSource(s);
}

export async function listSources(ctx: AppContext, actor: Actor): Promise<SourceView[]> {
  return (await Q.listSources(ctx.db, actor)).map(presentSource);
}

export async function updateSource(ctx: AppContext, actor: Actor, audit: AuditContext, id: string, input: UpdateSourceInput): Promise<SourceView> {
  const s = await Q.findSource(ctx.db, actor, id);
  if (!s) throw notFound();
  if (input.mapping) await checkCategories(ctx.db, input.mapping, 'mapping');
  try {
    await ctx.db.transaction().execute(async (trx) => {
      const ok = await Q.updateSource(trx, id, input.version, { name: input.name, mapping: input.mapping }, ctx.clock.now());
      if (!ok) throw conflict('version_conflict', 'hotline.source_changed', undefined, 'version');
      await writeAudit(trx, audit, {
        action: 'hotline.source_update', resourceType: 'hotline_source', resourceId: id, unitPath: s.unit_path,
        detail: { fields: [input.name !== undefined ? 'name' : null, input.mapping ? 'mapping' : null].filter(Boolean) },
      });
    });
  } catch (e) {
    if (isUniqueViolation(e, 'hotline_source_name_unique')) throw nameTaken(input.name ?? s.name);
    throw e;
  }
  return presentSource((await Q.findSource(ctx.db, actor, id))!);
}

/** Delete a source with its uploads (its cases stay; they forget the source). Not while one of its files is being worked on. */
export async function deleteSource(ctx: AppContext, actor: Actor, audit: AuditContext, id: string): Promise<void> {
  const s = await Q.findSource(ctx.db, actor, id);
  if (!s) throw notFound();
  const busy = (await Q.listJobs(ctx.db, actor, id, 50)).some((j) => j.status === 'validating' || j.status === 'committing');
  if (busy) throw conflict('busy', 'hotline.source_busy');
  const files = await Q.storedFilesOfSource(ctx.db, id);
  await ctx.db.transaction().execute(async (trx) => {
    await Q.deleteSource(trx, id);
    await writeAudit(trx, audit, { action: 'hotline.source_delete', resourceType: 'hotline_source', resourceId: id, unitPath: s.unit_path, detail: { name: s.name } });
  });
  for (const f of files) await removeFile(ctx, f.stored_file);
}

// ---------------------------------------------------------------------------------------------
// Upload and the mapping step

/**
 * Take an export for a source in scope: store it, read it once (format, encoding, header row,
 * values per column, row count) and open a job waiting for its mapping. A file that cannot be read
 * is refused (400 naming the body) and nothing is kept.
 */
export async function createUpload(ctx: AppContext, actor: Actor, sourceId: string, fileName: string | undefined, body: Readable): Promise<string> {
  const source = await Q.findSource(ctx.db, actor, sourceId);
  if (!source) throw notFound();
  const upload = await receiveUpload(hotlineDir(ctx), body, HOTLINE_MAX_BYTES);
  try {
    const format = await detectFormat(upload.file);
    const found = await inspectFile(upload.file, format, mappingView(source.mapping));
    const now = ctx.clock.now();
    for (const r of await Q.expireStale(ctx.db, now, STALE_DAYS)) await removeFile(ctx, r.stored_file);
    return await Q.insertJob(ctx.db, {
      source_id: source.id, unit_id: source.unit_id, unit_path: source.unit_path, region_code: source.region_code,
      file_name: fileName ?? (format === 'xlsx' ? 'orders.xlsx' : 'orders.csv'), file_format: format,
      file_sha256: upload.sha256, file_size: upload.size, stored_file: upload.name,
      header_row: found.headerRow, headers: found.headers, column_values: found.columnValues, sample_rows: found.sampleRows,
      total_rows: found.rows, created_by: actor.userId, now,
    });
  } catch (e) {
    await fsp.rm(upload.file, { force: true });
    if (e instanceof FileProblem) throw invalid('body', e.key, e.params);
    throw e;
  }
}

/** The category a hotline word most likely means: a category whose Chinese name it holds (longest first). */
function guessCategory(word: string, categories: Q.CategoryRow[]): string | null {
  const w = fold(word);
  let best: Q.CategoryRow | null = null;
  for (const c of categories) {
    const n = fold(c.name_zh);
    if ((w.includes(n) || n.includes(w)) && (!best || n.length > fold(best.name_zh).length)) best = c;
  }
  return best?.code ?? null;
}

/** The mapping step: headers, first rows, values per column, and the mapping proposed for this file. */
export async function mappingProposal(ctx: AppContext, actor: Actor, jobId: string): Promise<MappingProposal> {
  const j = await Q.findJob(ctx.db, actor, jobId);
  if (!j) throw notFound();
  const source = (await Q.findSource(ctx.db, actor, j.source_id))!;
  const saved = mappingView(source.mapping);
  const headers = j.headers;
  const { columns, fromSource } = suggestColumns(headers, saved);
  const categories = await Q.activeCategories(ctx.db);
  const table: Record<string, string> = { ...saved.categories };
  const catHeader = columns.category;
  for (const v of (catHeader ? j.column_values[catHeader] : undefined) ?? []) {
    if (Object.keys(table).some((k) => fold(k) === fold(v))) continue;
    const guess = guessCategory(v, categories);
    if (guess) table[v] = guess;
  }
  const urgencies: Record<string, 'normal' | 'urgent' | 'critical'> = { ...saved.urgencies };
  const urgHeader = columns.urgency;
  for (const v of (urgHeader ? j.column_values[urgHeader] : undefined) ?? []) {
    if (Object.keys(urgencies).some((k) => fold(k) === fold(v))) continue;
    const known = Object.entries(DEFAULT_URGENCIES).find(([w]) => fold(w) === fold(v));
    if (known) urgencies[v] = known[1];
  }
  const defaultCategory = saved.defaultCategory ?? (categories.some((c) => c.code === FALLBACK_CATEGORY) ? FALLBACK_CATEGORY : null);
  return {
    headers,
    sampleRows: j.sample_rows,
    columnValues: j.column_values,
    mapping: { columns, categories: table, defaultCategory, urgencies },
    fromSource,
  };
}

/**
 * Check the rows of an upload with a confirmed mapping (saved on the source unless asked not to),
 * in the background. Only its uploader, while the file is kept (mapping, or checked and not yet
 * committed: the mapping may be corrected and the file checked again).
 */
export async function startValidation(
  ctx: AppContext, runner: HotlineRunner, actor: Actor, audit: AuditContext, jobId: string, input: ValidateInput,
): Promise<void> {
  const j = await Q.findJob(ctx.db, actor, jobId);
  if (!j) throw notFound();
  if (j.created_by !== actor.userId) throw new AppError(403, 'forbidden', 'hotline.not_uploader');
  if (!['mapping', 'ready'].includes(j.status) || !j.stored_file) throw conflict('not_mappable', 'hotline.not_mappable', { status: `hotline.status.${j.status}` });
  const m = input.mapping;
  const missing = missingColumns(m, REQUIRED_FIELDS);
  if (missing.length) throw invalid(`mapping.columns.${missing[0]}`, 'hotline.column_required', { field: `hotline.field.${missing[0]}` });
  const headers = new Set(j.headers);
  for (const f of HOTLINE_FIELDS) {
    const h = m.columns[f];
    if (h && !headers.has(h)) throw invalid(`mapping.columns.${f}`, 'hotline.column_unknown', { column: h });
  }
  const used = Object.values(m.columns);
  const twice = used.find((h, i) => used.indexOf(h) !== i);
  if (twice) throw invalid('mapping.columns', 'hotline.column_twice', { column: twice });
  await checkCategories(ctx.db, m, 'mapping');
  const now = ctx.clock.now();
  if (!(await Q.claimJob(ctx.db, jobId, ['mapping', 'ready'], 'validating', now, {
    mapping: JSON.stringify(m), processed_rows: 0, new_rows: 0, warning_rows: 0, duplicate_rows: 0, error_rows: 0, deadlines_updated: 0,
    validated_at: null, message_key: null, message_params: null,
  }))) {
    throw conflict('not_mappable', 'hotline.not_mappable', { status: 'hotline.status.validating' });
  }
  if (input.save) {
    await ctx.db.transaction().execute(async (trx) => {
      await Q.saveMapping(trx, j.source_id, m, now);
      await writeAudit(trx, audit, { action: 'hotline.source_update', resourceType: 'hotline_source', resourceId: j.source_id, unitPath: j.unit_path, detail: { fields: ['mapping'], job: jobId } });
    });
  }
  runner.start(jobId, () => validateJob(ctx, runner, j, m));
}

// ---------------------------------------------------------------------------------------------
// Checking

/** A staged row: the values to write, the caller's phone only as ciphertext. */
interface Staged {
  orderNo: string;
  content: string;
  receivedAt: string | null;
  deadline: string | null;
  callerName: string | null;
  callerPhoneEnc: string | null;
  address: string | null;
  categoryCode: string;
  urgency: OrderValues['urgency'];
}

interface Tally { processed: number; new: number; warning: number; duplicate: number; error: number; deadlines: number }

const beijingText = (iso: string | Date) => new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

async function validateJob(ctx: AppContext, runner: HotlineRunner, j: Q.JobRow, m: HotlineMapping): Promise<void> {
  const tally: Tally = { processed: 0, new: 0, warning: 0, duplicate: 0, error: 0, deadlines: 0 };
  const counts = () => ({
    processed_rows: tally.processed, new_rows: tally.new, warning_rows: tally.warning, duplicate_rows: tally.duplicate,
    error_rows: tally.error, deadlines_updated: tally.deadlines,
  });
  try {
    await Q.clearRows(ctx.db, j.id);
    const units = await Q.unitsUnder(ctx.db, j.unit_path);
    const sourceUnit = units.find((u) => u.id === j.unit_id);
    if (!sourceUnit) throw new FileProblem('hotline.failed.unit_gone');
    const placer = new Placer(sourceUnit, units, await Q.buildingsUnder(ctx.db, j.unit_path));
    const tables = mappingTables(m);
    const index = new Map<HotlineField, number>();
    for (const f of HOTLINE_FIELDS) {
      const h = m.columns[f];
      if (h) index.set(f, j.headers.indexOf(h));
    }
    const seen = new Map<string, number>();
    let pending: { number: number; cells: CellValue[]; date1904: boolean }[] = [];

    const flush = async () => {
      runner.checkpoint();
      const reads = pending.map((r) => ({
        number: r.number,
        read: readOrderRow((f) => (index.has(f) ? r.cells[index.get(f)!] ?? null : undefined), m, tables, { date1904: r.date1904 }),
      }));
      pending = [];
      const orderNos = [...new Set(reads.flatMap((r) => (r.read.kind === 'data' && r.read.orderNo ? [r.read.orderNo] : [])))];
      const existing = new Map((await Q.casesByOrderNo(ctx.db, orderNos)).map((c) => [c.hotline_order_no!, c]));
      const rows: Q.RowInsert[] = [];
      for (const { number, read } of reads) {
        if (read.kind !== 'data') continue;
        const messages: RowMessage[] = [...read.messages];
        const push = (status: Q.RowInsert['status'], extra: Partial<Q.RowInsert> = {}) => rows.push({
          job_id: j.id, row_number: number, order_no: read.orderNo, status, messages: JSON.stringify(messages),
          data: null, placement: null, existing_case_id: null, ...extra,
        });
        tally.processed++;
        const no = read.orderNo;
        const first = no ? seen.get(no) : undefined;
        if (no && first !== undefined) {
          messages.unshift({ field: 'orderNo', key: 'hotline.issue.duplicate_in_file', params: { row: first }, level: 'warning' });
          tally.duplicate++;
          push('duplicate');
          continue;
        }
        if (no) seen.set(no, number);
        const known = no ? existing.get(no) : undefined;
        if (known) {
          const mine = pathWithin(known.unit_path, j.unit_path) || pathWithin(known.handling_path, j.unit_path);
          let data: string | null = null;
          if (!mine) messages.unshift({ field: 'orderNo', key: 'hotline.issue.order_elsewhere', level: 'warning' });
          else {
            messages.unshift({ field: 'orderNo', key: 'hotline.issue.already_imported', params: { number: known.number }, level: 'warning' });
            const deadline = read.values?.deadline ?? null;
            if (deadline && known.hotline_deadline?.toISOString() !== deadline) {
              messages.push({
                field: 'deadline', key: 'hotline.issue.deadline_changed', level: 'warning',
                params: { from: known.hotline_deadline ? beijingText(known.hotline_deadline) : '—', to: beijingText(deadline) },
              });
              data = JSON.stringify({ deadline });
              tally.deadlines++;
            }
          }
          tally.duplicate++;
          push('duplicate', { data, existing_case_id: mine ? known.id : null });
          continue;
        }
        const v = read.values;
        if (!v) {
          tally.error++;
          push('error');
          continue;
        }
        const placed: Placement | null = placer.place(v.address);
        if (!placed) {
          messages.push({ field: 'address', key: 'hotline.issue.no_place', params: { unit: sourceUnit.name }, level: 'error' });
          tally.error++;
          push('error');
          continue;
        }
        if (placed.kind === 'source') {
          messages.push({ field: 'address', key: v.address ? 'hotline.issue.placed_at_source' : 'hotline.issue.no_address', params: { unit: sourceUnit.name }, level: 'warning' });
        }
        const staged: Staged = {
          orderNo: v.orderNo, content: v.content, receivedAt: v.receivedAt, deadline: v.deadline, callerName: v.callerName,
          callerPhoneEnc: v.callerPhone ? ctx.cipher.encrypt(v.callerPhone) : null, address: v.address,
          categoryCode: v.categoryCode, urgency: v.urgency,
        };
        const warned = messages.some((x) => x.level === 'warning');
        tally[warned ? 'warning' : 'new']++;
        push(warned ? 'warning' : 'new', { data: JSON.stringify(staged), placement: JSON.stringify(placed) });
      }
      await Q.insertRows(ctx.db, rows);
      await Q.updateJob(ctx.db, j.id, ctx.clock.now(), counts());
    };

    for await (const row of fileRows(path.join(hotlineDir(ctx), j.stored_file!), j.file_format)) {
      if (row.number <= (j.header_row ?? 0)) continue;
      pending.push({ number: row.number, cells: row.cells, date1904: row.date1904 });
      if (pending.length >= BATCH) await flush();
    }
    if (pending.length) await flush();
    const now = ctx.clock.now();
    await Q.updateJob(ctx.db, j.id, now, { ...counts(), total_rows: tally.processed, status: 'ready', validated_at: now });
  } catch (err) {
    const reason: { key: MessageKey; params: Params } = err instanceof FileProblem ? { key: err.key, params: err.params }
      : err instanceof Interrupted ? { key: 'hotline.failed.interrupted', params: {} }
        : { key: 'hotline.file.unreadable', params: {} };
    if (!(err instanceof FileProblem) && !(err instanceof Interrupted)) runner.log.error({ err, jobId: j.id }, 'hotline: checking the file failed');
    await Q.clearRows(ctx.db, j.id);
    await Q.failJob(ctx.db, j.id, ctx.clock.now(), reason.key, reason.params);
    await removeFile(ctx, j.stored_file);
  }
}

// ---------------------------------------------------------------------------------------------
// Committing

/**
 * Commit a checked upload: its uploader, once (409 otherwise). In the background and in one
 * transaction, every new row becomes a case through recordReport (audited there), already imported
 * orders whose deadline changed get the new deadline with a timeline note, and one audit row records
 * the import. Anything unexpected leaves Linli as it was and the job 'failed'.
 */
export async function commitImport(ctx: AppContext, runner: HotlineRunner, actor: Actor, audit: AuditContext, jobId: string): Promise<void> {
  const j = await Q.findJob(ctx.db, actor, jobId);
  if (!j) throw notFound();
  if (j.created_by !== actor.userId) throw new AppError(403, 'forbidden', 'hotline.not_uploader');
  if (j.status !== 'ready') throw conflict('not_ready', 'hotline.not_ready', { status: `hotline.status.${j.status}` });
  if (j.new_rows + j.warning_rows + j.deadlines_updated === 0) throw conflict('nothing_to_commit', 'hotline.nothing_to_commit');
  if (!(await Q.claimJob(ctx.db, jobId, ['ready'], 'committing', ctx.clock.now(), { processed_rows: 0, committed_by: actor.userId }))) {
    throw conflict('not_ready', 'hotline.not_ready', { status: 'hotline.status.committing' });
  }
  runner.start(jobId, () => runCommit(ctx, runner, actor, audit, j));
}

async function updateDeadline(
  trx: Trx, ctx: AppContext, actor: Actor, audit: AuditContext, j: Q.JobRow, c: Q.ExistingCase, deadline: string,
): Promise<boolean> {
  if (!(pathWithin(c.unit_path, j.unit_path) || pathWithin(c.handling_path, j.unit_path))) return false;
  if (c.hotline_deadline?.toISOString() === deadline) return false;
  const now = ctx.clock.now();
  await trx.updateTable('cases').set({ hotline_deadline: new Date(deadline), version: c.version + 1, updated_at: now }).where('id', '=', c.id).execute();
  const detail = { orderNo: c.hotline_order_no, from: c.hotline_deadline?.toISOString() ?? null, to: deadline, importJob: j.id };
  await trx.insertInto('case_event').values({
    case_id: c.id, occurred_at: now, actor_id: actor.userId, actor_name: actor.displayName, action: 'hotline_deadline',
    from_state: c.state, to_state: c.state,
    note: translate('zh-CN', 'hotline.deadline_note', { from: c.hotline_deadline ? beijingText(c.hotline_deadline) : '—', to: beijingText(deadline) }),
    detail: JSON.stringify(detail),
  }).execute();
  await writeAudit(trx, audit, { action: 'case.hotline_deadline', resourceType: 'case', resourceId: c.id, unitPath: c.unit_path, detail });
  return true;
}

async function runCommit(ctx: AppContext, runner: HotlineRunner, actor: Actor, audit: AuditContext, j: Q.JobRow): Promise<void> {
  const notifications: PendingNotification[] = [];
  const tally = { processed: 0, created: 0, skipped: 0, deadlines: 0 };
  try {
    await ctx.db.transaction().execute(async (trx) => {
      const categories = new Map((await Q.activeCategories(trx)).map((c) => [c.code, c]));
      const units = new Map<string, Q.UnitRow>();
      let after = 0;
      for (;;) {
        runner.checkpoint();
        const batch = await Q.commitBatch(trx, j.id, after, BATCH);
        if (batch.length === 0) break;
        after = batch[batch.length - 1]!.row_number;
        const orderNos = batch.map((r) => r.order_no!).filter(Boolean);
        const existing = new Map((await Q.casesByOrderNo(trx, orderNos, { lock: true })).map((c) => [c.hotline_order_no!, c]));
        const unitIds = [...new Set(batch.map((r) => (r.placement as Placement | null)?.unitId).filter((u): u is string => !!u && !units.has(u)))];
        for (const u of await Q.unitsById(trx, unitIds)) units.set(u.id, u);
        for (const r of batch) {
          const known = existing.get(r.order_no!);
          if (r.status === 'duplicate') {
            const deadline = (r.data as { deadline?: string } | null)?.deadline;
            if (known && deadline && (await updateDeadline(trx, ctx, actor, audit, j, known, deadline))) tally.deadlines++;
            continue;
          }
          // Imported meanwhile (another upload of the same orders): one order is one case.
          if (known) {
            tally.skipped++;
            continue;
          }
          const s = r.data as unknown as Staged;
          const placed = r.placement as unknown as Placement;
          const place = units.get(placed.unitId);
          if (!place || !pathWithin(place.path, j.unit_path)) throw new CommitConflict(r.row_number);
          const category = categories.get(s.categoryCode);
          if (!category) throw new CommitConflict(r.row_number);
          const input = {
            categoryCode: s.categoryCode,
            description: s.content,
            lng: placed.lng,
            lat: placed.lat,
            ...(s.address ? { address: s.address } : {}),
            source: 'hotline',
            urgency: s.urgency,
            ...(s.callerName ? { reporterName: s.callerName } : {}),
            ...(s.callerPhoneEnc ? { reporterPhone: ctx.cipher.decrypt(s.callerPhoneEnc) } : {}),
            hotlineOrderNo: s.orderNo,
            ...(s.deadline ? { hotlineDeadline: s.deadline } : {}),
          } satisfies ReportCaseInput;
          const stored = await recordReport(trx, ctx, actor, audit, {
            input, source: 'hotline', category, place,
            detail: { hotlineSource: j.source_name, ...(s.receivedAt ? { hotlineReceivedAt: s.receivedAt } : {}), importJob: j.id, row: r.row_number },
          });
          await trx.updateTable('cases').set({ hotline_source_id: j.source_id, hotline_received_at: s.receivedAt ? new Date(s.receivedAt) : null })
            .where('id', '=', stored.id).execute();
          await Q.setRowCase(trx, j.id, r.row_number, stored.id);
          notifications.push(...stored.notifications);
          tally.created++;
        }
        tally.processed += batch.length;
        // Progress on another connection: the page sees it while this transaction is open.
        await Q.updateJob(ctx.db, j.id, ctx.clock.now(), { processed_rows: tally.processed });
      }
      const done = ctx.clock.now();
      await Q.updateJob(trx, j.id, done, {
        status: 'committed', committed_at: done, processed_rows: tally.processed, created_rows: tally.created,
        deadlines_updated: tally.deadlines, stored_file: null,
      });
      await Q.dropStagedData(trx, j.id);
      await writeAudit(trx, audit, {
        action: 'hotline.import', resourceType: 'hotline_import_job', resourceId: j.id, unitPath: j.unit_path,
        detail: {
          source: j.source_id, file: j.file_sha256, rows: j.total_rows, created: tally.created, alreadyImported: j.duplicate_rows + tally.skipped,
          deadlinesUpdated: tally.deadlines, skippedWithErrors: j.error_rows,
        },
      });
    });
    await removeFile(ctx, j.stored_file);
    await deliverQuietly(ctx, notifications);
  } catch (err) {
    const reason: { key: MessageKey; params: Params } = err instanceof CommitConflict ? { key: 'hotline.failed.changed', params: { row: err.row } }
      : err instanceof Interrupted ? { key: 'hotline.failed.interrupted', params: {} }
        : isUniqueViolation(err, 'cases_hotline_order_unique') ? { key: 'hotline.failed.order_taken', params: {} }
          : { key: 'hotline.failed.commit', params: {} };
    if (!(err instanceof CommitConflict) && !(err instanceof Interrupted)) runner.log.error({ err, jobId: j.id }, 'hotline: commit failed');
    await Q.failJob(ctx.db, j.id, ctx.clock.now(), reason.key, reason.params);
    await removeFile(ctx, j.stored_file);
    await writeAudit(ctx.db, audit, {
      action: 'hotline.import', resourceType: 'hotline_import_job', resourceId: j.id, unitPath: j.unit_path, result: 'failure',
      detail: { reason: reason.key, ...reason.params },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Reading jobs and their reports

function message(locale: Locale, key: string | null, params: Params | null): string | null {
  if (!key) return null;
  return isMessageKey(key) ? translate(locale, key, params ?? {}) : key;
}

export function presentJob(actor: Actor, locale: Locale, j: Q.JobRow): HotlineJobView {
  const total = j.total_rows;
  const toWrite = j.new_rows + j.warning_rows + j.deadlines_updated;
  const progress = j.status === 'ready' || j.status === 'committed' ? 1
    : j.status === 'committing' ? (toWrite ? Math.min(1, j.processed_rows / toWrite) : 1)
      : j.status === 'validating' && total ? Math.min(1, j.processed_rows / total) : 0;
  const mine = j.created_by === actor.userId;
  return {
    id: j.id,
    source: { id: j.source_id, name: j.source_name },
    unit: { id: j.unit_id, name: j.unit_name, level: j.unit_level, code: j.unit_code },
    status: j.status,
    fileName: j.file_name,
    fileFormat: j.file_format,
    fileSize: Number(j.file_size),
    total,
    processed: j.processed_rows,
    progress: Math.round(progress * 1000) / 1000,
    counts: {
      new: j.new_rows, warning: j.warning_rows, duplicate: j.duplicate_rows, error: j.error_rows,
      created: j.created_rows, deadlinesUpdated: j.deadlines_updated,
    },
    message: message(locale, j.message_key, j.message_params),
    createdBy: { id: j.created_by, name: j.creator_name },
    createdAt: j.created_at.toISOString(),
    validatedAt: j.validated_at?.toISOString() ?? null,
    committedAt: j.committed_at?.toISOString() ?? null,
    abilities: {
      map: mine && (j.status === 'mapping' || j.status === 'ready') && !!j.stored_file,
      commit: mine && j.status === 'ready' && toWrite > 0,
    },
  };
}

export async function getJob(ctx: AppContext, actor: Actor, locale: Locale, id: string): Promise<HotlineJobView> {
  const j = await Q.findJob(ctx.db, actor, id);
  if (!j) throw notFound();
  return presentJob(actor, locale, j);
}

export async function listJobs(ctx: AppContext, actor: Actor, locale: Locale, sourceId: string | undefined, limit: number): Promise<HotlineJobView[]> {
  return (await Q.listJobs(ctx.db, actor, sourceId, limit)).map((j) => presentJob(actor, locale, j));
}

const fieldLabel = (locale: Locale, field: string | null) => (field && isMessageKey(`hotline.field.${field}`) ? translate(locale, `hotline.field.${field}` as MessageKey) : null);

/** The row-by-row report: row, order number, status, what is wrong or noted, where it goes, its case. */
export async function listRows(
  ctx: AppContext, actor: Actor, locale: Locale, id: string, q: { status?: string; limit: number; offset: number },
): Promise<{ items: HotlineRowView[]; total: number }> {
  const j = await Q.findJob(ctx.db, actor, id);
  if (!j) throw notFound();
  const { rows, total } = await Q.rowsPage(ctx.db, id, q.status, q.limit, q.offset);
  return {
    total,
    items: rows.map((r) => {
      const p = r.placement as Placement | null;
      const params = (m: RowMessage) => {
        const out: Params = { ...(m.params ?? {}) };
        if (typeof out.field === 'string' && isMessageKey(out.field)) out.field = translate(locale, out.field);
        return out;
      };
      return {
        row: r.row_number,
        orderNo: r.order_no,
        status: r.status,
        messages: (r.messages as unknown as RowMessage[]).map((m) => ({
          field: m.field, fieldLabel: fieldLabel(locale, m.field), message: message(locale, m.key, params(m)) ?? '',
        })),
        placement: p ? { kind: p.kind, unit: { id: p.unitId, name: p.unitName }, building: p.building } : null,
        case: r.case_id && r.case_number ? { id: r.case_id, number: r.case_number } : null,
      };
    }),
  };
}
