import { PassThrough } from 'node:stream';
import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import * as S from '../../../shared/audit.schemas.js';
import { P } from './audit.policy.js';
import { exportEntries, searchEntries } from './audit.service.js';

/** attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded name> (RFC 6266 / 5987). */
function contentDisposition(ascii: string, name: string): string {
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `attachment; filename="${ascii.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encoded}`;
}

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
    const file = await exportEntries(ctx, actorOf(req), auditContext(req), req.locale, req.query);
    const body = new PassThrough();
    file.write(body).catch((err: unknown) => {
      req.log.error({ err }, 'audit export failed');
      body.destroy(err instanceof Error ? err : new Error(String(err)));
    });
    return reply
      .header('Content-Type', file.contentType)
      .header('Content-Disposition', contentDisposition(file.asciiFilename, file.filename))
      .header('Cache-Control', 'no-store')
      .send(body);
  });
}
