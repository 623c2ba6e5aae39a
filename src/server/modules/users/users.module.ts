import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './users.policy.js';

export const usersModule: ModuleManifest = {
  name: 'users',
  permissions,
  grants,
  routes: () => {},
};
