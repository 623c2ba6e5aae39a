import type { Role } from '../../../shared/roles.js';
import type { Locale } from '../../../shared/i18n/index.js';
import type { Permission, PermissionRegistry } from './permissions.js';
import { forbidden } from '../http/errors.js';

export interface RoleBindingView {
  id: string;
  role: Role;
  unitId: string;
  unitPath: string;
  unitName: string;
  unitLevel: string;
}

/** Is `path` the unit `scope` itself or inside its subtree? (ltree text paths, e.g. "1.4" and "1.4.57") */
export function pathWithin(path: string, scope: string): boolean {
  return path === scope || path.startsWith(scope + '.');
}

/** Drop scopes that lie inside another scope of the list. */
export function minimalScopes(paths: string[]): string[] {
  const unique = [...new Set(paths)].sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const p of unique) if (!out.some((s) => pathWithin(p, s))) out.push(p);
  return out;
}

/**
 * The signed-in caller of a request: who they are, and through their role bindings, where in the
 * tree each permission reaches. Every scoped read and write asks this object.
 */
export class Actor {
  constructor(
    readonly userId: string,
    readonly username: string,
    readonly displayName: string,
    readonly unitPath: string,
    readonly locale: Locale,
    readonly bindings: RoleBindingView[],
    private readonly registry: PermissionRegistry,
    /**
     * The version of the reference data (units, categories; core/reference.ts) when the request began,
     * read with the caller: copies in memory at least this new may answer for the tables.
     */
    readonly referenceVersion: string | null = null,
  ) {}

  get roles(): Role[] {
    return [...new Set(this.bindings.map((b) => b.role))];
  }

  /** The subtrees (ltree paths) in which this actor holds `permission`; empty when nowhere. */
  scopesFor(permission: Permission): string[] {
    return minimalScopes(
      this.bindings.filter((b) => this.registry.roleHas(b.role, permission)).map((b) => b.unitPath),
    );
  }

  /** Holds `permission` somewhere (path omitted) or at `path` (inside one of its scopes). */
  can(permission: Permission, path?: string): boolean {
    const scopes = this.scopesFor(permission);
    return path === undefined ? scopes.length > 0 : scopes.some((s) => pathWithin(path, s));
  }

  /** Holds `permission` at a unit strictly below one of its scopes (not at a scope root). */
  canBelowRoot(permission: Permission, path: string): boolean {
    return this.scopesFor(permission).some((s) => path !== s && pathWithin(path, s));
  }

  /** 403 unless the actor holds `permission` somewhere at all. */
  require(permission: Permission): void {
    if (!this.can(permission)) throw forbidden();
  }

  permissions(): Permission[] {
    const set = new Set<Permission>();
    for (const b of this.bindings) for (const p of this.registry.permissionsOf(b.role)) set.add(p);
    return [...set].sort();
  }
}
