/**
 * Who a step of a case concerns, resolved set-based from role bindings: the accounts whose role
 * holds a case permission (from the permission registry built from the module manifests) at the
 * nearest unit on the way up from a place. Only active accounts.
 */
import { sql, type SqlBool } from 'kysely';
import type { AppContext } from '../../core/context.js';
import type { Executor } from '../../core/db/index.js';
import type { Permission } from '../../core/access/permissions.js';
import { ROLES } from '../../../shared/roles.js';
import { P } from './cases.policy.js';
import type * as Q from './cases.queries.js';

function rolesWith(ctx: AppContext, permission: Permission): string[] {
  return ROLES.filter((r) => ctx.permissions.roleHas(r, permission));
}

/**
 * The accounts holding `permission` through a binding at the nearest unit at `path` or above it
 * (strictly above with `above`) where anyone holds it: the grid's workers for a grid, else the
 * community's staff — not every account up to the district, whose scope also reaches the place.
 */
export async function nearestHolders(db: Executor, ctx: AppContext, permission: Permission, path: string, opts: { above?: boolean } = {}): Promise<string[]> {
  const q = holdersQuery(db, ctx, permission, path, opts);
  return q ? (await q.execute()).map((r) => r.user_id) : [];
}

/**
 * nearestHolders as a statement not yet run (null when no role holds the permission): notify resolves
 * it in the statement that writes the notifications.
 */
export function holdersQuery(db: Executor, ctx: AppContext, permission: Permission, path: string, opts: { above?: boolean } = {}) {
  const roles = rolesWith(ctx, permission);
  if (!roles.length) return null;
  return db.with('h', (qb) => qb.selectFrom('role_binding as rb')
    .innerJoin('unit as u', 'u.id', 'rb.unit_id')
    .innerJoin('app_user as a', 'a.id', 'rb.user_id')
    .select(['rb.user_id', sql<number>`nlevel(u.path)`.as('depth')])
    .where('rb.role', 'in', roles)
    .where('a.is_active', '=', true)
    .where(sql<SqlBool>`u.path @> ${path}::ltree`)
    .$if(opts.above === true, (q) => q.where(sql<SqlBool>`u.path <> ${path}::ltree`)))
    .selectFrom('h').select('h.user_id').distinct()
    .where(sql<SqlBool>`h.depth = (select max(depth) from h)`);
}

/** The active members of departments who hold case.department_handle. */
export async function departmentHandlers(db: Executor, ctx: AppContext, departmentIds: string[]): Promise<string[]> {
  const roles = rolesWith(ctx, P.departmentHandle);
  if (!departmentIds.length || !roles.length) return [];
  const rows = await db.selectFrom('department_member as m')
    .innerJoin('app_user as a', 'a.id', 'm.user_id')
    .select('m.user_id').distinct()
    .where('m.department_id', 'in', departmentIds)
    .where('a.is_active', '=', true)
    .where((eb) => eb.exists(eb.selectFrom('role_binding as rb').select('rb.id').whereRef('rb.user_id', '=', 'm.user_id').where('rb.role', 'in', roles)))
    .execute();
  return rows.map((r) => r.user_id);
}

/** Who handles these work orders: the handlers at each assignee unit, the members of each department. */
export async function orderHandlers(db: Executor, ctx: AppContext, orders: Pick<Q.OrderRow, 'assignee_kind' | 'assignee_unit_path' | 'assignee_department_id' | 'claimed_by'>[]): Promise<string[]> {
  const out = new Set<string>();
  const paths = [...new Set(orders.filter((o) => o.assignee_kind === 'unit' && o.assignee_unit_path).map((o) => o.assignee_unit_path!))];
  for (const path of paths) (await nearestHolders(db, ctx, P.handle, path)).forEach((u) => out.add(u));
  (await departmentHandlers(db, ctx, orders.filter((o) => o.assignee_department_id).map((o) => o.assignee_department_id!))).forEach((u) => out.add(u));
  return [...out];
}

/** The dispatcher staff of the handling unit (case.dispatch at it, or at the nearest unit above). */
export function dispatchersQuery(db: Executor, ctx: AppContext, handlingPath: string) {
  return holdersQuery(db, ctx, P.dispatch, handlingPath);
}

export function dispatchers(db: Executor, ctx: AppContext, handlingPath: string): Promise<string[]> {
  return nearestHolders(db, ctx, P.dispatch, handlingPath);
}

/** The supervisors above the handling unit (case.supervise at the nearest unit strictly above). */
export function supervisors(db: Executor, ctx: AppContext, handlingPath: string): Promise<string[]> {
  return nearestHolders(db, ctx, P.supervise, handlingPath, { above: true });
}

/** Who handles the case now: the assignees of its open work orders, else its dispatchers. */
export async function currentHandlers(db: Executor, ctx: AppContext, caseId: string, handlingPath: string): Promise<string[]> {
  const open = await db.selectFrom('work_order').select(['assignee_kind', 'assignee_unit_path', 'assignee_department_id', 'claimed_by'])
    .where('case_id', '=', caseId).where('state', 'in', ['dispatched', 'claimed']).execute();
  if (!open.length) return dispatchers(db, ctx, handlingPath);
  return orderHandlers(db, ctx, open);
}
