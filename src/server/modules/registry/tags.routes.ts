import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { conflict, notFound } from '../../core/http/errors.js';
import { writeAudit } from '../../core/audit/audit.js';
import * as S from '../../../shared/registry/common.schemas.js';
import { P } from './registry.policy.js';
import { listTags, presentTag } from './tags.queries.js';

export function tagsRoutes(api: Api, ctx: AppContext): void {
  const tags = ['registry'];

  api.get('/care-tags', {
    schema: { tags, summary: 'The care-tag catalogue (七色信息牌) as you may see it', response: { 200: S.TagList } },
  }, async (req) => {
    const actor = actorOf(req);
    return { items: (await listTags(ctx.db, actor)).map((t) => presentTag(t, req.locale)) };
  });

  api.post('/care-tags', {
    config: { permission: P.manageTags },
    schema: { tags, summary: 'Add a care tag to the catalogue', body: S.CreateTagInput, response: { 201: S.TagView } },
  }, async (req, reply) => {
    const b = req.body;
    const row = await ctx.db.transaction().execute(async (trx) => {
      const exists = await trx.selectFrom('care_tag').select('id').where('code', '=', b.code).executeTakeFirst();
      if (exists) throw conflict('code_taken', 'unit.code_taken', { code: b.code }, 'code');
      const r = await trx.insertInto('care_tag').values({
        code: b.code, name_zh: b.nameZh, name_en: b.nameEn, color: b.color, sensitive: b.sensitive, applies_to: b.appliesTo, sort_order: b.sortOrder,
      }).returning(['id', 'code', 'name_zh', 'name_en', 'color', 'sensitive', 'applies_to']).executeTakeFirstOrThrow();
      await writeAudit(trx, auditContext(req), { action: 'care_tag.create', resourceType: 'care_tag', resourceId: r.id, detail: { code: b.code } });
      return r;
    });
    return reply.status(201).send(presentTag(row, req.locale));
  });

  api.patch('/care-tags/:id', {
    config: { permission: P.manageTags },
    schema: { tags, summary: 'Rename, recolour, retire a care tag or mark it sensitive', params: S.IdParam, body: S.UpdateTagInput, response: { 200: S.TagView } },
  }, async (req) => {
    const b = req.body;
    const row = await ctx.db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('care_tag').set({
        ...(b.nameZh !== undefined ? { name_zh: b.nameZh } : {}),
        ...(b.nameEn !== undefined ? { name_en: b.nameEn } : {}),
        ...(b.color !== undefined ? { color: b.color } : {}),
        ...(b.sensitive !== undefined ? { sensitive: b.sensitive } : {}),
        ...(b.isActive !== undefined ? { is_active: b.isActive } : {}),
        ...(b.sortOrder !== undefined ? { sort_order: b.sortOrder } : {}),
      }).where('id', '=', req.params.id)
        .returning(['id', 'code', 'name_zh', 'name_en', 'color', 'sensitive', 'applies_to']).executeTakeFirst();
      if (!r) throw notFound();
      await writeAudit(trx, auditContext(req), { action: 'care_tag.update', resourceType: 'care_tag', resourceId: r.id, detail: { changed: Object.keys(b) } });
      return r;
    });
    return presentTag(row, req.locale);
  });
}
