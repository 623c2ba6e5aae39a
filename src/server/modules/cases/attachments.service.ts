/**
 * Case attachments (photos). An upload is its own request — a phone may send its photos before the
 * report, or again after a lost answer (the same Idempotency-Key answers the same attachment) — and
 * answers an id. The report or step that uses the ids links them, in its own transaction, to the
 * case and to the timeline row it writes. Uploads never used are swept after a day.
 *
 * What a file is comes from its bytes (JPEG, PNG, WebP), never from a header or a name; the bytes
 * live in the object store (disk or S3-compatible), never under the web root.
 */
import crypto from 'node:crypto';
import type { AppContext } from '../../core/context.js';
import type { Executor, Trx } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, conflict, invalid } from '../../core/http/errors.js';
import { attachmentStore, sniffImage, storeFor } from '../../core/storage/index.js';
import type { AttachmentView } from '../../../shared/cases.schemas.js';
import * as A from './attachments.queries.js';

const isUniqueViolation = (e: unknown, constraint: string) =>
  typeof e === 'object' && e !== null && (e as { code?: string }).code === '23505' && (e as { constraint?: string }).constraint === constraint;

const EXT = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;
export const extensionOf = (contentType: keyof typeof EXT) => EXT[contentType];
export const attachmentUrl = (id: string) => `/api/attachments/${id}`;

/** "10 MB", "512 KB", "900 B": a limit as people read it. */
export function humanBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Number((n / (1024 * 1024)).toFixed(1))} MB`;
  if (n >= 1024) return `${Number((n / 1024).toFixed(1))} KB`;
  return `${n} B`;
}

export const tooLarge = (limit: number) => new AppError(413, 'file_too_large', 'attachment.too_large', { limit: humanBytes(limit) }, 'file');

export function present(row: Pick<A.AttachmentRow, 'id' | 'content_type' | 'byte_size' | 'width' | 'height'>): AttachmentView {
  return { id: row.id, url: attachmentUrl(row.id), contentType: row.content_type, byteSize: row.byte_size, width: row.width, height: row.height };
}

/** A new object key: <year>/<month>/<random>, nothing of the uploader's in it. */
function newKey(now: Date): string {
  const ym = now.toISOString().slice(0, 7).replace('-', '/');
  return `${ym}/${crypto.randomBytes(16).toString('hex')}`;
}

/**
 * Keep one uploaded photo. Empty → 400; over LINLI_ATTACHMENT_MAX_BYTES → 413; not a JPEG, PNG or
 * WebP by its bytes → 415 (all on field "file"). With an idempotency key, the same key and bytes
 * answer the attachment already kept; the same key with other bytes is a 409.
 */
export async function uploadAttachment(
  ctx: AppContext, actor: Actor, audit: AuditContext, body: Buffer, idempotencyKey: string | null,
): Promise<{ attachment: AttachmentView; replayed: boolean }> {
  if (body.length === 0) throw invalid('file', 'attachment.empty');
  if (body.length > ctx.config.attachmentMaxBytes) throw tooLarge(ctx.config.attachmentMaxBytes);
  const image = sniffImage(body);
  if (!image) throw new AppError(415, 'unsupported_media_type', 'attachment.type_not_allowed', undefined, 'file');
  const sha256 = crypto.createHash('sha256').update(body).digest('hex');

  const replay = async () => {
    if (!idempotencyKey) return null;
    const existing = await A.findByIdempotencyKey(ctx.db, actor.userId, idempotencyKey);
    if (!existing) return null;
    if (existing.sha256 !== sha256) throw conflict('idempotency_mismatch', 'attachment.idempotency_mismatch', undefined, 'Idempotency-Key');
    return { attachment: present(existing), replayed: true };
  };
  const before = await replay();
  if (before) return before;

  const store = attachmentStore(ctx.config);
  const now = ctx.clock.now();
  const key = newKey(now);
  // The bytes first, durably (no database connection held while they travel); then the row. A row
  // never points at bytes that are not there; bytes whose row failed are removed again.
  await store.put(key, body, image.contentType);
  try {
    const row = await ctx.db.transaction().execute(async (trx) => {
      const row = await A.insertAttachment(trx, {
        uploader_id: actor.userId, storage: store.kind, storage_key: key, content_type: image.contentType,
        byte_size: body.length, sha256, width: image.width, height: image.height, idempotency_key: idempotencyKey, created_at: now,
      });
      await writeAudit(trx, audit, {
        action: 'attachment.upload', resourceType: 'attachment', resourceId: row.id,
        detail: { contentType: image.contentType, byteSize: body.length, width: image.width, height: image.height, sha256 },
      });
      return row;
    });
    return { attachment: present(row), replayed: false };
  } catch (e) {
    await store.delete(key).catch(() => undefined);
    // Two uploads with one key at once: the second answers the first one's attachment.
    if (isUniqueViolation(e, 'attachment_idempotency_unique')) {
      const after = await replay();
      if (after) return after;
    }
    throw e;
  }
}

/**
 * Link photos to their owner — a case and the timeline row just written, a patrol, or a field diary
 * entry — inside the caller's transaction. Each id must be an unattached upload of the caller (else
 * 400 on attachmentIds, and the transaction — the report, the step, the patrol, the entry — rolls
 * back whole).
 */
export async function linkAttachments(
  trx: Trx, actor: Actor, ids: readonly string[] | undefined, target: A.LinkTarget,
): Promise<LinkedAttachment[]> {
  if (!ids?.length) return [];
  if (new Set(ids).size !== ids.length) throw invalid('attachmentIds', 'attachment.repeated');
  const usable = await A.lockUnattachedOf(trx, actor.userId, [...ids]);
  if (usable.length !== ids.length) throw invalid('attachmentIds', 'attachment.not_usable');
  await A.linkTo(trx, [...ids], target);
  const eventId = 'eventId' in target ? target.eventId ?? null : null;
  return usable.map((a) => ({ id: a.id, event_id: eventId, content_type: a.content_type, width: a.width, height: a.height, created_at: a.created_at }))
    .sort((a, b) => Number(a.id) - Number(b.id));
}

/** A photo just linked, as attachmentsOfCase reads it back. */
export type LinkedAttachment = Awaited<ReturnType<typeof A.attachmentsOfCase>>[number];

/** The photos of patrols or diary entries, as they leave the server, by owner id (oldest first). */
export async function photosOf(db: Executor, kind: A.OwnerKind, ids: readonly string[]): Promise<Map<string, AttachmentView[]>> {
  const out = new Map<string, AttachmentView[]>();
  if (ids.length === 0) return out;
  for (const row of await A.attachmentsOfOwners(db, kind, [...ids])) {
    const owner = (kind === 'patrol' ? row.patrol_id : row.diary_entry_id)!;
    out.set(owner, [...(out.get(owner) ?? []), present(row)]);
  }
  return out;
}

/** Unattached uploads (of no case, patrol or diary entry) are kept this long, then swept. */
export const UNATTACHED_TTL_MS = 24 * 3600_000;
const SWEEP_BATCH = 200;

/**
 * Remove the uploads never attached (to a case, a patrol or a diary entry) and older than a day: objects first, then rows, in
 * one transaction per batch (rows locked SKIP LOCKED, so two servers share the work). A failure to
 * remove an object leaves its row for the next sweep.
 */
export async function sweepUnattached(ctx: AppContext, now: Date = ctx.clock.now()): Promise<number> {
  const before = new Date(now.getTime() - UNATTACHED_TTL_MS);
  let total = 0;
  for (;;) {
    const removed = await ctx.db.transaction().execute(async (trx) => {
      const rows = await A.staleUnattached(trx, before, SWEEP_BATCH);
      const gone: string[] = [];
      for (const r of rows) {
        const store = storeFor(ctx.config, r.storage);
        if (!store) continue; // an S3 photo while S3 is not configured: left alone
        try {
          await store.delete(r.storage_key);
          gone.push(r.id);
        } catch (e) {
          console.error(`attachment sweep: cannot remove ${r.storage}:${r.storage_key}`, e);
        }
      }
      if (gone.length) {
        await A.deleteUnattached(trx, gone);
        await writeAudit(trx, { actorId: null, actorUsername: 'system', ip: null }, {
          action: 'attachment.sweep', resourceType: 'attachment', detail: { removed: gone.length, olderThan: before.toISOString() },
        });
      }
      return { gone: gone.length, seen: rows.length };
    });
    total += removed.gone;
    if (removed.seen < SWEEP_BATCH || removed.gone === 0) return total;
  }
}

/** Every hour (and once at start) until stopped; one pass at a time; a failed pass is logged. */
export function startAttachmentSweep(ctx: AppContext, everyMs = 3600_000): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = sweepUnattached(ctx)
      .then((n) => {
        if (n) console.log(JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: 'attachment sweep', removed: n }));
      })
      .catch((e: unknown) => console.error('attachment sweep failed', e))
      .finally(() => { running = null; });
  };
  const timer = setInterval(run, everyMs);
  timer.unref();
  run();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
