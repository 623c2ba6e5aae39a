import { sql, type SqlBool } from 'kysely';
import type { Executor, UnitLevel } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import type { OrganisationListQuery } from '../../../shared/registry/organisations.schemas.js';
import { P } from './registry.policy.js';

export interface OrganisationRow {
  id: string;
  unit_id: string;
  unit_path: string;
  region_code: string;
  kind: 'enterprise' | 'institution' | 'merchant' | 'social_org';
  name: string;
  uscc: string | null;
  contact_name: string | null;
  contact_phone_enc: string | null;
  address: string | null;
  building_id: string | null;
  lng: number | null;
  lat: number | null;
  status: 'active' | 'closed';
  created_at: Date;
  updated_at: Date;
  building_name: string | null;
  unit_name: string;
  unit_level: UnitLevel;
  unit_code: string;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

function organisationsIn(db: Executor, actor: Actor) {
  return db.selectFrom('organisation')
    .innerJoin('unit', 'unit.id', 'organisation.unit_id')
    .leftJoin('building', 'building.id', 'organisation.building_id')
    .where(inScope(actor, P.read, 'organisation.unit_path'));
}

const columns = [
  'organisation.id', 'organisation.unit_id', 'organisation.unit_path', 'organisation.region_code', 'organisation.kind',
  'organisation.name', 'organisation.uscc', 'organisation.contact_name', 'organisation.contact_phone_enc', 'organisation.address',
  'organisation.building_id', 'organisation.lng', 'organisation.lat', 'organisation.status', 'organisation.created_at',
  'organisation.updated_at', 'building.name as building_name', 'unit.name as unit_name', 'unit.level as unit_level', 'unit.code as unit_code',
] as const;

/** An organisation by id, only inside the caller's readable scope; `lock` holds its row for the transaction. */
export function findOrganisationInScope(db: Executor, actor: Actor, id: string, opts: { lock?: boolean } = {}): Promise<OrganisationRow | undefined> {
  let q = organisationsIn(db, actor).select(columns).where('organisation.id', '=', id);
  if (opts.lock) q = q.forUpdate('organisation');
  return q.executeTakeFirst();
}

/** A page of the organisations in scope (optionally under `subtree`), and how many match in all. */
export async function listOrganisations(
  db: Executor, actor: Actor, f: OrganisationListQuery, subtree: string | null,
): Promise<{ rows: OrganisationRow[]; total: number }> {
  let base = organisationsIn(db, actor);
  if (subtree) base = base.where(sql<SqlBool>`organisation.unit_path <@ ${subtree}::ltree`);
  if (f.kind) base = base.where('organisation.kind', '=', f.kind);
  if (f.status) base = base.where('organisation.status', '=', f.status);
  if (f.buildingId) base = base.where('organisation.building_id', '=', f.buildingId);
  if (f.q) {
    const like = `%${escapeLike(f.q)}%`;
    const code = f.q.replace(/\s+/g, '').toUpperCase();
    base = base.where((eb) => eb.or([
      eb('organisation.name', 'ilike', like),
      eb('organisation.address', 'ilike', like),
      ...(/^[0-9A-Z]{2,18}$/.test(code) ? [eb('organisation.uscc', 'like', `${code}%`)] : []),
    ]));
  }
  const [rows, count] = await Promise.all([
    base.select(columns).orderBy('organisation.status').orderBy('organisation.name').orderBy('organisation.id')
      .limit(f.limit).offset(f.offset).execute(),
    base.select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** Is this code recorded for another organisation (anywhere: codes are unique nationwide)? */
export async function usccTaken(db: Executor, uscc: string, exceptId?: string): Promise<boolean> {
  let q = db.selectFrom('organisation').select('id').where('uscc', '=', uscc);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}
