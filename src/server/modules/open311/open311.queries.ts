import { sql, type SqlBool } from 'kysely';
import type { CaseStateName, Executor } from '../../core/db/index.js';

/**
 * Categories kept out of the public Open311 interface: their cases are about people (family and
 * neighbour disputes, social assistance), so they are neither offered as services nor listed.
 */
export const PRIVATE_CATEGORIES = ['dispute', 'livelihood.social_assistance'] as const;

/** Open = any state that is not closed; closed, rejected and merged cases are closed for Open311. */
export const CLOSED_STATES: readonly CaseStateName[] = ['closed', 'rejected', 'merged'];

const isPublic = (column: string) => sql<SqlBool>`not (${sql.join(PRIVATE_CATEGORIES.map((c) =>
  sql`(${sql.ref(column)} = ${c} or ${sql.ref(column)} like ${c + '.%'})`), sql` or `)})`;

export interface ServiceRow {
  code: string;
  name_zh: string;
  name_en: string;
  parent_code: string | null;
  parent_name_zh: string | null;
  parent_name_en: string | null;
}

/**
 * The services offered: every active, public category that has no active subcategory (a class
 * with subcategories is their group), in the category tree's order.
 */
function services(db: Executor) {
  return db.selectFrom('case_category as c').leftJoin('case_category as p', 'p.id', 'c.parent_id')
    .select(['c.code', 'c.name_zh', 'c.name_en', 'p.code as parent_code', 'p.name_zh as parent_name_zh', 'p.name_en as parent_name_en'])
    .where('c.is_active', '=', true)
    .where((eb) => eb.or([eb('p.id', 'is', null), eb('p.is_active', '=', true)]))
    .where(isPublic('c.code'))
    .where(sql<SqlBool>`not exists (select 1 from case_category k where k.parent_id = c.id and k.is_active)`);
}

export function listServices(db: Executor): Promise<ServiceRow[]> {
  return services(db)
    .orderBy(sql`coalesce(p.sort_order, c.sort_order)`).orderBy(sql`c.parent_id nulls first`).orderBy('c.sort_order').orderBy('c.id')
    .execute();
}

export function findService(db: Executor, code: string): Promise<ServiceRow | undefined> {
  return services(db).where('c.code', '=', code).executeTakeFirst();
}

export function partnerByKeyHash(db: Executor, hash: string) {
  return db.selectFrom('open311_partner').innerJoin('unit', 'unit.id', 'open311_partner.unit_id')
    .innerJoin('app_user', 'app_user.id', 'open311_partner.user_id')
    .select(['open311_partner.id', 'open311_partner.name', 'open311_partner.user_id', 'open311_partner.unit_id',
      'unit.path as unit_path', 'unit.name as unit_name', 'unit.level as unit_level', 'app_user.username'])
    .where('open311_partner.key_hash', '=', hash).where('open311_partner.is_active', '=', true)
    .executeTakeFirst();
}
export type PartnerRow = NonNullable<Awaited<ReturnType<typeof partnerByKeyHash>>>;

/**
 * The point of the building at an address (spaces and case ignored). When several buildings share
 * it, one in the partner's area comes first.
 */
export function buildingByAddress(db: Executor, address: string, partnerPath: string) {
  return db.selectFrom('building').select(['id', 'address', 'lng', 'lat'])
    .where(sql<SqlBool>`lower(regexp_replace(address, '\\s+', '', 'g')) = lower(regexp_replace(${address}, '\\s+', '', 'g'))`)
    .where('lng', 'is not', null).where('lat', 'is not', null)
    .orderBy(sql`(unit_path <@ ${partnerPath}::ltree)`, 'desc').orderBy('id')
    .executeTakeFirst();
}

export function buildingById(db: Executor, id: string) {
  return db.selectFrom('building').select(['id', 'address', 'lng', 'lat'])
    .where('id', '=', id).where('lng', 'is not', null).where('lat', 'is not', null)
    .executeTakeFirst();
}

export interface RequestRow {
  id: string;
  number: string;
  state: CaseStateName;
  description: string;
  address: string | null;
  lng: number;
  lat: number;
  stage: 'accept' | 'handle' | 'verify' | 'rate' | null;
  stage_deadline: Date | null;
  created_at: Date;
  updated_at: Date;
  service_code: string;
  service_name_zh: string;
  service_name_en: string;
  agency_zh: string;
}

export interface RequestFilter {
  numbers?: string[];
  serviceCodes?: string[];
  from?: Date;
  to?: Date;
  status?: 'open' | 'closed';
  limit: number;
}

/** Public service requests: no reporter, no phone — only what GeoReport v2 lists. Newest first. */
export function findRequests(db: Executor, f: RequestFilter): Promise<RequestRow[]> {
  let q = db.selectFrom('cases')
    .innerJoin('case_category as cat', 'cat.id', 'cases.category_id')
    .innerJoin('unit as hu', 'hu.id', 'cases.handling_unit_id')
    .select(['cases.id', 'cases.number', 'cases.state', 'cases.description', 'cases.address', 'cases.lng', 'cases.lat',
      'cases.stage', 'cases.stage_deadline', 'cases.created_at', 'cases.updated_at',
      'cat.code as service_code', 'cat.name_zh as service_name_zh', 'cat.name_en as service_name_en', 'hu.name as agency_zh'])
    .where(isPublic('cat.code'));
  if (f.numbers) q = q.where('cases.number', 'in', f.numbers.length ? f.numbers : ['']);
  if (f.serviceCodes) q = q.where('cat.code', 'in', f.serviceCodes.length ? f.serviceCodes : ['']);
  if (f.from) q = q.where('cases.created_at', '>=', f.from);
  if (f.to) q = q.where('cases.created_at', '<=', f.to);
  if (f.status === 'open') q = q.where('cases.state', 'not in', CLOSED_STATES);
  if (f.status === 'closed') q = q.where('cases.state', 'in', CLOSED_STATES);
  return q.orderBy('cases.created_at', 'desc').orderBy('cases.id', 'desc').limit(f.limit).execute();
}

export function tokenOfCase(db: Executor, caseId: string) {
  return db.selectFrom('open311_token').select('token').where('case_id', '=', caseId).executeTakeFirst();
}

/** The request a token was handed out for (a private category's too: its partner holds the token). */
export function caseOfToken(db: Executor, token: string) {
  return db.selectFrom('open311_token').innerJoin('cases', 'cases.id', 'open311_token.case_id')
    .select(['open311_token.token', 'cases.number']).where('open311_token.token', '=', token).executeTakeFirst();
}

export function caseNumber(db: Executor, id: string) {
  return db.selectFrom('cases').select('number').where('id', '=', id).executeTakeFirstOrThrow();
}
