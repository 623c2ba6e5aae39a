import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './case-settings.policy.js';
import { caseSettingsRoutes } from './case-settings.routes.js';

/** Case settings: the category catalogue with its time limits, and the functional departments with their members. */
export const caseSettingsModule: ModuleManifest = {
  name: 'case-settings',
  permissions,
  grants,
  routes: caseSettingsRoutes,
};
