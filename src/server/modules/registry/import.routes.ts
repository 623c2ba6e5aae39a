import { Readable } from 'node:stream';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { AppError } from '../../core/http/errors.js';
import { translate } from '../../../shared/i18n/index.js';
import * as C from '../../../shared/registry/common.schemas.js';
import * as S from '../../../shared/registry/import.schemas.js';
import { P } from './registry.policy.js';
import { ImportRunner, commitImport, createImport, getJob, listIssues, listJobs } from './import.service.js';
import { buildTemplate } from './import.workbook.js';
import { listTags } from './tags.queries.js';
import { fileStamp } from './export.service.js';
import { contentDisposition } from '../../core/http/download.js';

/**
 * Registry workbook import: the template, an upload that is checked in the background (202), its
 * progress and row-by-row report, and the commit of the good rows in one transaction.
 */
export function importRoutes(api: Api, ctx: AppContext): void {
  const tags = ['registry'];
  const runner = new ImportRunner(ctx, api.log);
  api.addHook('onReady', async () => runner.recover());
  api.addHook('onClose', async () => runner.close());

  api.get('/registry/import/template', {
    config: { permission: P.import },
    schema: { tags, summary: 'The 居民 import template (xlsx): headers, an example row, a sheet explaining every column' },
  }, async (req, reply) => {
    const actor = actorOf(req);
    // The tags the caller may give residents: sensitive ones only with the permission.
    const names = (await listTags(ctx.db, actor)).filter((t) => t.applies_to !== 'household').map((t) => (req.locale === 'en' ? t.name_en : t.name_zh));
    const body = await buildTemplate(req.locale, names);
    const name = `${translate(req.locale, 'import.template.file')}.xlsx`;
    return reply
      .header('Content-Type', S.XLSX_CONTENT_TYPE)
      .header('Content-Disposition', contentDisposition(`linli-resident-import-template-${fileStamp(ctx.clock.now())}.xlsx`, name))
      .header('Cache-Control', 'no-store')
      .send(body);
  });

  // The upload's body stays a stream until the caller is known and the unit checked; then it goes
  // to a file under the data directory (not into memory).
  api.register(async (plugin) => {
    const upload = plugin.withTypeProvider<ZodTypeProvider>();
    upload.addContentTypeParser(S.XLSX_CONTENT_TYPE, (_req, payload, done) => done(null, payload));
    upload.post('/registry/imports', {
      config: { permission: P.import },
      bodyLimit: S.IMPORT_MAX_BYTES,
      schema: {
        tags,
        summary: `Upload a filled 居民 workbook (raw body, Content-Type ${S.XLSX_CONTENT_TYPE}, at most 50 MB); it is checked in the background`,
        querystring: S.ImportUploadQuery,
        response: { 202: S.ImportAccepted },
      },
    }, async (req, reply) => {
      const actor = actorOf(req);
      const body = req.body as unknown;
      if (!(body instanceof Readable)) {
        throw new AppError(415, 'unsupported_media_type', 'import.content_type', { type: S.XLSX_CONTENT_TYPE });
      }
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > S.IMPORT_MAX_BYTES) {
        throw new AppError(413, 'file_too_large', 'import.file_too_large', { mb: S.IMPORT_MAX_BYTES / 1024 / 1024 }, 'body');
      }
      const id = await createImport(ctx, runner, actor, req.query, body);
      return reply.status(202).send({ id });
    });
  });

  api.get('/registry/imports', {
    config: { permission: P.import },
    schema: { tags, summary: 'Recent imports in your scope, newest first', querystring: S.ImportListQuery, response: { 200: S.ImportJobList } },
  }, async (req) => ({ items: await listJobs(ctx, actorOf(req), req.locale, req.query.limit) }));

  api.get('/registry/imports/:id', {
    config: { permission: P.import },
    schema: { tags, summary: 'An import: status, counts and progress', params: C.IdParam, response: { 200: S.ImportJobView } },
  }, async (req) => getJob(ctx, actorOf(req), req.locale, req.params.id));

  api.get('/registry/imports/:id/issues', {
    config: { permission: P.import },
    schema: {
      tags, summary: 'The row-by-row report: row, column and what is wrong', params: C.IdParam, querystring: S.ImportIssuesQuery,
      response: { 200: S.ImportIssueList },
    },
  }, async (req) => listIssues(ctx, actorOf(req), req.locale, req.params.id, req.query.limit, req.query.offset));

  api.post('/registry/imports/:id/commit', {
    config: { permission: P.import },
    schema: { tags, summary: 'Commit the rows that passed the checks, in one transaction (in the background)', params: C.IdParam, response: { 202: S.ImportAccepted } },
  }, async (req, reply) => {
    await commitImport(ctx, runner, actorOf(req), auditContext(req), req.params.id);
    return reply.status(202).send({ id: req.params.id });
  });
}
