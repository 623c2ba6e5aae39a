import { sql, type Expression, type SqlBool } from 'kysely';
import type { Actor } from './actor.js';
import type { Permission } from './permissions.js';
import { notFound } from '../http/errors.js';

/**
 * The scope predicate, the one place where "cut to the caller's subtree" is written:
 * `<column> <@ scope` for each subtree where the actor holds the permission (GiST-indexed), or
 * FALSE when it holds it nowhere. Every list and lookup of scoped data goes through this.
 */
export function inScope(actor: Actor, permission: Permission, column: string): Expression<SqlBool> {
  const scopes = actor.scopesFor(permission);
  if (scopes.length === 0) return sql<SqlBool>`false`;
  const parts = scopes.map((s) => sql<SqlBool>`${sql.ref(column)} <@ ${s}::ltree`);
  return parts.length === 1 ? parts[0]! : sql<SqlBool>`(${sql.join(parts, sql` OR `)})`;
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
