import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql, type Selectable } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Executor, ImportJobStatus, ImportJobTable, ResidentTable } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import type { Params } from '../../../shared/i18n/index.js';
import { P } from './registry.policy.js';
import { Utf8Bytes } from './import.workbook.js';

export type JobRow = Selectable<ImportJobTable> & {
  unit_name: string;
  unit_level: string;
  unit_code: string;
  creator_name: string;
};

function jobs(db: Executor, actor: Actor) {
  return db.selectFrom('import_job as j')
    .innerJoin('unit as u', 'u.id', 'j.unit_id')
    .innerJoin('app_user as a', 'a.id', 'j.created_by')
    .selectAll('j')
    .select(['u.name as unit_name', 'u.level as unit_level', 'u.code as unit_code', 'a.display_name as creator_name'])
    .where(inScope(actor, P.import, 'j.unit_path'));
}

/** An import job in the caller's import scope (missing and out of scope look the same). */
export function findJobInScope(db: Executor, actor: Actor, id: string): Promise<JobRow | undefined> {
  return jobs(db, actor).where('j.id', '=', id).executeTakeFirst();
}

export function listJobsInScope(db: Executor, actor: Actor, limit: number): Promise<JobRow[]> {
  return jobs(db, actor).orderBy('j.created_at', 'desc').orderBy('j.id', 'desc').limit(limit).execute();
}

/** The unit an import goes to, in the caller's import scope. */
export function findImportUnit(db: Executor, actor: Actor, unitId: string) {
  return db.selectFrom('unit').select(['id', 'name', 'level', 'path', 'region_code'])
    .where('id', '=', unitId).where(inScope(actor, P.import, 'unit.path')).executeTakeFirst();
}

export async function insertJob(db: Executor, v: {
  unit_id: string; unit_path: string; region_code: string; file_name: string; file_sha256: string; file_size: number;
  stored_file: string; total_rows: number | null; created_by: string; now: Date;
}): Promise<string> {
  const { now, ...rest } = v;
  const row = await db.insertInto('import_job').values({ ...rest, status: 'validating', created_at: now, updated_at: now })
    .returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export interface JobCounts {
  total_rows?: number | null;
  processed_rows?: number;
  valid_rows?: number;
  error_rows?: number;
  new_rows?: number;
  updated_rows?: number;
  unchanged_rows?: number;
  households_created?: number;
}

export async function updateJob(db: Executor, id: string, now: Date, patch: JobCounts & {
  status?: ImportJobStatus; stored_file?: string | null; validated_at?: Date; committed_at?: Date;
}): Promise<void> {
  await db.updateTable('import_job').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
}

/** Mark a job failed with a reason; its staged rows go (the report of problems stays). */
export async function failJob(db: Executor, id: string, now: Date, key: string, params: Params = {}): Promise<void> {
  await db.updateTable('import_job').set({
    status: 'failed', message_key: key, message_params: JSON.stringify(params), stored_file: null, updated_at: now,
  }).where('id', '=', id).execute();
  await db.deleteFrom('import_row').where('job_id', '=', id).execute();
}

/** Forget what a failed reading staged: rows and problems. */
export async function clearStaging(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('import_row').where('job_id', '=', id).execute();
  await db.deleteFrom('import_issue').where('job_id', '=', id).execute();
}

/** ready → committing, once: the second of two concurrent commits gets nothing (409). */
export async function claimForCommit(db: Executor, id: string, userId: string, now: Date): Promise<boolean> {
  const r = await db.updateTable('import_job')
    .set({ status: 'committing', processed_rows: 0, committed_by: userId, updated_at: now })
    .where('id', '=', id).where('status', '=', 'ready').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Jobs a stopped server left half-done: failed, with the files they were reading. */
export async function failInterrupted(db: Executor, now: Date): Promise<{ id: string; stored_file: string | null }[]> {
  const rows = await db.updateTable('import_job')
    .set({ status: 'failed', message_key: 'import.failed.interrupted', message_params: JSON.stringify({}), updated_at: now })
    .where('status', 'in', ['validating', 'committing'])
    .returning(['id', 'stored_file']).execute();
  for (const r of rows) {
    await db.deleteFrom('import_row').where('job_id', '=', r.id).execute();
    await db.updateTable('import_job').set({ stored_file: null }).where('id', '=', r.id).execute();
  }
  return rows;
}

/** Checked jobs nobody committed for `days`: failed, their staged personal data removed. */
export async function expireReady(db: Executor, now: Date, days: number): Promise<number> {
  const before = new Date(now.getTime() - days * 86_400_000);
  const rows = await db.updateTable('import_job')
    .set({ status: 'failed', message_key: 'import.failed.expired', message_params: JSON.stringify({ days }), updated_at: now })
    .where('status', '=', 'ready').where('validated_at', '<', before)
    .returning('id').execute();
  for (const r of rows) await db.deleteFrom('import_row').where('job_id', '=', r.id).execute();
  return rows.length;
}

// ---------------------------------------------------------------------------------------------
// Staging

export interface StagedRowInsert {
  row_number: number;
  status: 'valid' | 'error';
  action: 'new' | 'update' | 'unchanged' | null;
  resident_id: string | null;
  data: string | null;
}

export interface IssueInsert {
  row_number: number;
  column_key: string | null;
  message_key: string;
  params: string | null;
}

/**
 * Checked rows as the lines COPY reads into import_row, encoded as each is added: a batch waiting to be
 * staged is bytes off the JavaScript heap, not a string per row kept until the write (which the
 * collector would move to its old generation, growing the heap by the length of the import). Cleared
 * and filled again, the same bytes serve batch after batch.
 */
export class StagedRows {
  private readonly job: string;
  private readonly text = new Utf8Bytes(256 * 1024);
  count = 0;

  constructor(jobId: string) {
    this.job = String(BigInt(jobId));
  }

  add(r: StagedRowInsert): void {
    const line = `${this.job}\t${r.row_number}\t${r.status}\t${r.action ?? '\\N'}\t${r.resident_id === null ? '\\N' : String(BigInt(r.resident_id))}\t${r.data === null ? '\\N' : copyText(r.data)}\n`;
    this.text.append(line);
    this.count++;
  }

  bytes(): Buffer {
    return this.text.bytes();
  }

  /** Empty again, keeping the bytes for the next batch (once its COPY is over). */
  clear(): void {
    this.text.clear();
    this.count = 0;
  }
}

/**
 * Stage a batch of checked rows and their problems. The rows go by COPY on a connection of their own
 * (the cheapest way in for the server: no statement to plan, each row's JSON parsed once); the
 * problems, few, by one statement with a handful of parameters however many they are.
 */
export async function insertStaged(pool: pg.Pool, db: Executor, jobId: string, rows: StagedRows, issues: IssueInsert[]): Promise<void> {
  if (rows.count) {
    const client = await pool.connect();
    let failure: unknown;
    try {
      await pipeline(Readable.from([rows.bytes()]), client.query(copyFrom('COPY import_row (job_id, row_number, status, action, resident_id, data) FROM STDIN')));
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      // A connection whose COPY failed is not given back to the pool.
      client.release(failure !== undefined);
    }
  }
  if (issues.length) {
    await sql`
      INSERT INTO import_issue (job_id, row_number, column_key, message_key, params)
      SELECT ${jobId}::bigint, u.row_number, u.column_key, u.message_key, NULLIF(u.params, 'null'::jsonb)
      FROM ROWS FROM (unnest(${issues.map((r) => r.row_number)}::integer[]), unnest(${issues.map((r) => r.column_key)}::text[]),
        unnest(${issues.map((r) => r.message_key)}::text[]), jsonb_array_elements(${jsonArray(issues.map((r) => r.params))}::jsonb))
        AS u(row_number, column_key, message_key, params)`.execute(db);
  }
}

/**
 * JSON text as a value of COPY's text format: only its backslashes need doubling (JSON.stringify
 * writes tabs, line breaks and other control characters as escapes).
 */
function copyText(json: string): string {
  return json.includes('\\') ? json.replace(/\\/g, '\\\\') : json;
}

/** JSON texts (null for none) as one JSON array text, in order. */
function jsonArray(items: (string | null)[]): string {
  return `[${items.map((j) => j ?? 'null').join(',')}]`;
}

/** Fresh planner statistics for the staging table (after a large job was staged). */
export async function analyzeStaging(db: Executor): Promise<void> {
  await sql`ANALYZE import_row`.execute(db);
}

export interface StagedRow { row_number: number; data: unknown }

/**
 * The valid staged rows of a job in row order, read in one pass through a cursor (inside the commit's
 * transaction): each fetchStaged returns the next `limit` rows, none when all are read.
 */
export async function openStaged(trx: Executor, jobId: string): Promise<void> {
  await sql`DECLARE import_staged NO SCROLL CURSOR FOR
    SELECT row_number, data FROM import_row WHERE job_id = ${jobId} AND status = 'valid' ORDER BY row_number`.execute(trx);
}

export async function fetchStaged(trx: Executor, limit: number): Promise<StagedRow[]> {
  return (await sql<StagedRow>`FETCH FORWARD ${sql.lit(Math.trunc(limit))} FROM import_staged`.execute(trx)).rows;
}

export async function closeStaged(trx: Executor): Promise<void> {
  await sql`CLOSE import_staged`.execute(trx);
}

/** The buildings the valid rows of a job place people in (also 'unchanged' ones: the registry may have moved since). */
export async function stagedBuildingIds(db: Executor, jobId: string): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    SELECT DISTINCT data->>'buildingId' AS id FROM import_row
    WHERE job_id = ${jobId} AND status = 'valid' AND data ? 'buildingId'`.execute(db);
  return rows.rows.map((r) => r.id);
}

export async function firstRowWithBuilding(db: Executor, jobId: string, buildingId: string): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT min(row_number) AS n FROM import_row WHERE job_id = ${jobId} AND data->>'buildingId' = ${buildingId}`.execute(db);
  return r.rows[0]?.n ?? 0;
}

export async function issuesPage(db: Executor, jobId: string, limit: number, offset: number) {
  const [rows, count] = await Promise.all([
    db.selectFrom('import_issue').select(['row_number', 'column_key', 'message_key', 'params'])
      .where('job_id', '=', jobId).orderBy('row_number').orderBy('id').limit(limit).offset(offset).execute(),
    db.selectFrom('import_issue').select(sql<string>`count(*)`.as('n')).where('job_id', '=', jobId).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

// ---------------------------------------------------------------------------------------------
// The registry as the import sees it

export interface BuildingRef { id: string; name: string; unit_id: string; unit_path: string; region_code: string; floors: number | null }

/** Buildings under `path` the caller may write to (people are placed in them). */
export function buildingsUnder(db: Executor, actor: Actor, path: string): Promise<BuildingRef[]> {
  return db.selectFrom('building').select(['id', 'name', 'unit_id', 'unit_path', 'region_code', 'floors'])
    .where(sql<boolean>`unit_path <@ ${path}::ltree`)
    .where(inScope(actor, P.write, 'building.unit_path'))
    .execute();
}

export function entrancesOf(db: Executor, buildingIds: string[]) {
  if (buildingIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('entrance').select(['id', 'building_id', 'name']).where('building_id', 'in', buildingIds).execute();
}

export function activeTags(db: Executor) {
  return db.selectFrom('care_tag').select(['id', 'code', 'name_zh', 'name_en', 'sensitive', 'applies_to'])
    .where('is_active', '=', true).orderBy('sort_order').orderBy('id').execute();
}

export type PersonRow = Selectable<ResidentTable> & { building_id: string | null; entrance_id: string | null; room: string | null };

/**
 * Registered people with these ID-number hashes, wherever they are: the import must know that a
 * person exists elsewhere (it says so without saying where). `lock` holds them for a commit.
 */
export function personsByHash(db: Executor, hashes: string[], opts: { lock?: boolean } = {}): Promise<PersonRow[]> {
  if (hashes.length === 0) return Promise.resolve([]);
  let q = db.selectFrom('resident as r').leftJoin('household as h', 'h.id', 'r.household_id')
    .selectAll('r').select(['h.building_id', 'h.entrance_id', 'h.room'])
    .where('r.id_number_hash', 'in', hashes);
  if (opts.lock) q = q.forUpdate('r');
  return q.execute();
}

export interface PersonTag { resident_id: string; id: string; code: string; sensitive: boolean; is_active: boolean }

export async function tagsOfResidents(db: Executor, ids: string[]): Promise<Map<string, PersonTag[]>> {
  const out = new Map<string, PersonTag[]>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('resident_tag as rt').innerJoin('care_tag as t', 't.id', 'rt.tag_id')
    .select(['rt.resident_id', 't.id', 't.code', 't.sensitive', 't.is_active'])
    .where('rt.resident_id', 'in', ids).orderBy('t.code').execute();
  for (const r of rows) {
    const list = out.get(r.resident_id) ?? [];
    list.push(r);
    out.set(r.resident_id, list);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Committing

/** Lock the buildings people are placed in (households are created under this lock, as createHousehold does). */
export function lockBuildings(db: Executor, ids: string[]): Promise<BuildingRef[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('building').select(['id', 'name', 'unit_id', 'unit_path', 'region_code', 'floors'])
    .where('id', 'in', ids).orderBy('id').forUpdate().execute();
}

export function entrancesById(db: Executor, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('entrance').select(['id', 'building_id']).where('id', 'in', ids).execute();
}

export interface HouseholdKey { building_id: string; entrance_id: string | null; room: string }

export async function findHouseholds(db: Executor, keys: HouseholdKey[]): Promise<(HouseholdKey & { id: string })[]> {
  if (keys.length === 0) return [];
  const rows = await sql<HouseholdKey & { id: string }>`
    SELECT min(h.id)::text AS id, h.building_id::text AS building_id, h.entrance_id::text AS entrance_id, h.room
    FROM household h
    JOIN jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS k(building_id bigint, entrance_id bigint, room text)
      ON h.building_id = k.building_id AND h.entrance_id IS NOT DISTINCT FROM k.entrance_id AND h.room = k.room
    GROUP BY h.building_id, h.entrance_id, h.room`.execute(db);
  return rows.rows;
}

export async function insertHouseholds(db: Executor, rows: (HouseholdKey & { floor: number | null })[]): Promise<(HouseholdKey & { id: string })[]> {
  if (rows.length === 0) return [];
  const out = await sql<HouseholdKey & { id: string }>`
    INSERT INTO household (building_id, entrance_id, unit_id, unit_path, region_code, room, floor)
    SELECT b.id, k.entrance_id, b.unit_id, b.unit_path, b.region_code, k.room, k.floor
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS k(building_id bigint, entrance_id bigint, room text, floor integer)
    JOIN building b ON b.id = k.building_id
    RETURNING id::text AS id, building_id::text AS building_id, entrance_id::text AS entrance_id, room`.execute(db);
  return out.rows;
}

/** A new resident of a staged row: what the commit adds to the staged values (its household and pinyin keys). */
export interface NewResident {
  row_number: number;
  household_id: string;
  name_initials: string;
  name_pinyin: string;
}

/**
 * Register the new residents of staged rows, with their tags, in one statement: the values are read
 * from the staged rows where they already are (nothing sent back to the server but each row's
 * number, household and pinyin keys); the place (unit, path, region) is the building's, as for a
 * resident created by hand. New residents have no tags yet: the staged tags are simply added.
 * Returns how many residents were registered.
 *
 * Each row's id is drawn from the resident sequence first, in row order, so that the tags are
 * written from the same rows with no join back to the insert: joined on the ID-number hash, the
 * planner (which sees one row in each CTE) chose a nested loop — 2 000 × 2 000 comparisons, 1.7 s of
 * a 2.1 s batch on the full district.
 */
export async function insertNewResidents(db: Executor, jobId: string, rows: NewResident[]): Promise<number> {
  if (rows.length === 0) return 0;
  const out = await sql<{ n: number }>`
    WITH src AS MATERIALIZED (
      SELECT nextval((SELECT pg_get_serial_sequence('resident', 'id'))::regclass) AS id, x.*
      FROM (
        SELECT u.ord, u.household_id, u.name_initials, u.name_pinyin, r.data AS d, b.unit_id, b.unit_path, b.region_code
        FROM ROWS FROM (unnest(${rows.map((r) => r.row_number)}::integer[]), unnest(${rows.map((r) => r.household_id)}::bigint[]),
          unnest(${rows.map((r) => r.name_initials)}::text[]), unnest(${rows.map((r) => r.name_pinyin)}::text[]))
          WITH ORDINALITY AS u(row_number, household_id, name_initials, name_pinyin, ord)
        JOIN import_row r ON r.job_id = ${jobId} AND r.row_number = u.row_number
          -- The batch's range of rows: read through the key, not by hashing all the job's rows.
          AND r.row_number BETWEEN ${Math.min(...rows.map((r) => r.row_number))} AND ${Math.max(...rows.map((r) => r.row_number))}
        JOIN building b ON b.id = (r.data->>'buildingId')::bigint
        ORDER BY u.ord
      ) x
    ), ins AS (
      INSERT INTO resident (id, household_id, unit_id, unit_path, region_code, name, name_initials, name_pinyin, gender, birth_date,
        id_number_enc, id_number_hash, phone_enc, phone_hash, ethnicity, political_status, relation, residence_type, moved_in_on)
      OVERRIDING SYSTEM VALUE
      SELECT s.id, s.household_id, s.unit_id, s.unit_path, s.region_code, s.d->>'name', s.name_initials, s.name_pinyin, s.d->>'gender',
        (s.d->>'birthDate')::date, s.d->>'idNumberEnc', s.d->>'idNumberHash', s.d->>'phoneEnc', s.d->>'phoneHash',
        s.d->>'ethnicity', s.d->>'politicalStatus', s.d->>'relation', coalesce(s.d->>'residenceType', 'registered'),
        (s.d->>'movedInOn')::date
      FROM src s
      ORDER BY s.ord
      RETURNING 1
    ), tagged AS (
      -- The tags carry their resident's place (migrations/0021), given here: the trigger would
      -- otherwise read and share-lock each new resident again, a row at a time.
      INSERT INTO resident_tag (resident_id, tag_id, since, unit_path)
      SELECT s.id, t.tag_id::bigint, current_date, s.unit_path
      FROM src s CROSS JOIN LATERAL jsonb_array_elements_text(s.d->'tagIds') AS t(tag_id)
      ON CONFLICT DO NOTHING
    )
    SELECT count(*)::integer AS n FROM ins`.execute(db);
  return out.rows[0]?.n ?? 0;
}

export interface ResidentState {
  id: string;
  name: string;
  name_initials: string;
  name_pinyin: string;
  gender: string | null;
  birth_date: string | null;
  phone_enc: string | null;
  phone_hash: string | null;
  ethnicity: string | null;
  political_status: string | null;
  relation: string | null;
  residence_type: string;
  moved_in_on: string | null;
  household_id: string | null;
  unit_id: string;
  unit_path: string;
  region_code: string;
}

/** Write the new state of many residents in one statement (version + 1, as every change does). */
export async function updateResidents(db: Executor, rows: ResidentState[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    UPDATE resident r SET
      name = v.name, name_initials = v.name_initials, name_pinyin = v.name_pinyin,
      gender = v.gender, birth_date = v.birth_date::date,
      phone_enc = v.phone_enc, phone_hash = v.phone_hash,
      ethnicity = v.ethnicity, political_status = v.political_status, relation = v.relation,
      residence_type = v.residence_type, moved_in_on = v.moved_in_on::date,
      household_id = v.household_id, unit_id = v.unit_id, unit_path = v.unit_path::ltree, region_code = v.region_code,
      version = r.version + 1, updated_at = ${now}
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(
      id bigint, name text, name_initials text, name_pinyin text, gender text, birth_date text, phone_enc text,
      phone_hash text, ethnicity text, political_status text, relation text, residence_type text, moved_in_on text,
      household_id bigint, unit_id bigint, unit_path text, region_code text)
    WHERE r.id = v.id`.execute(db);
}

/**
 * Replace the tags of many residents (replaceTags, set-wise): tags not in the new set go, except
 * sensitive ones where the caller may not see them; new ones are added.
 */
export async function replaceResidentTags(db: Executor, rows: { id: string; tags: string[]; sensitive_ok: boolean }[]): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(rows);
  await sql`
    DELETE FROM resident_tag x USING care_tag t,
      jsonb_to_recordset(${json}::jsonb) AS v(id bigint, tags bigint[], sensitive_ok boolean)
    WHERE x.resident_id = v.id AND x.tag_id = t.id AND NOT (x.tag_id = ANY(v.tags)) AND (v.sensitive_ok OR NOT t.sensitive)`.execute(db);
  await sql`
    INSERT INTO resident_tag (resident_id, tag_id, since)
    SELECT v.id, unnest(v.tags), current_date FROM jsonb_to_recordset(${json}::jsonb) AS v(id bigint, tags bigint[])
    ON CONFLICT DO NOTHING`.execute(db);
}

// ---------------------------------------------------------------------------------------------
// ID numbers a check has read (a repeat within a file is an error), held by the check's own connection

/** A table of this session: each ID-number hash read so far and the row it was first on. */
export async function openSeenIds(db: Executor): Promise<void> {
  await sql`DROP TABLE IF EXISTS pg_temp.import_seen_id`.execute(db);
  await sql`CREATE TEMP TABLE import_seen_id (hash text COLLATE "C" PRIMARY KEY, row_number integer NOT NULL)`.execute(db);
}

/**
 * Note a batch's hashes (each with its first row in the batch); returns those noted by an earlier
 * batch, with the row they were first on. One statement: what it reads is the table before its own
 * inserts, and the earlier row is looked up by key for the repeats only.
 */
export async function markSeenIds(db: Executor, hashes: string[], rows: number[]): Promise<Map<string, number>> {
  if (hashes.length === 0) return new Map();
  const r = await sql<{ hash: string; row_number: number }>`
    WITH b AS (SELECT * FROM unnest(${hashes}::text[], ${rows}::integer[]) AS b(hash, row_number)),
    ins AS (
      INSERT INTO pg_temp.import_seen_id (hash, row_number) SELECT hash, row_number FROM b
      ON CONFLICT (hash) DO NOTHING RETURNING hash
    )
    SELECT b.hash, (SELECT s.row_number FROM pg_temp.import_seen_id s WHERE s.hash = b.hash) AS row_number
    FROM b WHERE NOT EXISTS (SELECT FROM ins WHERE ins.hash = b.hash)`.execute(db);
  return new Map(r.rows.map((x) => [x.hash, x.row_number]));
}

export async function dropSeenIds(db: Executor): Promise<void> {
  await sql`DROP TABLE IF EXISTS pg_temp.import_seen_id`.execute(db);
}
