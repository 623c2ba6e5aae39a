import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './hierarchy.policy.js';
import { hierarchyRoutes } from './hierarchy.routes.js';

/** The tree of units: district → street → community → grid → micro-grid. */
export const hierarchyModule: ModuleManifest = {
  name: 'hierarchy',
  permissions,
  grants,
  routes: hierarchyRoutes,
};
