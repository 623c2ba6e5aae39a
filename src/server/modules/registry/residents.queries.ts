import { sql, type Selectable } from 'kysely';
import type { Executor, ResidentTable } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import type { Permission } from '../../core/access/permissions.js';
import { inScope } from '../../core/access/scope.js';
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

/** Counting every match of a district-wide search costs more than it tells: past this, "1 000+". */
export const TOTAL_CAP = 1_000;

/**
 * Search residents in scope: by name (hanzi anywhere in it, or pinyin initials / full pinyin as a
 * prefix), exact ID number or phone (through their keyed hashes), tags (all of them), address,
 * subtree, building, household, status. Counts stop at TOTAL_CAP.
 */
export async function searchResidents(
  db: Executor, actor: Actor, cipher: FieldCipher, q: ResidentSearchQuery & { unitPath?: string; sensitiveTagIds?: string[] },
): Promise<{ rows: ResidentRow[]; total: number; capped: boolean }> {
  let query = base(db).where(inScope(actor, P.read, 'r.unit_path'));
  if (q.q) {
    if (looksLikePinyin(q.q)) {
      const p = q.q.toLowerCase();
      query = query.where((eb) => eb.or([eb('r.name_initials', 'like', `${p}%`), eb('r.name_pinyin', 'like', `${p}%`)]));
    } else {
      // A name from its start (王秀英, 王) or from its given name (秀英): both prefix searches on an index.
      const prefix = `${q.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      query = query.where((eb) => eb.or([eb('r.name', 'like', prefix), eb(sql`substr(r.name, 2)`, 'like', prefix)]));
    }
  }
  if (q.idNumber) query = query.where('r.id_number_hash', '=', cipher.blindIndex(normalizeIdNumber(q.idNumber)));
  if (q.phone) query = query.where('r.phone_hash', '=', cipher.blindIndex(normalizePhone(q.phone)));
  if (q.tags) {
    for (const tagId of q.tags.split(',')) {
      query = query.where(sql<boolean>`EXISTS (SELECT 1 FROM resident_tag rt WHERE rt.resident_id = r.id AND rt.tag_id = ${tagId}::bigint)`);
    }
    // Filtering by a sensitive tag only finds people where the caller may see that tag.
    if (q.sensitiveTagIds?.length) query = query.where(inScope(actor, P.sensitiveTags, 'r.unit_path'));
  }
  if (q.address) {
    const like = `%${q.address.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    query = query.where(sql<boolean>`concat_ws(' ', b.address, b.name, e.name, h.room) ILIKE ${like}`);
  }
  if (q.unitPath) query = query.where(sql<boolean>`r.unit_path <@ ${q.unitPath}::ltree`);
  if (q.buildingId) query = query.where('h.building_id', '=', q.buildingId);
  if (q.householdId) query = query.where('r.household_id', '=', q.householdId);
  if (q.status !== 'all') query = query.where('r.status', '=', q.status);

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
