import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Role } from '../../shared/roles.js';
import { PermissionRegistry, type Permission } from './access/permissions.js';
import type { AppContext } from './context.js';

export type Api = FastifyInstance<any, any, any, any, ZodTypeProvider>;

/**
 * A feature registers itself with the core through one manifest: its permissions, which roles hold
 * them, and its routes (mounted under /api). The core discovers modules; it never imports one.
 */
export interface ModuleManifest {
  name: string;
  permissions: Record<Permission, string>;
  grants: Partial<Record<Role, Permission[]>>;
  routes(api: Api, ctx: AppContext): void | Promise<void>;
  /**
   * Background work the module runs while the server serves (the overdue watch): started by
   * `linli serve` after it listens, stopped before it closes; never by the test app.
   */
  start?(ctx: AppContext): { stop(): Promise<void> };
}

/** The permission table of a set of modules: every declared permission and which roles hold it. */
export function registryFromModules(modules: ModuleManifest[]): PermissionRegistry {
  const registry = new PermissionRegistry();
  for (const m of modules) for (const [p, d] of Object.entries(m.permissions)) registry.declare(p as Permission, d);
  for (const m of modules) for (const [role, list] of Object.entries(m.grants)) registry.grant(role as Role, list ?? []);
  return registry;
}
