import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './audit.policy.js';
import { auditRoutes } from './audit.routes.js';

/** The append-only audit log: search and export, for the auditor only. */
export const auditModule: ModuleManifest = {
  name: 'audit',
  permissions,
  grants,
  routes: auditRoutes,
};
