import { sql } from 'kysely';
import type { Executor } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import type { Locale } from '../../../shared/i18n/index.js';
import type { TagView } from '../../../shared/registry/common.schemas.js';
import { P } from './registry.policy.js';

export interface TagRow { id: string; code: string; name_zh: string; name_en: string; color: string; sensitive: boolean; applies_to: string; }

export function presentTag(t: TagRow, locale: Locale): TagView {
  return {
    id: t.id, code: t.code, name: locale === 'en' ? t.name_en : t.name_zh, color: t.color,
    sensitive: t.sensitive, appliesTo: t.applies_to as TagView['appliesTo'],
  };
}

/**
 * May the actor see sensitive tags on a record at `path`? Sensitive tags of records the caller may not
 * see that way are left out of every response, list and filter.
 */
export function seesSensitive(actor: Actor, path: string): boolean {
  return actor.can(P.sensitiveTags, path);
}

/** The tag catalogue as this caller may see it (sensitive tags only with the permission somewhere). */
export async function listTags(db: Executor, actor: Actor, opts: { includeInactive?: boolean } = {}): Promise<TagRow[]> {
  let q = db.selectFrom('care_tag').select(['id', 'code', 'name_zh', 'name_en', 'color', 'sensitive', 'applies_to'])
    .orderBy('sort_order').orderBy('id');
  if (!opts.includeInactive) q = q.where('is_active', '=', true);
  if (!actor.can(P.sensitiveTags)) q = q.where('sensitive', '=', false);
  return q.execute();
}

/** Tags of many records at once: resident_tag or household_tag, keyed by record id. */
export async function tagsOf(
  db: Executor, table: 'resident_tag' | 'household_tag', ids: string[],
): Promise<Map<string, TagRow[]>> {
  const out = new Map<string, TagRow[]>();
  if (ids.length === 0) return out;
  const key = table === 'resident_tag' ? 'resident_id' : 'household_id';
  const rows = await sql<TagRow & { owner: string }>`
    SELECT x.${sql.ref(key)}::text AS owner, t.id::text AS id, t.code, t.name_zh, t.name_en, t.color, t.sensitive, t.applies_to
    FROM ${sql.table(table)} x JOIN care_tag t ON t.id = x.tag_id
    WHERE x.${sql.ref(key)} = ANY(${ids}::bigint[]) AND t.is_active
    ORDER BY t.sort_order, t.id`.execute(db);
  for (const r of rows.rows) {
    const list = out.get(r.owner) ?? [];
    list.push(r);
    out.set(r.owner, list);
  }
  return out;
}

/** Drop the sensitive tags the caller may not see at `path`, and present the rest. */
export function visibleTags(actor: Actor, path: string, tags: TagRow[] | undefined, locale: Locale): TagView[] {
  const sensitiveOk = seesSensitive(actor, path);
  return (tags ?? []).filter((t) => sensitiveOk || !t.sensitive).map((t) => presentTag(t, locale));
}

/**
 * Check tag ids for a record: each must exist, be active, apply to this kind of record, and — when
 * sensitive — be one the caller may set at `path`. Returns the ids, or the first unknown one.
 */
export async function checkTagIds(
  db: Executor, actor: Actor, path: string, kind: 'resident' | 'household', ids: string[],
): Promise<{ ok: true; ids: string[] } | { ok: false; badId: string }> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { ok: true, ids: [] };
  const rows = await sql<{ id: string; sensitive: boolean; applies_to: string }>`
    SELECT id::text AS id, sensitive, applies_to FROM care_tag WHERE id = ANY(${unique}::bigint[]) AND is_active`.execute(db);
  const byId = new Map(rows.rows.map((r) => [r.id, r]));
  const sensitiveOk = seesSensitive(actor, path);
  for (const id of unique) {
    const t = byId.get(id);
    if (!t || (t.applies_to !== 'both' && t.applies_to !== kind) || (t.sensitive && !sensitiveOk)) return { ok: false, badId: id };
  }
  return { ok: true, ids: unique };
}

/**
 * Replace the tags of a record. Sensitive tags the caller cannot see are kept as they are: a grid
 * worker without the permission cannot remove a tag they were never shown.
 */
export async function replaceTags(
  db: Executor, actor: Actor, path: string, table: 'resident_tag' | 'household_tag', ownerId: string, tagIds: string[],
): Promise<{ added: number; removed: number }> {
  const key = table === 'resident_tag' ? 'resident_id' : 'household_id';
  const sensitiveOk = seesSensitive(actor, path);
  const removed = await sql`
    DELETE FROM ${sql.table(table)} x USING care_tag t
    WHERE x.tag_id = t.id AND x.${sql.ref(key)} = ${ownerId}
      AND NOT (x.tag_id = ANY(${tagIds}::bigint[])) AND (${sensitiveOk} OR NOT t.sensitive)`.execute(db);
  const added = tagIds.length === 0 ? { numAffectedRows: 0n } : await sql`
    INSERT INTO ${sql.table(table)} (${sql.ref(key)}, tag_id, since)
    SELECT ${ownerId}::bigint, unnest(${tagIds}::bigint[]), current_date
    ON CONFLICT DO NOTHING`.execute(db);
  return { added: Number(added.numAffectedRows ?? 0), removed: Number(removed.numAffectedRows ?? 0) };
}
