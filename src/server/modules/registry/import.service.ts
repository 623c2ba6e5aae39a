import { beijingDate } from '../../../shared/dates.js';
import { BackgroundJobs, Interrupted, type JobLogger } from '../../core/jobs.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AppContext } from '../../core/context.js';
import type { Executor, Trx } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../../core/http/errors.js';
import { isMessageKey, translate, type Locale, type MessageKey, type Params } from '../../../shared/i18n/index.js';
import {
  IMPORT_COLUMNS, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, type ImportColumnKey, type ImportJobView, type ImportUploadQuery,
} from '../../../shared/registry/import.schemas.js';
import { P } from './registry.policy.js';
import { nameKeys } from './pinyin.js';
import { seesSensitive } from './tags.queries.js';
import * as Q from './import.queries.js';
import {
  CHOICES, WorkbookProblem, choiceLabel, columnLabel, foldText, outlineWorkbook, readHeader, readRow, sheetRows,
  type ChoiceColumn, type ParsedRow, type RowProblem,
} from './import.workbook.js';

/** Rows checked and staged per round trip. */
const BATCH = 1000;
/**
 * Staged rows committed per round of statements: fewer statements for a long import, while a batch
 * stays small: V8 lets its old generation grow to several times what was live at its last full
 * collection, and a batch is live for all its statements. Measured on 100 000 rows (37 MB live before
 * the import): the heap peaked at 122 MB with batches of 5 000, at 73 MB with 2 000, at the same
 * speed; batches of 1 000 were slower.
 */
const COMMIT_BATCH = 2000;
/**
 * Households a commit remembers (found or created) before it forgets them all: a long import's later
 * batches mostly go into households of earlier ones, but what it keeps stays bounded.
 */
const HOUSEHOLD_CACHE = 20_000;
/** Staged rows from which a job refreshes import_row's statistics before its commit. */
const ANALYZE_STAGING_ROWS = 5000;
/** The header may sit below a title row or two: look this far for it. */
const HEADER_SCAN_ROWS = 10;
/** A checked import not committed within this many days is dropped with its staged data. */
const READY_DAYS = 7;
const IMPORT_UNIT_LEVELS = ['community', 'grid', 'microgrid'];

export function importsDir(ctx: AppContext): string {
  return path.join(ctx.config.dataDir, 'imports');
}

// ---------------------------------------------------------------------------------------------
// Background work

/** The registry changed under a row between the check and the commit. */
class CommitConflict extends Error {
  constructor(readonly row: number) {
    super(`row ${row} changed`);
  }
}

/**
 * The imports the server is working on: each check or commit runs in the background right after
 * its request is answered (202), and the server keeps its promise. Closing the server lets running
 * work stop between batches (the job ends 'failed', nothing committed); on start, jobs a stopped
 * server left half-done are marked failed.
 */
export class ImportRunner extends BackgroundJobs {
  constructor(private readonly ctx: AppContext, log: JobLogger = console) {
    super(log, 'import job');
  }

  /** On start: fail what a stopped server left running (and remove its uploads); expire stale checks. */
  async recover(): Promise<void> {
    const now = this.ctx.clock.now();
    const left = await Q.failInterrupted(this.ctx.db, now);
    for (const r of left) if (r.stored_file) await fsp.rm(path.join(importsDir(this.ctx), r.stored_file), { force: true });
    await Q.expireReady(this.ctx.db, now, READY_DAYS);
  }
}

// ---------------------------------------------------------------------------------------------
// Upload

/** Stream an upload to a private file, hashing it, refusing more than `limit` bytes (413) and nothing (400). */
export async function receiveUpload(dir: string, body: Readable, limit: number): Promise<{ name: string; file: string; size: number; sha256: string }> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const name = `${crypto.randomUUID()}.xlsx`;
  const file = path.join(dir, name);
  const hash = crypto.createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limit) return done(new AppError(413, 'file_too_large', 'import.file_too_large', { mb: Math.round(limit / 1024 / 1024) }, 'body'));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, fs.createWriteStream(file, { mode: 0o600 }));
  } catch (err) {
    await fsp.rm(file, { force: true });
    throw err;
  }
  if (size === 0) {
    await fsp.rm(file, { force: true });
    throw invalid('body', 'import.file_empty');
  }
  return { name, file, size, sha256: hash.digest('hex') };
}

/**
 * Take an uploaded workbook for a community, grid or micro-grid in the caller's import scope: store
 * it, open a job, and start checking it in the background. Returns the job id (202).
 */
export async function createImport(
  ctx: AppContext, runner: ImportRunner, actor: Actor, input: ImportUploadQuery, body: Readable,
): Promise<string> {
  const unit = await Q.findImportUnit(ctx.db, actor, input.unitId);
  if (!unit) throw new AppError(404, 'not_found', 'registry.unit_not_found', undefined, 'unitId');
  if (!IMPORT_UNIT_LEVELS.includes(unit.level)) throw invalid('unitId', 'registry.unit_level_for_resident');
  if (!actor.can(P.write, unit.path)) throw forbidden();
  const upload = await receiveUpload(importsDir(ctx), body, IMPORT_MAX_BYTES);
  let id: string;
  try {
    const now = ctx.clock.now();
    await Q.expireReady(ctx.db, now, READY_DAYS);
    id = await Q.insertJob(ctx.db, {
      unit_id: unit.id, unit_path: unit.path, region_code: unit.region_code, file_name: input.fileName ?? 'upload.xlsx',
      file_sha256: upload.sha256, file_size: upload.size, stored_file: upload.name, total_rows: null, created_by: actor.userId, now,
    });
  } catch (err) {
    await fsp.rm(upload.file, { force: true });
    throw err;
  }
  runner.start(id, () => validateJob(ctx, runner, actor, id, { name: unit.name, path: unit.path }, upload.file));
  return id;
}

// ---------------------------------------------------------------------------------------------
// Checking

/** A staged row: the values to write, personal data only as ciphertext and keyed hash. */
export interface Staged {
  name: string;
  gender: 'male' | 'female' | null;
  birthDate: string | null;
  idNumberEnc: string;
  idNumberHash: string;
  phoneEnc?: string;
  phoneHash?: string;
  ethnicity?: string;
  politicalStatus?: string;
  relation?: string;
  residenceType?: string;
  movedInOn?: string;
  /** Absent: a registered person stays where they are. */
  buildingId?: string;
  entranceId?: string | null;
  room?: string;
  /** Absent: the person's tags stay as they are. */
  tagIds?: string[];
}

export interface PlannedChange {
  fields: string[];
  household: boolean;
  tags: boolean;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && new Set([...a, ...b]).size === a.length;

/** What writing a staged row would change for a registered person (nothing: the row is 'unchanged'). */
export function planChange(s: Staged, p: Q.PersonRow, visibleTagIds: string[]): PlannedChange {
  const fields: string[] = [];
  if (s.name !== p.name) fields.push('name');
  if (s.gender !== null && s.gender !== p.gender) fields.push('gender');
  if (s.birthDate !== null && s.birthDate !== p.birth_date) fields.push('birthDate');
  if (s.phoneHash !== undefined && s.phoneHash !== p.phone_hash) fields.push('phone');
  if (s.ethnicity !== undefined && s.ethnicity !== p.ethnicity) fields.push('ethnicity');
  if (s.politicalStatus !== undefined && s.politicalStatus !== p.political_status) fields.push('politicalStatus');
  if (s.relation !== undefined && s.relation !== p.relation) fields.push('relation');
  if (s.residenceType !== undefined && s.residenceType !== p.residence_type) fields.push('residenceType');
  if (s.movedInOn !== undefined && s.movedInOn !== p.moved_in_on) fields.push('movedInOn');
  const household = s.buildingId !== undefined
    && (p.building_id !== s.buildingId || (p.entrance_id ?? null) !== (s.entranceId ?? null) || p.room !== s.room);
  const tags = s.tagIds !== undefined && !sameSet(s.tagIds, visibleTagIds);
  return { fields, household, tags };
}

const changes = (c: PlannedChange) => c.fields.length > 0 || c.household || c.tags;

/** The tags of a person the caller may see (and so compare and replace). */
function visibleTagIds(actor: Actor, p: Q.PersonRow, tags: Q.PersonTag[] | undefined): string[] {
  const sensitiveOk = seesSensitive(actor, p.unit_path);
  return (tags ?? []).filter((t) => t.is_active && (sensitiveOk || !t.sensitive)).map((t) => t.id);
}

/** May the caller change this registered person through an import? */
const reaches = (actor: Actor, unitPath: string) => actor.can(P.import, unitPath) && actor.can(P.write, unitPath);

interface Lookup {
  unitName: string;
  unitPath: string;
  buildings: Map<string, Q.BuildingRef[]>;
  entrances: Map<string, Map<string, string>>;
  tags: Map<string, { id: string; sensitive: boolean; applies_to: string }>;
}

/** 1单元, 1 and １单元 name the same entrance. */
const entranceKey = (name: string) => foldText(name).replace(/单元$/, '');

async function loadLookup(db: Executor, actor: Actor, unit: { name: string; path: string }): Promise<Lookup> {
  const buildings = await Q.buildingsUnder(db, actor, unit.path);
  const byName = new Map<string, Q.BuildingRef[]>();
  for (const b of buildings) {
    const key = foldText(b.name);
    byName.set(key, [...(byName.get(key) ?? []), b]);
  }
  const entrances = new Map<string, Map<string, string>>();
  for (const e of await Q.entrancesOf(db, buildings.map((b) => b.id))) {
    const m = entrances.get(e.building_id) ?? new Map<string, string>();
    m.set(entranceKey(e.name), e.id);
    entrances.set(e.building_id, m);
  }
  const tags = new Map<string, { id: string; sensitive: boolean; applies_to: string }>();
  for (const t of await Q.activeTags(db)) {
    for (const name of [t.name_zh, t.name_en, t.code]) tags.set(foldText(name), t);
  }
  return { unitName: unit.name, unitPath: unit.path, buildings: byName, entrances, tags };
}

interface PendingRow { number: number; values: ParsedRow; problems: RowProblem[] }

interface Tally { processed: number; valid: number; errors: number; new: number; updated: number; unchanged: number }

type CheckProblem = { field: ImportColumnKey; key: MessageKey; params?: Params };
const addProblem = (problems: CheckProblem[], field: ImportColumnKey, key: MessageKey, params?: Params) => {
  problems.push({ field, key, ...(params ? { params } : {}) });
};
const hasProblem = (problems: CheckProblem[], field: ImportColumnKey) => problems.some((p) => p.field === field);

/**
 * Check a batch of read rows against the registry: the rows and problems to stage. `seen` is the
 * check's own connection, holding the ID numbers read so far (Q.openSeenIds).
 */
async function checkBatch(
  ctx: AppContext, actor: Actor, lookup: Lookup, seen: Executor, batch: PendingRow[], rows: Q.StagedRows, tally: Tally,
): Promise<{ rows: Q.StagedRows; issues: Q.IssueInsert[] }> {
  // Who is who: ID numbers as keyed hashes, repeats within the file, people already registered.
  // Repeats within the batch are found here; repeats of an earlier batch by the database, which
  // holds the hashes read so far — not a map of the whole file's rows in this process.
  const hashes = batch.map((r) => (r.values.idNumber ? ctx.cipher.blindIndex(r.values.idNumber) : null));
  const firstInBatch = new Map<string, number>();
  const duplicateOf = batch.map((r, i) => {
    const h = hashes[i];
    if (!h) return null;
    const first = firstInBatch.get(h);
    if (first === undefined) firstInBatch.set(h, r.number);
    return first ?? null;
  });
  const [earlier, found] = await Promise.all([
    Q.markSeenIds(seen, [...firstInBatch.keys()], [...firstInBatch.values()]),
    Q.personsByHash(ctx.db, [...firstInBatch.keys()]),
  ]);
  hashes.forEach((h, i) => {
    const first = h ? earlier.get(h) : undefined;
    if (first !== undefined) duplicateOf[i] = first;
  });
  const persons = new Map(found.map((p) => [p.id_number_hash!, p]));
  const personTags = await Q.tagsOfResidents(ctx.db, [...persons.values()].map((p) => p.id));

  const issues: Q.IssueInsert[] = [];
  batch.forEach((r, i) => {
    const v = r.values;
    const problems: CheckProblem[] = [...r.problems];
    const hash = hashes[i];
    const dup = duplicateOf[i];
    if (dup !== null && dup !== undefined) addProblem(problems, 'idNumber', 'import.issue.duplicate_in_file', { row: dup });
    const person = hash && dup === null ? persons.get(hash) : undefined;
    if (person && !reaches(actor, person.unit_path)) addProblem(problems, 'idNumber', 'import.issue.registered_elsewhere');
    else if (person && person.status !== 'active') addProblem(problems, 'idNumber', 'registry.not_active');

    // Where the person lives: a building of the import's area, its entrance, a room.
    let building: Q.BuildingRef | undefined;
    let entranceId: string | null = null;
    if (v.building) {
      const found = lookup.buildings.get(foldText(v.building));
      if (!found) addProblem(problems, 'building', 'import.issue.building_unknown', { unit: lookup.unitName, name: v.building });
      else if (found.length > 1) addProblem(problems, 'building', 'import.issue.building_ambiguous', { unit: lookup.unitName, name: v.building });
      else building = found[0];
    }
    if (building && v.entrance) {
      const id = lookup.entrances.get(building.id)?.get(entranceKey(v.entrance));
      if (!id) addProblem(problems, 'entrance', 'import.issue.entrance_unknown', { building: building.name, name: v.entrance });
      else entranceId = id;
    }
    const placed = v.building !== undefined || v.entrance !== undefined || v.room !== undefined || !person;
    if (placed && !v.building && !hasProblem(problems, 'building')) addProblem(problems, 'building', 'validation.required');
    if (placed && !v.room && !hasProblem(problems, 'room')) addProblem(problems, 'room', 'validation.required');

    // Tags by name; a sensitive tag the caller may not set there is as unknown as a missing one.
    let tagIds: string[] | undefined;
    if (v.tags) {
      const where = building?.unit_path ?? person?.unit_path ?? lookup.unitPath;
      tagIds = [];
      for (const name of v.tags) {
        const t = lookup.tags.get(foldText(name));
        if (!t || (t.sensitive && !seesSensitive(actor, where))) addProblem(problems, 'tags', 'import.issue.tag_unknown', { name });
        else if (t.applies_to === 'household') addProblem(problems, 'tags', 'import.issue.tag_household_only', { name });
        else tagIds.push(t.id);
      }
    }

    if (problems.length > 0 || !hash || !v.idNumber || !v.name) {
      tally.errors++;
      rows.add({ row_number: r.number, status: 'error', action: null, resident_id: null, data: null });
      for (const p of problems) {
        issues.push({ row_number: r.number, column_key: p.field, message_key: p.key, params: p.params ? JSON.stringify(p.params) : null });
      }
      return;
    }
    // Property by property (no spread of a new object per optional field: this runs for every row).
    const staged: Staged = {
      name: v.name,
      gender: v.gender ?? null,
      birthDate: v.birthDate ?? null,
      idNumberEnc: ctx.cipher.encrypt(v.idNumber),
      idNumberHash: hash,
    };
    if (v.phone) {
      staged.phoneEnc = ctx.cipher.encrypt(v.phone);
      staged.phoneHash = ctx.cipher.blindIndex(v.phone);
    }
    if (v.ethnicity !== undefined) staged.ethnicity = v.ethnicity;
    if (v.politicalStatus !== undefined) staged.politicalStatus = v.politicalStatus;
    if (v.relation !== undefined) staged.relation = v.relation;
    if (v.residenceType !== undefined) staged.residenceType = v.residenceType;
    if (v.movedInOn !== undefined) staged.movedInOn = v.movedInOn;
    if (building) {
      staged.buildingId = building.id;
      staged.entranceId = entranceId;
      staged.room = v.room!;
    }
    if (tagIds) staged.tagIds = tagIds;
    const action = !person ? 'new' : changes(planChange(staged, person, visibleTagIds(actor, person, personTags.get(person.id)))) ? 'update' : 'unchanged';
    tally.valid++;
    tally[action === 'new' ? 'new' : action === 'update' ? 'updated' : 'unchanged']++;
    rows.add({ row_number: r.number, status: 'valid', action, resident_id: person?.id ?? null, data: JSON.stringify(staged) });
  });
  tally.processed += batch.length;
  return { rows, issues };
}

const isResidentSheet = (name: string) => ['居民', 'residents'].includes(foldText(name));

/**
 * Items in batches of `size`, each checked in order, then written: a batch is checked while the next
 * is read, and written while the next is checked — the reading, the checks' lookups and the writes
 * go on at the same time. At most three batches are in hand (one read, one checked, one written):
 * memory is bounded by the batch, whatever the length of `items`. A check starts once the one before
 * it is over, a write once the one before it is over. A failure (of the reading, a check or a write)
 * is thrown after the check and the write in flight are over.
 */
export async function inBatches<T, C>(
  items: AsyncIterable<T>, size: number, check: (batch: T[]) => Promise<C>, write: (checked: C) => Promise<void>,
): Promise<void> {
  let batch: T[] = [];
  let checking: Promise<C> | null = null;
  let writing: Promise<void> | null = null;
  // Failures are thrown where these are awaited, not reported as unhandled meanwhile.
  const quiet = <P extends Promise<unknown>>(p: P): P => {
    p.catch(() => {});
    return p;
  };
  // The batch checked last goes to be written, once the write before it is over.
  const handOver = async () => {
    if (!checking) return;
    const checked = await checking;
    checking = null;
    if (writing) await writing;
    writing = quiet(write(checked));
  };
  const flush = async () => {
    await handOver();
    checking = quiet(check(batch));
    batch = [];
  };
  try {
    for await (const item of items) {
      batch.push(item);
      if (batch.length >= size) await flush();
    }
    if (batch.length) await flush();
    await handOver();
    await writing;
  } catch (err) {
    await Promise.allSettled([checking, writing]);
    throw err;
  }
}

/**
 * The data rows of the 居民 sheet, read and checked on their own (readRow), after its header (which
 * may sit below a title row or two); blank rows and the template's example are skipped.
 */
async function* dataRows(file: string, sheetPath: string, today: Date): AsyncGenerator<PendingRow> {
  let columns: Map<number, ImportColumnKey> | null = null;
  let scanned = 0;
  let count = 0;
  for await (const row of sheetRows(file, sheetPath)) {
    if (!columns) {
      scanned++;
      const header = readHeader(row.values);
      if (!header) {
        if (scanned >= HEADER_SCAN_ROWS) throw new WorkbookProblem('import.failed.header_missing', { rows: HEADER_SCAN_ROWS });
        continue;
      }
      if (!header.ok) throw new WorkbookProblem(header.key, header.params);
      columns = header.columns;
      continue;
    }
    const read = readRow(row.values, columns, today, row.date1904);
    if (read.kind !== 'data') continue;
    if (count >= IMPORT_MAX_ROWS) throw new WorkbookProblem('import.failed.too_many_rows', { max: IMPORT_MAX_ROWS });
    count++;
    yield { number: row.number, values: read.values, problems: read.problems };
  }
  if (!columns) {
    throw scanned === 0
      ? new WorkbookProblem('import.failed.no_rows', { sheet: 'import.sheet.residents' })
      : new WorkbookProblem('import.failed.header_missing', { rows: HEADER_SCAN_ROWS });
  }
}

/**
 * Read the workbook row by row (a streaming reader), check every row the way the form does, stage
 * the rows in batches with their problems, and count as it goes so the job shows progress. Nothing
 * grows with the file's length: a few batches are in hand at a time (inBatches), staged rows wait as
 * bytes (Q.StagedRows), and the ID numbers already read (a repeat is an error) are kept by the
 * database, on the check's own connection. A workbook that cannot be read ends the job 'failed' with
 * the reason and nothing staged.
 */
async function validateJob(
  ctx: AppContext, runner: ImportRunner, actor: Actor, jobId: string, unit: { name: string; path: string }, file: string,
): Promise<void> {
  const tally: Tally = { processed: 0, valid: 0, errors: 0, new: 0, updated: 0, unchanged: 0 };
  const counts = () => ({
    processed_rows: tally.processed, valid_rows: tally.valid, error_rows: tally.errors,
    new_rows: tally.new, updated_rows: tally.updated, unchanged_rows: tally.unchanged,
  });
  try {
    const outline = await outlineWorkbook(file, isResidentSheet);
    const sheet = outline.sheets.find((s) => isResidentSheet(s.name));
    if (!sheet) throw new WorkbookProblem('import.failed.sheet_missing', { sheet: 'import.sheet.residents', found: outline.sheets.map((s) => s.name).join('、') });
    const rowsInSheet = outline.rows.get(sheet.name);
    if (rowsInSheet === undefined || !sheet.path) throw new WorkbookProblem('import.failed.unreadable');
    await Q.updateJob(ctx.db, jobId, ctx.clock.now(), { total_rows: Math.max(0, rowsInSheet - 1) });

    const lookup = await loadLookup(ctx.db, actor, unit);
    const sheetPath = sheet.path;
    await ctx.db.connection().execute(async (own) => {
      await Q.openSeenIds(own);
      try {
        // A batch is staged (on a connection of its own) while the next is checked and the one after
        // read. Buffers of staged rows take turns: one filled while another's COPY runs.
        const free = [new Q.StagedRows(jobId), new Q.StagedRows(jobId)];
        await inBatches(dataRows(file, sheetPath, ctx.clock.now()), BATCH, async (batch) => {
          runner.checkpoint();
          const checked = await checkBatch(ctx, actor, lookup, own, batch, free.pop() ?? new Q.StagedRows(jobId), tally);
          return { ...checked, progress: counts() };
        }, async ({ rows, issues, progress }) => {
          await Q.insertStaged(ctx.pool, ctx.db, jobId, rows, issues);
          await Q.updateJob(ctx.db, jobId, ctx.clock.now(), progress);
          rows.clear();
          free.push(rows);
        });
      } finally {
        // The connection goes back to the pool: without the job's hashes.
        await Q.dropSeenIds(own).catch(() => {});
      }
    });
    if (tally.processed === 0) throw new WorkbookProblem('import.failed.no_rows', { sheet: 'import.sheet.residents' });
    // A large job changes import_row more than autovacuum has looked at yet: without fresh statistics
    // the commit's reads of staged rows by key were planned as scans (measured: 100 000 rows committed
    // at a twentieth of the speed until autoanalyze came by).
    if (tally.processed >= ANALYZE_STAGING_ROWS) await Q.analyzeStaging(ctx.db);
    const now = ctx.clock.now();
    await Q.updateJob(ctx.db, jobId, now, { ...counts(), total_rows: tally.processed, status: 'ready', validated_at: now, stored_file: null });
  } catch (err) {
    const reason: { key: MessageKey; params: Params } = err instanceof WorkbookProblem ? { key: err.key, params: err.params }
      : err instanceof Interrupted ? { key: 'import.failed.interrupted', params: {} }
        : { key: 'import.failed.unreadable', params: {} };
    if (!(err instanceof WorkbookProblem) && !(err instanceof Interrupted)) runner.log.error({ err, jobId }, 'import: reading the workbook failed');
    // (inBatches waited for a write still running: nothing is staged after the clearing.)
    await Q.clearStaging(ctx.db, jobId);
    await Q.failJob(ctx.db, jobId, ctx.clock.now(), reason.key, reason.params);
  } finally {
    await fsp.rm(file, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Committing

/**
 * Commit the valid rows of a checked import: only its uploader, only once (409 otherwise). The work
 * runs in the background; the job shows its progress and ends 'committed' or 'failed'.
 */
export async function commitImport(ctx: AppContext, runner: ImportRunner, actor: Actor, audit: AuditContext, jobId: string): Promise<void> {
  const job = await Q.findJobInScope(ctx.db, actor, jobId);
  if (!job) throw notFound();
  if (job.created_by !== actor.userId) throw new AppError(403, 'forbidden', 'import.not_uploader');
  if (job.status !== 'ready') throw conflict('not_ready', 'import.not_ready', { status: `import.status.${job.status}` });
  if (job.valid_rows === 0) throw conflict('nothing_to_commit', 'import.nothing_to_commit');
  if (!(await Q.claimForCommit(ctx.db, jobId, actor.userId, ctx.clock.now()))) {
    throw conflict('not_ready', 'import.not_ready', { status: 'import.status.committing' });
  }
  runner.start(jobId, () => runCommit(ctx, runner, actor, audit, job));
}

/** A room's floor as Chinese buildings number them: 0302 and 302 → 3, 1201 → 12; otherwise unknown. */
export function floorFromRoom(room: string, floors: number | null): number | null {
  const m = /^(\d{1,3})(\d{2})$/.exec(room.normalize('NFKC'));
  if (!m) return null;
  const floor = Number(m[1]);
  if (floor < 1 || (floors !== null && floor > floors)) return null;
  return floor;
}

const householdKey = (buildingId: string, entranceId: string | null | undefined, room: string) => `${buildingId}|${entranceId ?? ''}|${room}`;

async function runCommit(ctx: AppContext, runner: ImportRunner, actor: Actor, audit: AuditContext, job: Q.JobRow): Promise<void> {
  const jobId = job.id;
  const now = ctx.clock.now();
  const today = beijingDate(now);
  const tally = { new: 0, updated: 0, unchanged: 0, householdsCreated: 0, processed: 0 };
  try {
    await ctx.db.transaction().execute(async (trx) => {
      // The buildings people go into, locked: households are created under the lock.
      const buildingIds = await Q.stagedBuildingIds(trx, jobId);
      const buildings = new Map((await Q.lockBuildings(trx, buildingIds)).map((b) => [b.id, b]));
      for (const id of buildingIds) {
        const b = buildings.get(id);
        if (!b || !actor.can(P.write, b.unit_path)) throw new CommitConflict(await Q.firstRowWithBuilding(trx, jobId, id));
      }
      const households = new Map<string, string>();
      // One pass over the staged rows, COMMIT_BATCH at a time: memory stays flat whatever the import's length.
      await Q.openStaged(trx, jobId);
      for (;;) {
        runner.checkpoint();
        const batch = await Q.fetchStaged(trx, COMMIT_BATCH);
        if (batch.length === 0) break;
        if (households.size > HOUSEHOLD_CACHE) households.clear();
        await commitBatch(trx, actor, jobId, now, today, batch, buildings, households, tally);
        tally.processed += batch.length;
        // Progress on another connection: the UI sees it while this transaction is open.
        await Q.updateJob(ctx.db, jobId, ctx.clock.now(), { processed_rows: tally.processed });
      }
      await Q.closeStaged(trx);
      const done = ctx.clock.now();
      await Q.updateJob(trx, jobId, done, {
        status: 'committed', committed_at: done, processed_rows: tally.processed,
        new_rows: tally.new, updated_rows: tally.updated, unchanged_rows: tally.unchanged, households_created: tally.householdsCreated,
      });
      await trx.deleteFrom('import_row').where('job_id', '=', jobId).execute();
      await writeAudit(trx, audit, {
        action: 'registry.import', resourceType: 'import_job', resourceId: jobId, unitPath: job.unit_path,
        detail: {
          rows: job.valid_rows + job.error_rows, committed: tally.processed, new: tally.new, updated: tally.updated,
          unchanged: tally.unchanged, skippedWithErrors: job.error_rows, householdsCreated: tally.householdsCreated,
        },
      });
    });
  } catch (err) {
    const reason: { key: MessageKey; params: Params } = err instanceof CommitConflict ? { key: 'import.failed.changed', params: { row: err.row } }
      : err instanceof Interrupted ? { key: 'import.failed.interrupted', params: {} }
        : { key: 'import.failed.commit', params: {} };
    if (!(err instanceof CommitConflict) && !(err instanceof Interrupted)) runner.log.error({ err, jobId }, 'import: commit failed');
    await Q.failJob(ctx.db, jobId, ctx.clock.now(), reason.key, reason.params);
    await writeAudit(ctx.db, audit, {
      action: 'registry.import', resourceType: 'import_job', resourceId: jobId, unitPath: job.unit_path, result: 'failure',
      detail: { reason: reason.key, ...reason.params },
    });
  }
}

/**
 * Pinyin keys by name, remembered across rows and imports: names repeat (王伟, 张敏 …) and reading a
 * name's pinyin costs more than the rest of its row. Bounded: forgotten all at once when full.
 */
const NAME_KEYS_CACHE = 50_000;
const nameKeysCache = new Map<string, { initials: string; full: string }>();
function cachedNameKeys(name: string): { initials: string; full: string } {
  let keys = nameKeysCache.get(name);
  if (!keys) {
    if (nameKeysCache.size >= NAME_KEYS_CACHE) nameKeysCache.clear();
    keys = nameKeys(name);
    nameKeysCache.set(name, keys);
  }
  return keys;
}

async function commitBatch(
  trx: Trx, actor: Actor, jobId: string, now: Date, today: string, batch: Q.StagedRow[],
  buildings: Map<string, Q.BuildingRef>, households: Map<string, string>,
  tally: { new: number; updated: number; unchanged: number; householdsCreated: number },
): Promise<void> {
  const staged = batch.map((r) => ({ row: r.row_number, s: r.data as unknown as Staged }));
  const persons = new Map((await Q.personsByHash(trx, staged.map((x) => x.s.idNumberHash), { lock: true })).map((p) => [p.id_number_hash!, p]));
  const personTags = await Q.tagsOfResidents(trx, [...persons.values()].map((p) => p.id));

  // Entrances still belong to their buildings.
  const entranceIds = [...new Set(staged.map((x) => x.s.entranceId).filter((e): e is string => !!e))];
  const entranceBuilding = new Map((await Q.entrancesById(trx, entranceIds)).map((e) => [e.id, e.building_id]));
  for (const { row, s } of staged) {
    if (s.entranceId && entranceBuilding.get(s.entranceId) !== s.buildingId) throw new CommitConflict(row);
  }

  const news: { row: number; s: Staged }[] = [];
  const updates: { row: number; s: Staged; p: Q.PersonRow; change: PlannedChange }[] = [];
  for (const { row, s } of staged) {
    const p = persons.get(s.idNumberHash);
    if (p) {
      if (!reaches(actor, p.unit_path) || p.status !== 'active') throw new CommitConflict(row);
      const change = planChange(s, p, visibleTagIds(actor, p, personTags.get(p.id)));
      if (changes(change)) updates.push({ row, s, p, change });
      else tally.unchanged++;
    } else {
      if (!s.buildingId || !s.room) throw new CommitConflict(row);
      news.push({ row, s });
    }
  }

  // Households: found, or created in the locked building.
  const wanted = new Map<string, Q.HouseholdKey>();
  for (const x of [...news, ...updates.filter((u) => u.change.household)]) {
    const key = householdKey(x.s.buildingId!, x.s.entranceId, x.s.room!);
    if (!households.has(key)) wanted.set(key, { building_id: x.s.buildingId!, entrance_id: x.s.entranceId ?? null, room: x.s.room! });
  }
  if (wanted.size) {
    for (const h of await Q.findHouseholds(trx, [...wanted.values()])) {
      const key = householdKey(h.building_id, h.entrance_id, h.room);
      households.set(key, h.id);
      wanted.delete(key);
    }
    const created = await Q.insertHouseholds(trx, [...wanted.values()].map((k) => ({ ...k, floor: floorFromRoom(k.room, buildings.get(k.building_id)?.floors ?? null) })));
    for (const h of created) households.set(householdKey(h.building_id, h.entrance_id, h.room), h.id);
    tally.householdsCreated += created.length;
  }
  const placeOf = (s: Staged) => {
    const b = buildings.get(s.buildingId!)!;
    return { household_id: households.get(householdKey(s.buildingId!, s.entranceId, s.room!))!, unit_id: b.unit_id, unit_path: b.unit_path, region_code: b.region_code };
  };

  // New residents, with their pinyin keys and tags: written from the staged rows where they are.
  if (news.length) {
    const registered = await Q.insertNewResidents(trx, jobId, news.map(({ row, s }) => {
      const keys = cachedNameKeys(s.name);
      return { row_number: row, household_id: placeOf(s).household_id, name_initials: keys.initials, name_pinyin: keys.full };
    }));
    if (registered !== news.length) throw new Error(`import commit: ${registered} of ${news.length} new residents registered`);
    tally.new += news.length;
  }

  // Changes of registered people: the state before goes to the history, as updateResident keeps it.
  if (updates.length) {
    await trx.insertInto('resident_history').values(updates.map(({ s, p, change }) => ({
      resident_id: p.id,
      kind: change.household ? 'household_change' as const : change.fields.length ? 'update' as const : 'tags' as const,
      valid_from: p.updated_at, valid_to: now,
      effective_on: change.household ? (s.movedInOn ?? today) : null,
      before: JSON.stringify({
        name: p.name, gender: p.gender, birth_date: p.birth_date, id_number_enc: p.id_number_enc, phone_enc: p.phone_enc,
        ethnicity: p.ethnicity, political_status: p.political_status, relation: p.relation, residence_type: p.residence_type,
        status: p.status, household_id: p.household_id, unit_id: p.unit_id, moved_in_on: p.moved_in_on,
        moved_out_on: p.moved_out_on, deceased_on: p.deceased_on, tags: (personTags.get(p.id) ?? []).map((t) => t.code),
      }),
      changed_by: actor.userId,
    }))).execute();
    await Q.updateResidents(trx, updates.map(({ s, p, change }) => {
      const keys = s.name !== p.name || !p.name_initials || !p.name_pinyin ? cachedNameKeys(s.name) : { initials: p.name_initials, full: p.name_pinyin };
      const phoneChanged = s.phoneHash !== undefined && s.phoneHash !== p.phone_hash;
      const place = change.household ? placeOf(s) : { household_id: p.household_id, unit_id: p.unit_id, unit_path: p.unit_path, region_code: p.region_code };
      return {
        id: p.id, name: s.name, name_initials: keys.initials, name_pinyin: keys.full,
        gender: s.gender ?? p.gender, birth_date: s.birthDate ?? p.birth_date,
        phone_enc: phoneChanged ? s.phoneEnc! : p.phone_enc, phone_hash: phoneChanged ? s.phoneHash! : p.phone_hash,
        ethnicity: s.ethnicity ?? p.ethnicity, political_status: s.politicalStatus ?? p.political_status,
        relation: s.relation ?? p.relation, residence_type: s.residenceType ?? p.residence_type,
        moved_in_on: s.movedInOn ?? p.moved_in_on, ...place,
      };
    }), now);
    await Q.replaceResidentTags(trx, updates.filter((u) => u.change.tags).map(({ s, p }) => ({
      id: p.id, tags: s.tagIds!, sensitive_ok: seesSensitive(actor, p.unit_path),
    })));
    tally.updated += updates.length;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading jobs and reports

const COLUMN_KEYS = new Set<string>(IMPORT_COLUMNS.map((c) => c.key));
const isColumnKey = (k: unknown): k is ImportColumnKey => typeof k === 'string' && COLUMN_KEYS.has(k);

/** Stored parameters in the reader's language: column keys as headers, a choice column as its words. */
function presentParams(locale: Locale, params: Params | null): Params {
  const out: Params = { ...(params ?? {}) };
  const sep = locale === 'en' ? ', ' : '、';
  if (isColumnKey(out.column)) out.column = columnLabel(locale, out.column);
  if (typeof out.columns === 'string') out.columns = out.columns.split(',').map((k) => (isColumnKey(k) ? columnLabel(locale, k) : k)).join(sep);
  if (typeof out.choices === 'string' && out.choices in CHOICES) {
    const col = out.choices as ChoiceColumn;
    out.values = CHOICES[col].map((code) => choiceLabel(locale, col, code)).join(sep);
  }
  return out;
}

function message(locale: Locale, key: string | null, params: Params | null): string | null {
  if (!key) return null;
  return isMessageKey(key) ? translate(locale, key, presentParams(locale, params)) : key;
}

export function presentJob(actor: Actor, locale: Locale, j: Q.JobRow): ImportJobView {
  const total = j.total_rows;
  const progress = j.status === 'ready' || j.status === 'committed' ? 1
    : j.status === 'committing' ? (j.valid_rows ? Math.min(1, j.processed_rows / j.valid_rows) : 1)
      : total ? Math.min(1, j.processed_rows / total) : 0;
  return {
    id: j.id,
    unit: { id: j.unit_id, name: j.unit_name, level: j.unit_level as ImportJobView['unit']['level'], code: j.unit_code },
    status: j.status,
    fileName: j.file_name,
    fileSha256: j.file_sha256,
    fileSize: Number(j.file_size),
    total,
    processed: j.processed_rows,
    progress: Math.round(progress * 1000) / 1000,
    valid: j.valid_rows,
    errors: j.error_rows,
    new: j.new_rows,
    updated: j.updated_rows,
    unchanged: j.unchanged_rows,
    householdsCreated: j.households_created,
    message: message(locale, j.message_key, j.message_params),
    createdBy: { id: j.created_by, name: j.creator_name },
    createdAt: j.created_at.toISOString(),
    validatedAt: j.validated_at?.toISOString() ?? null,
    committedAt: j.committed_at?.toISOString() ?? null,
    abilities: { commit: j.status === 'ready' && j.created_by === actor.userId && j.valid_rows > 0 },
  };
}

export async function getJob(ctx: AppContext, actor: Actor, locale: Locale, id: string): Promise<ImportJobView> {
  const j = await Q.findJobInScope(ctx.db, actor, id);
  if (!j) throw notFound();
  return presentJob(actor, locale, j);
}

export async function listJobs(ctx: AppContext, actor: Actor, locale: Locale, limit: number): Promise<ImportJobView[]> {
  return (await Q.listJobsInScope(ctx.db, actor, limit)).map((j) => presentJob(actor, locale, j));
}

/** The row-by-row report: row, column header and what is wrong, in the reader's language. */
export async function listIssues(ctx: AppContext, actor: Actor, locale: Locale, id: string, limit: number, offset: number) {
  const j = await Q.findJobInScope(ctx.db, actor, id);
  if (!j) throw notFound();
  const { rows, total } = await Q.issuesPage(ctx.db, id, limit, offset);
  return {
    total,
    items: rows.map((r) => ({
      row: r.row_number,
      columnKey: r.column_key,
      column: isColumnKey(r.column_key) ? columnLabel(locale, r.column_key) : null,
      message: message(locale, r.message_key, r.params) ?? '',
    })),
  };
}
