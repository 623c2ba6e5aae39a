import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './registry.policy.js';
import { residentsRoutes } from './residents.routes.js';
import { buildingsRoutes } from './buildings.routes.js';
import { organisationsRoutes } from './organisations.routes.js';
import { tagsRoutes } from './tags.routes.js';
import { importRoutes } from './import.routes.js';
import { exportRoutes } from './export.routes.js';

/** The registry 人·房·地·物·组织: buildings, entrances, households, residents, organisations, care tags. */
export const registryModule: ModuleManifest = {
  name: 'registry',
  permissions,
  grants,
  routes(api, ctx) {
    tagsRoutes(api, ctx);
    residentsRoutes(api, ctx);
    buildingsRoutes(api, ctx);
    organisationsRoutes(api, ctx);
    importRoutes(api, ctx);
    exportRoutes(api, ctx);
  },
};
