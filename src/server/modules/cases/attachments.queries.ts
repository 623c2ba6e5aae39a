import { sql, type ExpressionBuilder, type Insertable, type Selectable, type SqlBool } from 'kysely';
import type { Executor } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import type { AttachmentTable, Database } from '../../core/db/schema.js';

export type AttachmentRow = Selectable<AttachmentTable>;

/** No owner yet: neither a case, nor a patrol, nor a diary entry (the check constraint keeps the rest NULL with them). */
const unattached = (eb: ExpressionBuilder<Database, 'attachment'>) =>
  eb.and([eb('attachment.case_id', 'is', null), eb('attachment.patrol_id', 'is', null), eb('attachment.diary_entry_id', 'is', null)]);

/** The upload a caller already made under this idempotency key. */
export function findByIdempotencyKey(db: Executor, uploaderId: string, key: string): Promise<AttachmentRow | undefined> {
  return db.selectFrom('attachment').selectAll().where('uploader_id', '=', uploaderId).where('idempotency_key', '=', key).executeTakeFirst();
}

export function insertAttachment(db: Executor, row: Insertable<AttachmentTable>): Promise<AttachmentRow> {
  return db.insertInto('attachment').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findAttachment(db: Executor, id: string): Promise<AttachmentRow | undefined> {
  return db.selectFrom('attachment').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Of these ids, the unattached uploads of this account, locked for the linking transaction. */
export function lockUnattachedOf(db: Executor, uploaderId: string, ids: string[]) {
  return db.selectFrom('attachment').select(['id', 'case_id', 'content_type', 'width', 'height', 'created_at']).where('id', 'in', ids)
    .where('uploader_id', '=', uploaderId).where(unattached).forUpdate().execute();
}

interface LinkPlace {
  unit: { id: string; path: string; region_code: string };
  at: Date;
}
/** What photos are linked to: a case and its timeline step, a patrol, or a field diary entry. */
export type LinkTarget =
  | LinkPlace & { caseId: string; eventId: string }
  | LinkPlace & { patrolId: string }
  | LinkPlace & { diaryEntryId: string };

export function linkTo(db: Executor, ids: string[], t: LinkTarget) {
  const owner = 'caseId' in t ? { case_id: t.caseId, event_id: t.eventId }
    : 'patrolId' in t ? { patrol_id: t.patrolId } : { diary_entry_id: t.diaryEntryId };
  return db.updateTable('attachment').set({
    ...owner, unit_id: t.unit.id, unit_path: t.unit.path, region_code: t.unit.region_code, attached_at: t.at,
  }).where('id', 'in', ids).where(unattached).execute();
}

export type OwnerKind = 'patrol' | 'diary_entry';
const OWNER_COLUMN = { patrol: 'patrol_id', diary_entry: 'diary_entry_id' } as const;

/** The photos of patrols or diary entries, oldest first. */
export function attachmentsOfOwners(db: Executor, kind: OwnerKind, ids: string[]) {
  const column = OWNER_COLUMN[kind];
  return db.selectFrom('attachment').select(['id', 'patrol_id', 'diary_entry_id', 'content_type', 'byte_size', 'width', 'height'])
    .where(column, 'in', ids).orderBy('id').execute();
}

/**
 * Whether the caller may see the patrol or diary entry a photo belongs to: field work is read by who
 * records it (their grid) and who supervises it (their subtree), by the record's own unit_path.
 */
export async function fieldworkOwnerVisible(db: Executor, actor: Actor, row: Pick<AttachmentRow, 'patrol_id' | 'diary_entry_id'>): Promise<boolean> {
  const scoped = (column: string) => sql<SqlBool>`(${inScope(actor, 'fieldwork.record', column)} OR ${inScope(actor, 'fieldwork.supervise', column)})`;
  if (row.patrol_id) {
    return !!(await db.selectFrom('patrol').select('id').where('id', '=', row.patrol_id).where(scoped('patrol.unit_path')).executeTakeFirst());
  }
  if (row.diary_entry_id) {
    return !!(await db.selectFrom('diary_entry').select('id').where('id', '=', row.diary_entry_id).where(scoped('diary_entry.unit_path')).executeTakeFirst());
  }
  return false;
}

/** The photos of a case, oldest first. */
export function attachmentsOfCase(db: Executor, caseId: string) {
  return db.selectFrom('attachment').select(['id', 'event_id', 'content_type', 'width', 'height', 'created_at'])
    .where('case_id', '=', caseId).orderBy('id').execute();
}

/** Uploads never attached and older than `before`, locked (skipping rows another sweep holds). */
export function staleUnattached(db: Executor, before: Date, limit: number) {
  return db.selectFrom('attachment').select(['id', 'storage', 'storage_key', 'uploader_id'])
    .where(unattached).where('created_at', '<', before)
    .orderBy('created_at').limit(limit).forUpdate().skipLocked().execute();
}

export function deleteUnattached(db: Executor, ids: string[]) {
  return db.deleteFrom('attachment').where('id', 'in', ids).where(unattached).execute();
}
