import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './audit.policy.js';

export const auditModule: ModuleManifest = {
  name: 'audit',
  permissions,
  grants,
  routes: () => {},
};
