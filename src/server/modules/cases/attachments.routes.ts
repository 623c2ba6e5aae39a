import type { FastifyError } from 'fastify';
import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { AppError, forbidden, invalid, notFound, unauthenticated } from '../../core/http/errors.js';
import { errorHandler } from '../../core/http/error-handler.js';
import { storeFor } from '../../core/storage/index.js';
import * as S from '../../../shared/cases.schemas.js';
import { P } from './cases.policy.js';
import * as Q from './cases.queries.js';
import * as A from './attachments.queries.js';
import { extensionOf, tooLarge, uploadAttachment } from './attachments.service.js';

/** Whoever may report, handle or verify a case, or record field work (patrols, diary), may upload photos. */
const UPLOADERS = [P.report, P.handle, P.verify, P.departmentHandle, 'fieldwork.record'] as const;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
/** A browser may keep a photo for an hour; it is private to the signed-in session. */
const CACHE_SECONDS = 3600;

export function attachmentsRoutes(api: Api, ctx: AppContext): void {
  const tags = ['cases'];
  const max = ctx.config.attachmentMaxBytes;

  // The upload takes the raw image as its body, whatever Content-Type it claims: what it is comes
  // from its bytes. Its own scope: its own parser and body limit, and the 413 names the file.
  void api.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: max }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((error: FastifyError, req, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return errorHandler(tooLarge(max) as unknown as FastifyError, req, reply);
      return errorHandler(error, req, reply);
    });

    scope.post('/attachments', {
      bodyLimit: max,
      // Signed in and allowed before the body is read: nobody else gets to send megabytes.
      preParsing: async (req) => {
        if (!req.session) throw unauthenticated();
        if (req.session.mfaPending) throw new AppError(401, 'mfa_required', 'auth.mfa_required');
        if (!req.actor) throw unauthenticated();
        if (!UPLOADERS.some((p) => req.actor!.can(p))) throw forbidden();
      },
      schema: {
        tags,
        summary: 'Upload one photo (the raw JPEG, PNG or WebP bytes as the body) for a report or a step; answers its id. An Idempotency-Key header makes a retry answer the same photo',
        response: { 201: S.AttachmentView, 200: S.AttachmentView },
      },
    }, async (req, reply) => {
      const actor = actorOf(req);
      if (!UPLOADERS.some((p) => actor.can(p))) throw forbidden();
      const header = req.headers['idempotency-key'];
      const key = Array.isArray(header) ? header[0] : header;
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw invalid('Idempotency-Key', 'case.idempotency_key_format');
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const { attachment, replayed } = await uploadAttachment(ctx, actor, auditContext(req), body, key ?? null);
      return reply.status(replayed ? 200 : 201).send(attachment);
    });
  });

  api.get('/attachments/:id', {
    schema: {
      tags,
      summary: 'The bytes of a photo: of a case, a patrol or a field diary entry you can see, or your own upload not yet attached',
      params: S.AttachmentIdParam,
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const row = await A.findAttachment(ctx.db, req.params.id);
    if (!row) throw notFound();
    if (row.case_id) {
      const departmentIds = await Q.departmentIdsOf(ctx.db, actor);
      if (!(await Q.findVisibleCase(ctx.db, actor, departmentIds, row.case_id))) throw notFound();
    } else if (row.patrol_id || row.diary_entry_id) {
      if (!(await A.fieldworkOwnerVisible(ctx.db, actor, row))) throw notFound();
    } else if (row.uploader_id !== actor.userId) {
      throw notFound();
    }
    const stream = await storeFor(ctx.config, row.storage)?.get(row.storage_key);
    if (!stream) {
      req.log.error({ attachment: row.id, storage: row.storage, key: row.storage_key }, 'attachment bytes missing from the store');
      throw notFound();
    }
    return reply
      .header('Content-Type', row.content_type)
      .header('Content-Length', String(row.byte_size))
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "default-src 'none'; sandbox")
      .header('Content-Disposition', `inline; filename="${row.id}.${extensionOf(row.content_type)}"`)
      .header('Cache-Control', `private, max-age=${CACHE_SECONDS}`)
      .send(stream);
  });
}
