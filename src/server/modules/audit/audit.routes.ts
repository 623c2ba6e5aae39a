import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import * as S from '../../../shared/audit.schemas.js';
import { P } from './audit.policy.js';
import { sendStreamedFile } from '../../core/http/download.js';
import { exportEntries, searchEntries } from './audit.service.js';

/** The audit log: read-only. There is deliberately no route that changes or deletes an entry. */
export function auditRoutes(api: Api, ctx: AppContext): void {
  const tags = ['audit'];

  api.get('/audit', {
    config: { permission: P.read },
    schema: { tags, summary: 'Search the audit log in your scope, newest first', querystring: S.AuditSearchQuery, response: { 200: S.AuditPage } },
  }, async (req) => searchEntries(ctx, actorOf(req), req.query));

  api.get('/audit/export', {
    config: { permission: P.export },
    // A HEAD would run (and audit) a whole export for nothing.
    exposeHeadRoute: false,
    schema: { tags, summary: 'Download the matching entries as xlsx or csv (at most 100 000)', querystring: S.AuditExportQuery },
  }, async (req, reply) => {
    return sendStreamedFile(req, reply, await exportEntries(ctx, actorOf(req), auditContext(req), req.locale, req.query));
  });
}
