import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './fieldwork.policy.js';
import { fieldworkRoutes } from './fieldwork.routes.js';

/** Grid worker field work 网格员走访巡查: visit rules, visits, patrols, field diary, the day's checklist, supervision. */
export const fieldworkModule: ModuleManifest = {
  name: 'fieldwork',
  permissions,
  grants,
  routes: (api, ctx) => fieldworkRoutes(api, ctx),
};
