import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './users.policy.js';
import { usersRoutes } from './users.routes.js';

/** Accounts and their role bindings: the system admin keeps accounts, the security admin gives roles. */
export const usersModule: ModuleManifest = {
  name: 'users',
  permissions,
  grants,
  routes: usersRoutes,
};
