import { sql, type Expression, type Selectable, type SqlBool } from 'kysely';
import type { Executor, ResidentTable } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import type { Permission } from '../../core/access/permissions.js';
import { inScope, inSubtree, reachesLevel } from '../../core/access/scope.js';
import type { FieldCipher } from '../../core/crypto.js';
import type { ResidentSearchQuery } from '../../../shared/registry/residents.schemas.js';
import { normalizeIdNumber } from '../../../shared/validation/id-number.js';
import { P } from './registry.policy.js';
import { looksLikePinyin } from './pinyin.js';
import { normalizePhone } from './residents.validation.js';

export type ResidentRow = Selectable<ResidentTable> & {
  hh_room: string | null;
  hh_floor: number | null;
  hh_building_id: string | null;
  b_name: string | null;
  b_address: string | null;
  e_name: string | null;
};

function base(db: Executor) {
  return db.selectFrom('resident as r')
    .leftJoin('household as h', 'h.id', 'r.household_id')
    .leftJoin('building as b', 'b.id', 'h.building_id')
    .leftJoin('entrance as e', 'e.id', 'h.entrance_id')
    .selectAll('r')
    .select(['h.room as hh_room', 'h.floor as hh_floor', 'h.building_id as hh_building_id', 'b.name as b_name', 'b.address as b_address', 'e.name as e_name']);
}

/** A resident in the caller's scope for `permission`, or undefined (missing and out of scope look the same). */
export function findResidentInScope(db: Executor, actor: Actor, id: string, permission: Permission = P.read): Promise<ResidentRow | undefined> {
  return base(db).where('r.id', '=', id).where(inScope(actor, permission, 'r.unit_path')).executeTakeFirst();
}

/** The page's residents by their ids, in id order. */
function residentsByIds(db: Executor, ids: string[]): Promise<ResidentRow[]> {
  return ids.length ? base(db).where('r.id', 'in', ids).orderBy('r.id').execute() : Promise.resolve([]);
}

/**
 * A page of collected matches (`hits`: a statement of their ids), sorted by id, and how many there are
 * (counted again only when the page is past the end).
 */
async function pageOfHits(db: Executor, hits: Expression<unknown>, limit: number, offset: number): Promise<{ ids: string[]; found: number }> {
  const page = await sql<{ id: string; n: string }>`
    WITH hit AS MATERIALIZED (${hits})
    SELECT id::text AS id, count(*) OVER () AS n FROM hit ORDER BY hit.id LIMIT ${limit} OFFSET ${offset}`.execute(db);
  let found = page.rows.length ? Number(page.rows[0]!.n) : 0;
  if (!page.rows.length && offset > 0) {
    found = Number((await sql<{ n: string }>`WITH hit AS MATERIALIZED (${hits}) SELECT count(*) AS n FROM hit`.execute(db)).rows[0]!.n);
  }
  return { ids: page.rows.map((r) => r.id), found };
}

/** Counting every match of a district-wide search costs more than it tells: past this, "1 000+". */
export const TOTAL_CAP = 1_000;

/** A district-wide pinyin search sorts its matches itself up to this many; past it, it walks in id order. */
export const SORTED_CAP = 5_000;

/**
 * Search residents in scope: by name (hanzi anywhere in it, or pinyin initials / full pinyin as a
 * prefix), exact ID number or phone (through their keyed hashes), tags (all of them), address,
 * subtree, building, household, status. Counts stop at TOTAL_CAP.
 *
 * Two plans, the same rows in the same order. District-wide, matches are spread over the whole
 * table: walking the primary key and stopping at the page is fastest. Below the district (a street,
 * community or grid, or a subtree filter), a person's id says nothing about where they live, and
 * that walk can cross most of the table before it finds a page: there the matches are collected
 * from the scope's own index range first (resident_scope_idx covers the name and status filters,
 * so mostly without touching the table), then sorted and paged — bounded by the size of the subtree.
 * A tag search below the district reads the tag's holders, not the subtree's people (see below).
 */
export async function searchResidents(
  db: Executor, actor: Actor, cipher: FieldCipher, q: ResidentSearchQuery & { unitPath?: string; sensitiveTagIds?: string[] },
): Promise<{ rows: ResidentRow[]; total: number; capped: boolean }> {
  // The name's predicate apart from the other filters: a pinyin search's walks (pinyinMatches, below)
  // write it otherwise.
  let name: Expression<SqlBool> | null = null;
  let pinyinLike: string | null = null; // 'wx%': a pinyin search's prefix
  if (q.q) {
    if (looksLikePinyin(q.q)) {
      const p = (pinyinLike = `${q.q.toLowerCase()}%`);
      name = sql<SqlBool>`(r.name_initials like ${p} or r.name_pinyin like ${p})`;
    } else {
      // A name from its start (王秀英, 王) or from its given name (秀英): both prefix searches on an index.
      const prefix = `${q.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      name = sql<SqlBool>`(r.name like ${prefix} or substr(r.name, 2) like ${prefix})`;
    }
  }
  const filters: Expression<SqlBool>[] = [inScope(actor, P.read, 'r.unit_path')];
  if (q.idNumber) filters.push(sql<SqlBool>`r.id_number_hash = ${cipher.blindIndex(normalizeIdNumber(q.idNumber))}`);
  if (q.phone) filters.push(sql<SqlBool>`r.phone_hash = ${cipher.blindIndex(normalizePhone(q.phone))}`);
  const tagIds = q.tags ? [...new Set(q.tags.split(','))] : [];
  const hasTag = (tagId: string) => sql<SqlBool>`EXISTS (SELECT 1 FROM resident_tag rt WHERE rt.resident_id = r.id AND rt.tag_id = ${tagId}::bigint)`;
  // Filtering by a sensitive tag only finds people where the caller may see that tag.
  if (tagIds.length && q.sensitiveTagIds?.length) filters.push(inScope(actor, P.sensitiveTags, 'r.unit_path'));
  if (q.address) {
    const like = `%${q.address.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    filters.push(sql<SqlBool>`concat_ws(' ', b.address, b.name, e.name, h.room) ILIKE ${like}`);
  }
  if (q.unitPath) filters.push(inSubtree('r.unit_path', q.unitPath));
  if (q.buildingId) filters.push(sql<SqlBool>`h.building_id = ${q.buildingId}`);
  if (q.householdId) filters.push(sql<SqlBool>`r.household_id = ${q.householdId}`);
  if (q.status !== 'all') filters.push(sql<SqlBool>`r.status = ${q.status}`);
  const where = name ? [name, ...filters] : filters;
  const and = (parts: Expression<SqlBool>[]) => sql<SqlBool>`${sql.join(parts, sql` and `)}`;
  const all = and([...where, ...tagIds.map(hasTag)]);
  // A pinyin search's matches without the OR (which made PostgreSQL build a bitmap of both indexes'
  // every match and read the table for each): the initials' matches, then the full pinyin's others —
  // index-only walks with the status and the id in the indexes (migrations/0025). Not with the
  // filters on the household's address or building, which need the table.
  const rest = [...filters, ...tagIds.map(hasTag)];
  const pinyinMatches = pinyinLike && !q.address && !q.buildingId
    ? sql`SELECT r.id FROM resident r WHERE r.name_initials like ${pinyinLike} AND ${and(rest)}
        UNION ALL
        SELECT r.id FROM resident r WHERE r.name_pinyin like ${pinyinLike} AND NOT coalesce(r.name_initials like ${pinyinLike}, false)
          AND ${and(rest)}`
    : null;

  const roots = q.unitPath ? [q.unitPath] : actor.scopesFor(P.read);
  if (roots.length > 0 && !(await reachesLevel(db, roots, 'district', actor.bindings))) {
    const needsHouse = Boolean(q.address || q.buildingId);
    const houseJoins = needsHouse
      ? sql`LEFT JOIN household h ON h.id = r.household_id LEFT JOIN building b ON b.id = h.building_id LEFT JOIN entrance e ON e.id = h.entrance_id`
      : sql``;
    if (tagIds.length) {
      // With a tag, the candidates are the tag's holders, not the subtree's people: their index entries
      // carry the resident's place (migrations/0021), so the scope and subtree predicates, written on
      // that copy of the path, bound them to one range (resident_tag_place_idx) — or, where the
      // subtree holds most of the tag, a walk of the tag in id order (resident_tag_tag_idx). Each
      // candidate, in id order, is then checked on the resident itself, by its key: the resident's own
      // path still decides (the same predicates, in `where`), with the other filters and tags. The page
      // stops after its rows, the count at TOTAL_CAP + 1: the work is bounded by the holders in the
      // subtree, and mostly by the page. The check is a LATERAL probe (OFFSET 0 keeps it one) so that
      // no plan walks the resident table in id order instead — ids follow the order people were
      // registered in, often street by street, and such a walk can cross other streets first.
      const holders = (ordered: boolean) => sql`(SELECT t0.resident_id FROM resident_tag t0
        WHERE t0.tag_id = ${tagIds[0]}::bigint AND ${inScope(actor, P.read, 't0.unit_path')}
          ${q.unitPath ? sql`AND ${inSubtree('t0.unit_path', q.unitPath)}` : sql``}
        ${ordered ? sql`ORDER BY t0.resident_id` : sql``}) t0
        CROSS JOIN LATERAL (SELECT r.id FROM resident r ${houseJoins}
          WHERE r.id = t0.resident_id AND ${and([...where, ...tagIds.slice(1).map(hasTag)])} OFFSET 0) m`;
      const page = await sql<{ id: string }>`
        SELECT m.id::text AS id FROM ${holders(true)} ORDER BY t0.resident_id LIMIT ${q.limit} OFFSET ${q.offset}`.execute(db);
      const ids = page.rows.map((r) => r.id);
      const total = q.offset === 0 && ids.length < q.limit ? ids.length
        : Number((await sql<{ n: string }>`SELECT count(*) AS n FROM (SELECT 1 FROM ${holders(false)} LIMIT ${TOTAL_CAP + 1}) x`.execute(db)).rows[0]!.n);
      return { rows: await residentsByIds(db, ids), total: Math.min(total, TOTAL_CAP), capped: total > TOTAL_CAP };
    }
    // The ids of every match in the subtree, then the page of them and how many there are.
    const { ids, found } = await pageOfHits(db, pinyinMatches ?? sql`SELECT r.id FROM resident r ${houseJoins} WHERE ${all}`, q.limit, q.offset);
    return { rows: await residentsByIds(db, ids), total: Math.min(found, TOTAL_CAP), capped: found > TOTAL_CAP };
  }

  if (pinyinMatches) {
    // District-wide by pinyin: the page query averaged 112 ms over the benchmark's pairs of initials — a
    // rare pair had the walk in id order cross most of the table, and for some thousands of matches the
    // planner chose to collect and sort them all. The matches come from the name indexes first, up to
    // SORTED_CAP: when that is all of them, they are sorted and paged here (≈ 9 ms at the cap), with
    // their exact total; when there are more, matches are dense enough for the walk to find a page at
    // once, and the total is past the cap anyway.
    const { ids, found } = await pageOfHits(db, sql`${pinyinMatches} LIMIT ${SORTED_CAP + 1}`, q.limit, q.offset);
    if (found <= SORTED_CAP) return { rows: await residentsByIds(db, ids), total: Math.min(found, TOTAL_CAP), capped: found > TOTAL_CAP };
    // The walk, with the name written so that no index serves it: for some thousands of matches the
    // planner would rather collect them all through the bitmap and sort them (230 ms for a pair with
    // 16 000 matches) than walk the primary key (6 ms; at most ≈ 20 ms just past SORTED_CAP).
    const walked = sql<SqlBool>`((r.name_initials || '') like ${pinyinLike} or (r.name_pinyin || '') like ${pinyinLike})`;
    const rows = await base(db).where(and([walked, ...rest])).orderBy('r.id').limit(q.limit).offset(q.offset).execute();
    return { rows, total: TOTAL_CAP, capped: true };
  }

  const query = base(db).where(all);
  const rows = await query.orderBy('r.id').limit(q.limit).offset(q.offset).execute();
  let total: number;
  if (q.offset === 0 && rows.length < q.limit) total = rows.length;
  else {
    const counted = await db.selectFrom(query.clearSelect().select(sql`1`.as('one')).limit(TOTAL_CAP + 1).as('x'))
      .select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
    total = Number(counted.n);
  }
  return { rows, total: Math.min(total, TOTAL_CAP), capped: total > TOTAL_CAP };
}

export interface UnitRefRow { id: string; name: string; level: string; code: string; path: string }

/** The units of some residents and their grid / community ancestors, in one query. */
export async function unitsAround(db: Executor, paths: string[]): Promise<UnitRefRow[]> {
  if (paths.length === 0) return [];
  const unique = [...new Set(paths)];
  const rows = await sql<UnitRefRow>`
    SELECT id::text AS id, name, level, code, path::text AS path FROM unit
    WHERE path = ANY(${unique}::ltree[])
       OR (level IN ('community', 'grid') AND path @> ANY(${unique}::ltree[]))`.execute(db);
  return rows.rows;
}
