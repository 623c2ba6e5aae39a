import { Readable } from 'node:stream';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { AppError } from '../../core/http/errors.js';
import { IdParam } from '../../../shared/registry/common.schemas.js';
import * as S from '../../../shared/hotline.schemas.js';
import { P } from './hotline.policy.js';
import {
  HotlineRunner, commitImport, createSource, createUpload, deleteSource, getJob, getSource, listJobs, listRows, listSources,
  mappingProposal, startValidation, updateSource,
} from './hotline.service.js';

/**
 * 12345 hotline orders: sources with their saved mapping; an upload read at once (headers and
 * values for the mapping step), checked in the background with a confirmed mapping, then committed
 * in one transaction; the job's progress and its row-by-row report.
 */
export function hotlineRoutes(api: Api, ctx: AppContext): void {
  const tags = ['hotline'];
  const config = { permission: P.import };
  const runner = new HotlineRunner(ctx, api.log);
  api.addHook('onReady', async () => runner.recover());
  api.addHook('onClose', async () => runner.close());

  api.get('/hotline/sources', {
    config, schema: { tags, summary: 'The hotline sources of the units in your scope', response: { 200: S.SourceList } },
  }, async (req) => ({ items: await listSources(ctx, actorOf(req)) }));

  api.post('/hotline/sources', {
    config, schema: { tags, summary: 'Add a hotline source to a district, street or community', body: S.CreateSourceInput, response: { 201: S.SourceView } },
  }, async (req, reply) => reply.status(201).send(await createSource(ctx, actorOf(req), auditContext(req), req.body)));

  api.get('/hotline/sources/:id', {
    config, schema: { tags, summary: 'A hotline source with its saved mapping', params: IdParam, response: { 200: S.SourceView } },
  }, async (req) => getSource(ctx, actorOf(req), req.params.id));

  api.patch('/hotline/sources/:id', {
    config, schema: { tags, summary: 'Rename a source or change its mapping (at the version read)', params: IdParam, body: S.UpdateSourceInput, response: { 200: S.SourceView } },
  }, async (req) => updateSource(ctx, actorOf(req), auditContext(req), req.params.id, req.body));

  api.delete('/hotline/sources/:id', {
    config, schema: { tags, summary: 'Delete a source and its uploads (its cases stay)', params: IdParam },
  }, async (req, reply) => {
    await deleteSource(ctx, actorOf(req), auditContext(req), req.params.id);
    return reply.status(204).send();
  });

  // The body stays a stream until the caller and the source are known; then it goes to a file.
  api.register(async (plugin) => {
    const upload = plugin.withTypeProvider<ZodTypeProvider>();
    upload.addContentTypeParser([...S.HOTLINE_UPLOAD_TYPES], (_req, payload, done) => done(null, payload));
    upload.post('/hotline/sources/:id/imports', {
      config,
      bodyLimit: S.HOTLINE_MAX_BYTES,
      schema: {
        tags,
        summary: 'Upload an export of the hotline system (raw body: xlsx, or CSV in UTF-8 or GB18030; at most 20 MB). It is read at once for the mapping step',
        params: IdParam, querystring: S.UploadQuery, response: { 201: S.Accepted },
      },
    }, async (req, reply) => {
      const actor = actorOf(req);
      const body = req.body as unknown;
      if (!(body instanceof Readable)) {
        throw new AppError(415, 'unsupported_media_type', 'hotline.content_type', { types: 'xlsx, text/csv' });
      }
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > S.HOTLINE_MAX_BYTES) {
        throw new AppError(413, 'file_too_large', 'import.file_too_large', { mb: S.HOTLINE_MAX_BYTES / 1024 / 1024 }, 'body');
      }
      const id = await createUpload(ctx, actor, req.params.id, req.query.fileName, body);
      return reply.status(201).send({ id });
    });
  });

  api.get('/hotline/imports', {
    config, schema: { tags, summary: 'Recent uploads in your scope, newest first', querystring: S.JobListQuery, response: { 200: S.HotlineJobList } },
  }, async (req) => ({ items: await listJobs(ctx, actorOf(req), req.locale, req.query.sourceId, req.query.limit) }));

  api.get('/hotline/imports/:id', {
    config, schema: { tags, summary: 'An upload: status, progress and counts', params: IdParam, response: { 200: S.HotlineJobView } },
  }, async (req) => getJob(ctx, actorOf(req), req.locale, req.params.id));

  api.get('/hotline/imports/:id/mapping', {
    config, schema: { tags, summary: 'The mapping step: headers, first rows, values per column and the proposed mapping', params: IdParam, response: { 200: S.MappingProposal } },
  }, async (req) => mappingProposal(ctx, actorOf(req), req.params.id));

  api.post('/hotline/imports/:id/validate', {
    config, schema: { tags, summary: 'Check the rows with a confirmed mapping (in the background); the mapping is saved on the source', params: IdParam, body: S.ValidateInput, response: { 202: S.Accepted } },
  }, async (req, reply) => {
    await startValidation(ctx, runner, actorOf(req), auditContext(req), req.params.id, req.body);
    return reply.status(202).send({ id: req.params.id });
  });

  api.get('/hotline/imports/:id/rows', {
    config, schema: { tags, summary: 'The row-by-row report: order number, new / already imported / warning / error, messages, placement, case', params: IdParam, querystring: S.RowsQuery, response: { 200: S.HotlineRowPage } },
  }, async (req) => listRows(ctx, actorOf(req), req.locale, req.params.id, req.query));

  api.post('/hotline/imports/:id/commit', {
    config, schema: { tags, summary: 'Create the cases of the good rows in one transaction (in the background)', params: IdParam, response: { 202: S.Accepted } },
  }, async (req, reply) => {
    await commitImport(ctx, runner, actorOf(req), auditContext(req), req.params.id);
    return reply.status(202).send({ id: req.params.id });
  });
}
