import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './cockpit.policy.js';
import { cockpitRoutes } from './cockpit.routes.js';

/** The cockpit 数据驾驶舱: the case loop's figures for a subtree and a period, against last year. */
export const cockpitModule: ModuleManifest = {
  name: 'cockpit',
  permissions,
  grants,
  routes: cockpitRoutes,
};
