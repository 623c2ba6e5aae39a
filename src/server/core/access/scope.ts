import { sql, type Expression, type SqlBool } from 'kysely';
import type { Actor, RoleBindingView } from './actor.js';
import type { Permission } from './permissions.js';
import { notFound } from '../http/errors.js';
import type { Executor } from '../db/index.js';
import { UNIT_LEVELS, type UnitLevel } from '../../../shared/roles.js';

/**
 * `<column>` lies in the subtree of the unit at `path` (the unit itself or below), written as a
 * range so that a btree on the column serves it as well as a GiST (whose ltree opclass has the
 * range operators too): an ordered index scan can stop after a page, and the planner estimates a
 * range from the column's histogram. ltree sorts label by label (bytes, then length), so the
 * subtree of 1.4 is every path p with 1.4 <= p < 1.40: "4" < "4" + anything < "40". That holds for
 * labels of characters not below '0' — unit paths are chains of ids; a path with a hyphen (PostgreSQL
 * 16+) keeps the plain `<@`.
 */
export function inSubtree(column: string, path: string): Expression<SqlBool> {
  if (path.includes('-')) return sql<SqlBool>`${sql.ref(column)} <@ ${path}::ltree`;
  return sql<SqlBool>`(${sql.ref(column)} >= ${path}::ltree and ${sql.ref(column)} < ${path + '0'}::ltree)`;
}

/**
 * The scope predicate, the one place where "cut to the caller's subtree" is written: the column
 * lies in a subtree where the actor holds the permission (inSubtree, btree- or GiST-indexed), or
 * FALSE when it holds it nowhere. Every list and lookup of scoped data goes through this.
 */
export function inScope(actor: Actor, permission: Permission, column: string): Expression<SqlBool> {
  const scopes = actor.scopesFor(permission);
  if (scopes.length === 0) return sql<SqlBool>`false`;
  const parts = scopes.map((s) => inSubtree(column, s));
  return parts.length === 1 ? parts[0]! : sql<SqlBool>`(${sql.join(parts, sql` OR `)})`;
}

/**
 * Is one of these subtrees at `level` or wider (a street: the street, district, city, province)?
 * The scoped rows of a wide subtree are spread over the whole table, so a walk in a list's own order
 * (newest first, by id) finds a page at once; the rows of a narrow one are better collected from
 * their own index range first (the walk could cross most of the table before it finds a page).
 */
export async function reachesLevel(db: Executor, paths: string[], level: UnitLevel, known: readonly RoleBindingView[] = []): Promise<boolean> {
  if (paths.length === 0) return false;
  const levels = UNIT_LEVELS.slice(0, UNIT_LEVELS.indexOf(level) + 1);
  // Paths that are the caller's own binding units (their scopes) carry their level: no query.
  const levelOf = new Map(known.map((b) => [b.unitPath, b.unitLevel]));
  if (paths.every((p) => levelOf.has(p))) return paths.some((p) => (levels as readonly string[]).includes(levelOf.get(p)!));
  const found = await db.selectFrom('unit').select('id')
    .where(sql<SqlBool>`path = any(${paths}::ltree[])`).where('level', 'in', levels).limit(1).executeTakeFirst();
  return found !== undefined;
}

/** A record found outside the caller's scope answers exactly like a missing one: 404. */
export function assertInScope(actor: Actor, permission: Permission, path: string | null | undefined): void {
  if (!path || !actor.can(permission, path)) throw notFound();
}

/**
 * What the caller may do to a record at `path`: { update: true, delete: false, ... }.
 * Responses carry this so the UI hides what the user may not do.
 */
export function abilities<A extends string>(
  actor: Actor,
  path: string,
  actions: Record<A, Permission | ((actor: Actor, path: string) => boolean)>,
): Record<A, boolean> {
  const out = {} as Record<A, boolean>;
  for (const [action, rule] of Object.entries(actions) as [A, Permission | ((a: Actor, p: string) => boolean)][]) {
    out[action] = typeof rule === 'function' ? rule(actor, path) : actor.can(rule, path);
  }
  return out;
}
