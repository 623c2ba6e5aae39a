import type { ModuleManifest } from '../../core/module.js';
import { open311Routes } from './open311.routes.js';

/** Open311 GeoReport v2 intake and public read-out (/api/open311/v2). Partners hold api keys, not roles. */
export const open311Module: ModuleManifest = {
  name: 'open311',
  permissions: {},
  grants: {},
  routes: open311Routes,
};
