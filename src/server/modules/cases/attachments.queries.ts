import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../../core/db/index.js';
import type { AttachmentTable } from '../../core/db/schema.js';

export type AttachmentRow = Selectable<AttachmentTable>;

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
  return db.selectFrom('attachment').select(['id', 'case_id']).where('id', 'in', ids)
    .where('uploader_id', '=', uploaderId).where('case_id', 'is', null).forUpdate().execute();
}

export interface LinkTarget {
  caseId: string;
  eventId: string;
  unit: { id: string; path: string; region_code: string };
  at: Date;
}

export function linkToCase(db: Executor, ids: string[], t: LinkTarget) {
  return db.updateTable('attachment').set({
    case_id: t.caseId, event_id: t.eventId, unit_id: t.unit.id, unit_path: t.unit.path, region_code: t.unit.region_code, attached_at: t.at,
  }).where('id', 'in', ids).where('case_id', 'is', null).execute();
}

/** The photos of a case, oldest first. */
export function attachmentsOfCase(db: Executor, caseId: string) {
  return db.selectFrom('attachment').select(['id', 'event_id', 'content_type', 'width', 'height', 'created_at'])
    .where('case_id', '=', caseId).orderBy('id').execute();
}

/** Uploads never attached and older than `before`, locked (skipping rows another sweep holds). */
export function staleUnattached(db: Executor, before: Date, limit: number) {
  return db.selectFrom('attachment').select(['id', 'storage', 'storage_key', 'uploader_id'])
    .where('case_id', 'is', null).where('created_at', '<', before)
    .orderBy('created_at').limit(limit).forUpdate().skipLocked().execute();
}

export function deleteUnattached(db: Executor, ids: string[]) {
  return db.deleteFrom('attachment').where('id', 'in', ids).where('case_id', 'is', null).execute();
}
