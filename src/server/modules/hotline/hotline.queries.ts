import { sql, type Selectable, type SqlBool } from 'kysely';
import type { CaseTimeLimit, Executor, HotlineImportJobTable, HotlineImportStatus, HotlineSourceTable, UnitLevel } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import type { Params } from '../../../shared/i18n/index.js';
import { P } from './hotline.policy.js';

// ---------------------------------------------------------------------------------------------
// Sources

export type SourceRow = Selectable<HotlineSourceTable> & { unit_name: string; unit_level: UnitLevel; unit_code: string };

function sources(db: Executor, actor: Actor) {
  return db.selectFrom('hotline_source as s').innerJoin('unit as u', 'u.id', 's.unit_id')
    .selectAll('s').select(['u.name as unit_name', 'u.level as unit_level', 'u.code as unit_code'])
    .where(inScope(actor, P.import, 's.unit_path'));
}

/** A source in the caller's scope (missing and out of scope look the same). */
export function findSource(db: Executor, actor: Actor, id: string): Promise<SourceRow | undefined> {
  return sources(db, actor).where('s.id', '=', id).executeTakeFirst();
}

export function listSources(db: Executor, actor: Actor): Promise<SourceRow[]> {
  return sources(db, actor).orderBy('u.path').orderBy('s.name').orderBy('s.id').execute();
}

/** The unit a source is created for, in the caller's scope. */
export function findUnitInScope(db: Executor, actor: Actor, unitId: string) {
  return db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path', 'region_code'])
    .where('id', '=', unitId).where(inScope(actor, P.import, 'unit.path')).executeTakeFirst();
}

export async function insertSource(db: Executor, v: {
  name: string; unit_id: string; unit_path: string; region_code: string; mapping: unknown; created_by: string; now: Date;
}): Promise<string> {
  const { now, mapping, ...rest } = v;
  const row = await db.insertInto('hotline_source').values({ ...rest, mapping: JSON.stringify(mapping), created_at: now, updated_at: now })
    .returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Change a source at the version the caller read; false when it moved on. */
export async function updateSource(db: Executor, id: string, version: number, patch: { name?: string; mapping?: unknown }, now: Date): Promise<boolean> {
  const r = await db.updateTable('hotline_source').set({
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.mapping !== undefined ? { mapping: JSON.stringify(patch.mapping) } : {}),
    version: sql`version + 1`, updated_at: now,
  }).where('id', '=', id).where('version', '=', version).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Save the mapping a file was checked with, whatever the version (the last mapping confirmed wins). */
export async function saveMapping(db: Executor, id: string, mapping: unknown, now: Date): Promise<void> {
  await db.updateTable('hotline_source').set({ mapping: JSON.stringify(mapping), version: sql`version + 1`, updated_at: now })
    .where('id', '=', id).execute();
}

export async function deleteSource(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('hotline_source').where('id', '=', id).execute();
}

export function storedFilesOfSource(db: Executor, id: string) {
  return db.selectFrom('hotline_import_job').select('stored_file').where('source_id', '=', id).where('stored_file', 'is not', null).execute();
}

// ---------------------------------------------------------------------------------------------
// Jobs

export type JobRow = Selectable<HotlineImportJobTable> & {
  source_name: string;
  unit_name: string;
  unit_level: UnitLevel;
  unit_code: string;
  creator_name: string;
};

function jobs(db: Executor, actor: Actor) {
  return db.selectFrom('hotline_import_job as j')
    .innerJoin('hotline_source as s', 's.id', 'j.source_id')
    .innerJoin('unit as u', 'u.id', 'j.unit_id')
    .innerJoin('app_user as a', 'a.id', 'j.created_by')
    .selectAll('j')
    .select(['s.name as source_name', 'u.name as unit_name', 'u.level as unit_level', 'u.code as unit_code', 'a.display_name as creator_name'])
    .where(inScope(actor, P.import, 'j.unit_path'));
}

export function findJob(db: Executor, actor: Actor, id: string): Promise<JobRow | undefined> {
  return jobs(db, actor).where('j.id', '=', id).executeTakeFirst();
}

export function listJobs(db: Executor, actor: Actor, sourceId: string | undefined, limit: number): Promise<JobRow[]> {
  let q = jobs(db, actor);
  if (sourceId) q = q.where('j.source_id', '=', sourceId);
  return q.orderBy('j.created_at', 'desc').orderBy('j.id', 'desc').limit(limit).execute();
}

export async function insertJob(db: Executor, v: {
  source_id: string; unit_id: string; unit_path: string; region_code: string; file_name: string; file_format: 'xlsx' | 'csv';
  file_sha256: string; file_size: number; stored_file: string; header_row: number; headers: string[];
  column_values: Record<string, string[]>; sample_rows: string[][]; total_rows: number; created_by: string; now: Date;
}): Promise<string> {
  const { now, headers, column_values, sample_rows, ...rest } = v;
  const row = await db.insertInto('hotline_import_job').values({
    ...rest, headers: JSON.stringify(headers), column_values: JSON.stringify(column_values), sample_rows: JSON.stringify(sample_rows),
    status: 'mapping', created_at: now, updated_at: now,
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export interface JobPatch {
  status?: HotlineImportStatus;
  stored_file?: string | null;
  mapping?: string;
  total_rows?: number;
  processed_rows?: number;
  new_rows?: number;
  warning_rows?: number;
  duplicate_rows?: number;
  error_rows?: number;
  created_rows?: number;
  deadlines_updated?: number;
  validated_at?: Date | null;
  committed_by?: string;
  committed_at?: Date;
  message_key?: string | null;
  message_params?: string | null;
}

export async function updateJob(db: Executor, id: string, now: Date, patch: JobPatch): Promise<void> {
  await db.updateTable('hotline_import_job').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
}

/** Move a job from one of `from` to `to`, once: false when it is not in one of them (two clicks: one wins). */
export async function claimJob(db: Executor, id: string, from: HotlineImportStatus[], to: HotlineImportStatus, now: Date, patch: JobPatch = {}): Promise<boolean> {
  const r = await db.updateTable('hotline_import_job').set({ ...patch, status: to, updated_at: now })
    .where('id', '=', id).where('status', 'in', from).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function failJob(db: Executor, id: string, now: Date, key: string, params: Params = {}, keepFile = false): Promise<void> {
  await db.updateTable('hotline_import_job').set({
    status: 'failed', message_key: key, message_params: JSON.stringify(params), updated_at: now,
    ...(keepFile ? {} : { stored_file: null }),
  }).where('id', '=', id).execute();
}

/** Jobs a stopped server left half-done: failed (their staged rows stay for the report). */
export async function failInterrupted(db: Executor, now: Date): Promise<{ id: string; stored_file: string | null }[]> {
  return db.updateTable('hotline_import_job')
    .set({ status: 'failed', message_key: 'hotline.failed.interrupted', message_params: JSON.stringify({}), stored_file: null, updated_at: now })
    .where('status', 'in', ['validating', 'committing'])
    .returning(['id', 'stored_file']).execute();
}

/** Uploads nobody committed for `days`: failed, their files and staged personal data removed. */
export async function expireStale(db: Executor, now: Date, days: number): Promise<{ id: string; stored_file: string | null }[]> {
  const before = new Date(now.getTime() - days * 86_400_000);
  const rows = await db.updateTable('hotline_import_job')
    .set({ status: 'failed', message_key: 'hotline.failed.expired', message_params: JSON.stringify({ days }), stored_file: null, updated_at: now })
    .where('status', 'in', ['mapping', 'ready']).where('created_at', '<', before)
    .returning(['id', 'stored_file']).execute();
  if (rows.length) await db.updateTable('hotline_import_row').set({ data: null }).where('job_id', 'in', rows.map((r) => r.id)).execute();
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Rows

export interface RowInsert {
  job_id: string;
  row_number: number;
  order_no: string | null;
  status: 'new' | 'warning' | 'duplicate' | 'error';
  messages: string;
  data: string | null;
  placement: string | null;
  existing_case_id: string | null;
}

export async function insertRows(db: Executor, rows: RowInsert[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('hotline_import_row').values(rows.slice(i, i + 500)).execute();
}

export async function clearRows(db: Executor, jobId: string): Promise<void> {
  await db.deleteFrom('hotline_import_row').where('job_id', '=', jobId).execute();
}

export async function rowsPage(db: Executor, jobId: string, status: string | undefined, limit: number, offset: number) {
  let q = db.selectFrom('hotline_import_row as r')
    .leftJoin('cases as c', (j) => j.on(sql<SqlBool>`c.id = coalesce(r.case_id, r.existing_case_id)`))
    .select(['r.row_number', 'r.order_no', 'r.status', 'r.messages', 'r.placement', 'c.id as case_id', 'c.number as case_number', 'c.unit_path as case_path', 'c.handling_path as case_handling_path'])
    .where('r.job_id', '=', jobId);
  let count = db.selectFrom('hotline_import_row').select(sql<string>`count(*)`.as('n')).where('job_id', '=', jobId);
  if (status) {
    q = q.where('r.status', '=', status as 'new');
    count = count.where('status', '=', status as 'new');
  }
  const [rows, n] = await Promise.all([q.orderBy('r.row_number').limit(limit).offset(offset).execute(), count.executeTakeFirstOrThrow()]);
  return { rows, total: Number(n.n) };
}

/** Rows to write at commit: new ones and duplicates whose deadline changed, after `afterRow`. */
export function commitBatch(db: Executor, jobId: string, afterRow: number, limit: number) {
  return db.selectFrom('hotline_import_row').select(['row_number', 'order_no', 'status', 'data', 'placement', 'existing_case_id'])
    .where('job_id', '=', jobId).where('row_number', '>', afterRow)
    .where((eb) => eb.or([eb('status', 'in', ['new', 'warning']), eb.and([eb('status', '=', 'duplicate'), eb('data', 'is not', null)])]))
    .orderBy('row_number').limit(limit).execute();
}

export async function setRowCase(db: Executor, jobId: string, rowNumber: number, caseId: string): Promise<void> {
  await db.updateTable('hotline_import_row').set({ case_id: caseId }).where('job_id', '=', jobId).where('row_number', '=', rowNumber).execute();
}

/** Once committed, the staged values (a caller's phone among them) are no longer kept. */
export async function dropStagedData(db: Executor, jobId: string): Promise<void> {
  await db.updateTable('hotline_import_row').set({ data: null }).where('job_id', '=', jobId).execute();
}

// ---------------------------------------------------------------------------------------------
// What a row is checked against

/** Cases already holding these order numbers (wherever they are: one order is one case). */
export function casesByOrderNo(db: Executor, orderNos: string[], opts: { lock?: boolean } = {}) {
  if (orderNos.length === 0) return Promise.resolve([]);
  let q = db.selectFrom('cases').select(['id', 'number', 'hotline_order_no', 'hotline_deadline', 'unit_path', 'handling_path', 'state', 'version'])
    .where('hotline_order_no', 'in', orderNos);
  if (opts.lock) q = q.forUpdate();
  return q.execute();
}
export type ExistingCase = Awaited<ReturnType<typeof casesByOrderNo>>[number];

/** Buildings under a unit with a point and an address (where a row's address may name one). */
export function buildingsUnder(db: Executor, path: string) {
  return db.selectFrom('building').select(['id', 'name', 'address', 'lng', 'lat', 'unit_id', 'unit_path'])
    .where(sql<SqlBool>`unit_path <@ ${path}::ltree`)
    .where('lng', 'is not', null).where('lat', 'is not', null).where('address', 'is not', null)
    .execute();
}

/** The units of a subtree (the receiving unit included) with the bounding boxes of their boundaries. */
export function unitsUnder(db: Executor, path: string) {
  return db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path', 'region_code', 'bbox'])
    .where(sql<SqlBool>`path <@ ${path}::ltree`).orderBy('path').execute();
}

export interface UnitRow { id: string; name: string; level: UnitLevel; code: string; path: string; region_code: string }

export function unitsById(db: Executor, ids: string[]): Promise<UnitRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path', 'region_code']).where('id', 'in', ids).execute();
}

export interface CategoryRow {
  id: string; code: string; parent_id: string | null; name_zh: string; name_en: string;
  accept_limit: CaseTimeLimit; handle_limit: CaseTimeLimit; verify_limit: CaseTimeLimit; urgent_handle_limit: CaseTimeLimit;
  default_level: 'grid' | 'community' | 'street'; department_code: string | null; is_active: boolean; sort_order: number;
}

export function activeCategories(db: Executor): Promise<CategoryRow[]> {
  return db.selectFrom('case_category').selectAll().where('is_active', '=', true).execute();
}
