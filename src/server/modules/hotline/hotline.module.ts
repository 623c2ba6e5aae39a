import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './hotline.policy.js';
import { hotlineRoutes } from './hotline.routes.js';

/** 12345 hotline orders: import a hotline system's export as cases, one order one case. */
export const hotlineModule: ModuleManifest = {
  name: 'hotline',
  permissions,
  grants,
  routes: hotlineRoutes,
};
