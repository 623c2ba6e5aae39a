import { sql } from 'kysely';
import type { Db, Executor, Trx } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../../core/http/errors.js';
import { childLevel, UNIT_LEVELS, type UnitLevel } from '../../../shared/roles.js';
import type { Boundary } from '../../../shared/hierarchy.schemas.js';
import { P } from './hierarchy.policy.js';
import { findUnitInScope, scopedTables, unitsWhoseBoxHolds, type UnitRow } from './hierarchy.queries.js';
import { inGeometry } from '../../../shared/geo.js';
import { PLACING_LEVELS, pickPlace } from './hierarchy.atlas.js';

const TREE_LOCK = 7272741; // serialises structural changes (create/move/delete) of the tree

/** The six-digit county-level code a unit's records are distributed by. */
export function regionCodeFor(level: UnitLevel, code: string, parentRegion: string | null): string {
  const rank = UNIT_LEVELS.indexOf(level);
  if (rank <= UNIT_LEVELS.indexOf('district') || !parentRegion) return code.slice(0, 6).padEnd(6, '0');
  return parentRegion;
}

/** Rings closed, at least three distinct corners: what a drawn or uploaded boundary must be. */
export function checkBoundary(boundary: Boundary): string | null {
  const polygons = boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.coordinates;
  for (const polygon of polygons) {
    for (const ring of polygon) {
      const first = ring[0]!, last = ring[ring.length - 1]!;
      if (first[0] !== last[0] || first[1] !== last[1]) return 'ring not closed (the last point must repeat the first)';
      if (new Set(ring.map((p) => `${p[0]},${p[1]}`)).size < 3) return 'a ring needs at least three distinct points';
    }
  }
  return null;
}

/** "A grid can only be created under a community": the level a unit of `level` needs above it. */
function levelMismatch(field: string, level: UnitLevel) {
  const above = UNIT_LEVELS[UNIT_LEVELS.indexOf(level) - 1];
  return above
    ? invalid(field, 'unit.level_mismatch', { child: `level.${level}`, parent: `level.${above}` })
    : invalid(field, 'unit.root_level', { level: `level.${level}` });
}

async function lockTree(trx: Trx) {
  await sql`SELECT pg_advisory_xact_lock(${TREE_LOCK})`.execute(trx);
}

/** A unit the caller can see, and holds `permission` at; 404 when out of sight, 403 when seen but not allowed. */
async function unitFor(trx: Executor, actor: Actor, id: string, permission: string): Promise<UnitRow> {
  const unit = await findUnitInScope(trx, actor, id);
  if (!unit) throw notFound();
  if (!actor.can(permission as never, unit.path)) throw forbidden();
  return unit;
}

async function codeTaken(trx: Executor, code: string, exceptId?: string): Promise<boolean> {
  let q = trx.selectFrom('unit').select('id').where('code', '=', code);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** Next code under a community or grid: the parent's code and a three-digit serial. */
async function nextChildCode(trx: Executor, parent: UnitRow): Promise<string> {
  const rows = await trx.selectFrom('unit').select('code').where('parent_id', '=', parent.id).execute();
  let serial = rows.reduce((max, r) => {
    const tail = r.code.startsWith(parent.code) ? Number(r.code.slice(parent.code.length)) : 0;
    return Number.isFinite(tail) && tail > max ? tail : max;
  }, 0);
  for (;;) {
    serial += 1;
    const code = parent.code + String(serial).padStart(3, '0');
    if (code.length > 20) throw invalid('code', 'unit.code_format');
    if (!(await codeTaken(trx, code))) return code;
  }
}

/**
 * Insert a unit under a parent (or as a root) with its path and region code. No checks of the
 * caller: the seed, the CLI and createUnit (which checks) use it.
 */
export async function insertUnit(
  trx: Executor,
  u: { parent: { id: string; path: string; region_code: string } | null; level: UnitLevel; code: string; name: string; boundary?: Boundary | null },
): Promise<{ id: string; path: string; regionCode: string }> {
  const id = String((await sql<{ id: string }>`SELECT nextval(pg_get_serial_sequence('unit', 'id')) AS id`.execute(trx)).rows[0]!.id);
  const path = u.parent ? `${u.parent.path}.${id}` : id;
  const regionCode = regionCodeFor(u.level, u.code, u.parent?.region_code ?? null);
  await trx.insertInto('unit').values({
    id, parent_id: u.parent?.id ?? null, level: u.level, code: u.code, name: u.name, path,
    region_code: regionCode, boundary: u.boundary ? JSON.stringify(u.boundary) : null,
  }).execute();
  return { id, path, regionCode };
}

export interface CreateUnitProps {
  parentId: string;
  level?: UnitLevel;
  code?: string;
  name: string;
  boundary?: Boundary | null;
}

export async function createUnit(db: Db, actor: Actor, audit: AuditContext, input: CreateUnitProps): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await lockTree(trx);
    const parent = await findUnitInScope(trx, actor, input.parentId);
    if (!parent) throw new AppError(404, 'not_found', 'unit.parent_not_found', undefined, 'parentId');
    if (!actor.can(P.create, parent.path)) throw forbidden();
    const expected = childLevel(parent.level);
    const level = input.level ?? expected;
    if (!level || level !== expected) throw levelMismatch('level', level ?? input.level ?? parent.level);
    if (input.boundary) {
      const problem = checkBoundary(input.boundary);
      if (problem) throw invalid('boundary', 'unit.boundary_invalid', { reason: problem });
    }
    let code = input.code;
    if (!code) {
      if (level !== 'grid' && level !== 'microgrid') throw invalid('code', 'validation.required');
      code = await nextChildCode(trx, parent);
    } else if (await codeTaken(trx, code)) {
      throw conflict('code_taken', 'unit.code_taken', { code }, 'code');
    }
    const { id, path } = await insertUnit(trx, { parent, level, code, name: input.name, boundary: input.boundary ?? null });
    await writeAudit(trx, audit, { action: 'unit.create', resourceType: 'unit', resourceId: id, unitPath: path, detail: { level, code, name: input.name } });
    return id;
  });
}

export async function updateUnit(
  db: Db, actor: Actor, audit: AuditContext, id: string, input: { name?: string; code?: string; boundary?: Boundary | null },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const unit = await unitFor(trx, actor, id, P.update);
    if (input.code !== undefined && input.code !== unit.code && (await codeTaken(trx, input.code, id))) {
      throw conflict('code_taken', 'unit.code_taken', { code: input.code }, 'code');
    }
    if (input.boundary) {
      const problem = checkBoundary(input.boundary);
      if (problem) throw invalid('boundary', 'unit.boundary_invalid', { reason: problem });
    }
    const changed = Object.keys(input).filter((k) => input[k as keyof typeof input] !== undefined);
    await trx.updateTable('unit').set({
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.code !== undefined ? { code: input.code } : {}),
      ...(input.boundary !== undefined ? { boundary: input.boundary ? JSON.stringify(input.boundary) : null } : {}),
      updated_at: new Date(),
    }).where('id', '=', id).execute();
    await writeAudit(trx, audit, {
      action: 'unit.update', resourceType: 'unit', resourceId: id, unitPath: unit.path,
      detail: { changed, ...(input.name !== undefined ? { from: unit.name, to: input.name } : {}) },
    });
  });
}

/**
 * Move a unit and its whole subtree under another parent, in one transaction: the units' paths and
 * region codes, and every scoped record below (buildings, residents, accounts, and whatever later
 * modules hang on the tree) follow.
 */
export async function moveUnit(db: Db, actor: Actor, audit: AuditContext, id: string, parentId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockTree(trx);
    const unit = await findUnitInScope(trx, actor, id);
    if (!unit) throw notFound();
    if (!actor.canBelowRoot(P.move, unit.path)) {
      throw actor.can(P.move, unit.path) ? new AppError(403, 'forbidden', 'unit.cannot_modify_scope_root') : forbidden();
    }
    const target = await findUnitInScope(trx, actor, parentId);
    if (!target) throw new AppError(404, 'not_found', 'unit.parent_not_found', undefined, 'parentId');
    if (!actor.can(P.move, target.path)) throw forbidden();
    if (target.path === unit.path || target.path.startsWith(unit.path + '.')) {
      throw invalid('parentId', 'unit.move_into_descendant');
    }
    if (childLevel(target.level) !== unit.level) {
      throw levelMismatch('parentId', unit.level);
    }
    if (target.id === unit.parent_id) return;
    const oldPath = unit.path;
    const newPath = `${target.path}.${unit.id}`;
    const keepsRegion = UNIT_LEVELS.indexOf(unit.level) <= UNIT_LEVELS.indexOf('district');
    await sql`
      UPDATE unit SET
        path = CASE WHEN path = ${oldPath}::ltree THEN ${newPath}::ltree
                    ELSE ${newPath}::ltree || subpath(path, nlevel(${oldPath}::ltree)) END,
        region_code = CASE WHEN ${keepsRegion} THEN region_code ELSE ${target.region_code} END,
        parent_id = CASE WHEN id = ${unit.id} THEN ${target.id}::bigint ELSE parent_id END,
        updated_at = now()
      WHERE path <@ ${oldPath}::ltree`.execute(trx);
    const moved: Record<string, number> = {};
    for (const table of await scopedTables(trx)) {
      const res = await sql`
        UPDATE ${sql.table(table)} AS t SET unit_path = u.path, region_code = u.region_code
        FROM unit u WHERE t.unit_id = u.id AND t.unit_path <@ ${oldPath}::ltree`.execute(trx);
      moved[table] = Number(res.numAffectedRows ?? 0);
    }
    await writeAudit(trx, audit, {
      action: 'unit.move', resourceType: 'unit', resourceId: unit.id, unitPath: newPath,
      detail: { fromParent: unit.parent_id, toParent: target.id, oldPath, newPath, moved },
    });
  });
}

/** Delete a unit that holds nothing: no sub-units, no records, no accounts or role bindings. */
export async function deleteUnit(db: Db, actor: Actor, audit: AuditContext, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockTree(trx);
    const unit = await findUnitInScope(trx, actor, id);
    if (!unit) throw notFound();
    if (!actor.canBelowRoot(P.delete, unit.path)) {
      throw actor.can(P.delete, unit.path) ? new AppError(403, 'forbidden', 'unit.cannot_modify_scope_root') : forbidden();
    }
    if (unit.child_count > 0) throw conflict('not_empty', 'unit.not_empty_children');
    for (const table of await scopedTables(trx)) {
      const hit = await sql`SELECT 1 FROM ${sql.table(table)} WHERE unit_id = ${id} LIMIT 1`.execute(trx);
      if (hit.rows.length > 0) throw table === 'app_user' ? conflict('not_empty', 'unit.not_empty_users') : conflict('not_empty', 'unit.not_empty_records', { table });
    }
    const binding = await trx.selectFrom('role_binding').select('id').where('unit_id', '=', id).executeTakeFirst();
    if (binding) throw conflict('not_empty', 'unit.not_empty_users');
    await trx.deleteFrom('unit').where('id', '=', id).execute();
    await writeAudit(trx, audit, { action: 'unit.delete', resourceType: 'unit', resourceId: id, unitPath: unit.path, detail: { code: unit.code, name: unit.name } });
  });
}

export interface PlacedPoint {
  community: { id: string; name: string; level: UnitLevel; code: string; path: string; region_code: string } | null;
  grid: PlacedPoint['community'];
  microgrid: PlacedPoint['community'];
  /** The deepest of them: where a record at this point belongs. */
  unit: PlacedPoint['community'];
}

/**
 * Which micro-grid, grid and community hold a point ([lng, lat], WGS 84)? Bounding boxes narrow the
 * candidates in SQL, an exact point-in-polygon test decides. A point in no grid but inside a
 * community lands at the community; in neither, every field is null. (A request that may use the
 * process's copy of the tree asks hierarchy.atlas.ts instead: the same answer without a query.)
 */
export async function locatePoint(db: Executor, lng: number, lat: number): Promise<PlacedPoint> {
  const candidates = await unitsWhoseBoxHolds(db, lng, lat, [...PLACING_LEVELS]);
  const hits = candidates.filter((u) => u.boundary && inGeometry(lng, lat, u.boundary as { type: string; coordinates: unknown }));
  const { grid, microgrid, ...found } = pickPlace(hits);
  let { community } = found;
  if (!community && grid) {
    const c = await db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path', 'region_code'])
      .where(sql<boolean>`path @> ${grid.path}::ltree`).where('level', '=', 'community').executeTakeFirst();
    community = c ?? null;
  }
  return { community, grid, microgrid, unit: microgrid ?? grid ?? community };
}
