import type { ModuleManifest } from '../../core/module.js';
import { grants, permissions } from './cases.policy.js';
import { casesRoutes } from './cases.routes.js';
import { reportAreaRoutes } from './report-area.routes.js';
import { suggestionsRoutes } from './suggestions.routes.js';
import { startWatch } from './cases.watch.js';
import { attachmentsRoutes } from './attachments.routes.js';
import { startAttachmentSweep } from './attachments.service.js';

/** The case closed loop 事件闭环: report → accept → dispatch → handle → verify → close → rate. */
export const casesModule: ModuleManifest = {
  name: 'cases',
  permissions,
  grants,
  routes: (api, ctx) => { casesRoutes(api, ctx); reportAreaRoutes(api, ctx); suggestionsRoutes(api, ctx); attachmentsRoutes(api, ctx); },
  // The overdue watch: recolours open cases, tells their handlers, escalates red ones past the grace;
  // and the sweep of photos uploaded but never attached to a case (older than a day).
  start: (ctx) => {
    const running = [startWatch(ctx), startAttachmentSweep(ctx)];
    return { stop: async () => { await Promise.all(running.map((r) => r.stop())); } };
  },
};
