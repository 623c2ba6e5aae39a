import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './cases.policy.js';
import { casesRoutes } from './cases.routes.js';
import { startWatch } from './cases.watch.js';

/** The case closed loop 事件闭环: report → accept → dispatch → handle → verify → close → rate. */
export const casesModule: ModuleManifest = {
  name: 'cases',
  permissions,
  grants,
  routes: casesRoutes,
  // The overdue watch: recolours open cases, tells their handlers, escalates red ones past the grace.
  start: startWatch,
};
