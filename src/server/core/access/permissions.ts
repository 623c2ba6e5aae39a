import type { Role } from '../../../shared/roles.js';

/** A permission is '<resource>.<action>', declared by the module that owns the resource. */
export type Permission = `${string}.${string}`;

/**
 * Which roles hold which permissions: the union of every module manifest's grants, built once at
 * start-up. The core knows no permission by name; modules bring them.
 */
export class PermissionRegistry {
  private readonly declared = new Map<Permission, string>();
  private readonly byRole = new Map<Role, Set<Permission>>();

  declare(permission: Permission, description: string): void {
    if (this.declared.has(permission)) throw new Error(`Permission ${permission} declared twice`);
    this.declared.set(permission, description);
  }

  grant(role: Role, permissions: Permission[]): void {
    const set = this.byRole.get(role) ?? new Set<Permission>();
    for (const p of permissions) {
      if (!this.declared.has(p)) throw new Error(`Permission ${p} granted to ${role} but never declared`);
      set.add(p);
    }
    this.byRole.set(role, set);
  }

  roleHas(role: Role, permission: Permission): boolean {
    return this.byRole.get(role)?.has(permission) ?? false;
  }

  permissionsOf(role: Role): Permission[] {
    return [...(this.byRole.get(role) ?? [])].sort();
  }

  all(): { permission: Permission; description: string }[] {
    return [...this.declared].map(([permission, description]) => ({ permission, description }));
  }
}
