import type { ModuleManifest } from '../../core/module.js';
import { notificationsRoutes } from './notifications.routes.js';

/** The in-app inbox, and the channels (log by default; SMS, WeChat when plugged in) notifications leave through. */
export const notificationsModule: ModuleManifest = {
  name: 'notifications',
  permissions: {},
  grants: {},
  routes: notificationsRoutes,
};
