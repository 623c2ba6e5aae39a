import { sql, type Expression, type SqlBool } from 'kysely';
import type { Executor } from '../../core/db/index.js';
import { OPEN_STATES } from './case.machine.js';
import { caseColumns, type CaseRow } from './cases.queries.js';

const EARTH_RADIUS_M = 6_371_008.8;
const M_PER_DEGREE_LAT = 111_320;

export interface NearbyQuery {
  categoryId: string;
  lng: number;
  lat: number;
  radiusM: number;
  since: Date;
  limit: number;
  /** A case not to list (the case itself). */
  excludeId?: string;
  /** Only the cases this predicate admits (the caller's visibility). */
  only?: Expression<SqlBool>;
  /** Answer, per case, whether this predicate admits it (`visible`). */
  flag?: Expression<SqlBool>;
}

export type NearbyRow = CaseRow & { distance_m: number; visible: boolean };

/**
 * Open cases (reported … verified; merged, closed and rejected ones are not open) of one category
 * within `radiusM` of a point, reported since `since`, nearest first. A bounding box on lng/lat
 * (the partial index cases_open_place_idx) cuts the candidates, the haversine distance decides.
 */
export async function nearbyOpen(db: Executor, q: NearbyQuery): Promise<NearbyRow[]> {
  const dLat = q.radiusM / M_PER_DEGREE_LAT;
  const dLng = q.radiusM / (M_PER_DEGREE_LAT * Math.max(Math.cos((q.lat * Math.PI) / 180), 0.01));
  const distance = sql<number>`(2 * ${EARTH_RADIUS_M}::float8 * asin(sqrt(
      power(sin(radians(cases.lat - ${q.lat}::float8) / 2), 2)
      + cos(radians(${q.lat}::float8)) * cos(radians(cases.lat)) * power(sin(radians(cases.lng - ${q.lng}::float8) / 2), 2))))`;
  let query = db.selectFrom('cases')
    .innerJoin('unit as u', 'u.id', 'cases.unit_id')
    .innerJoin('unit as hu', 'hu.id', 'cases.handling_unit_id')
    .innerJoin('case_category as cat', 'cat.id', 'cases.category_id')
    .select(caseColumns)
    .select(distance.as('distance_m'))
    .select(sql<boolean>`${q.flag ?? sql`true`}`.as('visible'))
    .where(sql<SqlBool>`cases.state in (${sql.join([...OPEN_STATES])})`)
    .where('cases.category_id', '=', q.categoryId)
    .where('cases.lat', '>=', q.lat - dLat).where('cases.lat', '<=', q.lat + dLat)
    .where('cases.lng', '>=', q.lng - dLng).where('cases.lng', '<=', q.lng + dLng)
    .where('cases.created_at', '>=', q.since)
    .where(sql<SqlBool>`${distance} <= ${q.radiusM}::float8`);
  if (q.excludeId) query = query.where('cases.id', '<>', q.excludeId);
  if (q.only) query = query.where(q.only);
  const rows = await query.orderBy(sql`distance_m`).orderBy('cases.created_at').orderBy('cases.id').limit(q.limit).execute();
  return rows.map((r) => ({ ...(r as unknown as NearbyRow), distance_m: Number(r.distance_m) }));
}
