import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf } from '../../core/http/request-context.js';
import { notFound } from '../../core/http/errors.js';
import type { Locale } from '../../../shared/i18n/index.js';
import * as S from '../../../shared/notifications.schemas.js';
import { inbox, markAllRead, markRead, render, type InboxRow } from './notifications.service.js';

function present(r: InboxRow, locale: Locale): S.NotificationView {
  return {
    id: r.id,
    kind: r.kind,
    message: render(locale, r.message_key, r.params),
    case: r.case_id && r.case_number ? { id: r.case_id, number: r.case_number } : null,
    createdAt: r.created_at.toISOString(),
    readAt: r.read_at ? r.read_at.toISOString() : null,
  };
}

/** The caller's own inbox: nobody sees or marks another account's notifications (404). */
export function notificationsRoutes(api: Api, ctx: AppContext): void {
  const tags = ['notifications'];

  api.get('/notifications', {
    schema: { tags, summary: 'Your notifications, unread first, with the unread count', querystring: S.NotificationListQuery, response: { 200: S.NotificationPage } },
  }, async (req) => {
    const actor = actorOf(req);
    const page = await inbox(ctx.db, actor.userId, { limit: req.query.limit, offset: req.query.offset, unreadOnly: req.query.unread === 'true' });
    return { items: page.rows.map((r) => present(r, req.locale)), total: page.total, unread: page.unread };
  });

  api.post('/notifications/read-all', {
    schema: { tags, summary: 'Mark all your notifications read', response: { 200: S.ReadAllResult } },
  }, async (req) => {
    const actor = actorOf(req);
    return { updated: await markAllRead(ctx, actor.userId), unread: 0 };
  });

  api.post('/notifications/:id/read', {
    schema: { tags, summary: 'Mark one of your notifications read', params: S.NotificationIdParam, response: { 200: S.NotificationView } },
  }, async (req) => {
    const actor = actorOf(req);
    const row = await markRead(ctx, actor.userId, req.params.id);
    if (!row) throw notFound();
    return present(row, req.locale);
  });
}
