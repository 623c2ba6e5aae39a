import type { Actor } from '../../core/access/actor.js';
import type { FieldCipher } from '../../core/crypto.js';
import type { Executor } from '../../core/db/index.js';
import type { Locale } from '../../../shared/i18n/index.js';
import type { ResidentView } from '../../../shared/registry/residents.schemas.js';
import { maskIdNumber, maskPhone } from '../../../shared/validation/mask.js';
import { beijingDate } from '../../../shared/dates.js';
import { pathWithin } from '../../core/access/actor.js';
import { P } from './registry.policy.js';
import { tagsOf, visibleTags } from './tags.queries.js';
import { unitsAround, type ResidentRow, type UnitRefRow } from './residents.queries.js';

/** Age in whole years on Beijing's date of `today`. */
export function ageOn(birthDate: string | null, today: Date): number | null {
  if (!birthDate) return null;
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = beijingDate(today).split('-').map(Number) as [number, number, number];
  let age = ty - y;
  if (tm < m || (tm === m && td < d)) age -= 1;
  return age;
}

/** Decrypt and mask: the full value never leaves the server outside an audited reveal. */
export function masked(cipher: FieldCipher, enc: string | null, mask: (v: string) => string): string | null {
  return enc ? mask(cipher.decrypt(enc)) : null;
}

const ref = (u: UnitRefRow | undefined) => (u ? { id: u.id, name: u.name, level: u.level as ResidentView['unit']['level'], code: u.code } : null);

/**
 * Present residents exactly as the caller may see them: personal data masked, sensitive tags only
 * where allowed, the household, grid and community, and what the caller may do. Tags and units are
 * loaded for the whole page in two queries.
 */
export async function presentResidents(
  db: Executor, actor: Actor, cipher: FieldCipher, rows: ResidentRow[], locale: Locale, today: Date,
): Promise<ResidentView[]> {
  const [tags, units] = await Promise.all([
    tagsOf(db, 'resident_tag', rows.map((r) => r.id)),
    unitsAround(db, rows.map((r) => r.unit_path)),
  ]);
  const byPath = new Map(units.map((u) => [u.path, u]));
  const ancestor = (path: string, level: string) =>
    units.filter((u) => u.level === level && pathWithin(path, u.path)).sort((a, b) => b.path.length - a.path.length)[0];
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    gender: r.gender,
    birthDate: r.birth_date,
    age: ageOn(r.birth_date, today),
    idNumber: masked(cipher, r.id_number_enc, maskIdNumber),
    phone: masked(cipher, r.phone_enc, maskPhone),
    ethnicity: r.ethnicity,
    politicalStatus: r.political_status,
    relation: r.relation,
    residenceType: r.residence_type as ResidentView['residenceType'],
    status: r.status,
    movedInOn: r.moved_in_on,
    movedOutOn: r.moved_out_on,
    deceasedOn: r.deceased_on,
    household: r.household_id && r.hh_building_id
      ? { id: r.household_id, room: r.hh_room ?? '', floor: r.hh_floor, buildingId: r.hh_building_id, buildingName: r.b_name ?? '', entranceName: r.e_name, address: r.b_address }
      : null,
    unit: ref(byPath.get(r.unit_path))!,
    grid: ref(ancestor(r.unit_path, 'grid')),
    community: ref(ancestor(r.unit_path, 'community')),
    tags: visibleTags(actor, r.unit_path, tags.get(r.id), locale),
    version: r.version,
    updatedAt: r.updated_at.toISOString(),
    abilities: { update: actor.can(P.write, r.unit_path), reveal: actor.can(P.reveal, r.unit_path) },
  }));
}
