import { sql } from 'kysely';
import type { AppContext } from '../../core/context.js';
import type { Executor } from '../../core/db/index.js';
import { isMessageKey, translate, type MessageKey, type Params } from '../../../shared/i18n/index.js';
import { channelsFor, type NotificationChannel, type Recipient } from './notification.channels.js';

export interface NotifyInput {
  userIds: Iterable<string>;
  caseId?: string | null;
  /** What happened, e.g. 'case.dispatched'. */
  kind: string;
  key: MessageKey;
  params?: Params;
}

/**
 * Put a notification in the inbox of each of `userIds` (each once), in the caller's transaction so
 * that it exists exactly when the step it tells of does. Returns the new ids: hand them to
 * `deliver` after the transaction has committed — never inside it.
 */
export async function notify(trx: Executor, _ctx: AppContext, input: NotifyInput): Promise<string[]> {
  const users = [...new Set(input.userIds)];
  if (!users.length) return [];
  const params = JSON.stringify(input.params ?? {});
  const rows = await trx.insertInto('notification')
    .values(users.map((user_id) => ({
      user_id, case_id: input.caseId ?? null, kind: input.kind, message_key: input.key, params, created_at: _ctx.clock.now(),
    })))
    .returning('id').execute();
  return rows.map((r) => r.id);
}

const channelOverrides = new WeakMap<AppContext, NotificationChannel[]>();

/** Plug channels in for this context (an SMS or WeChat channel; a test's recording channel). */
export function useChannels(ctx: AppContext, channels: NotificationChannel[]): void {
  channelOverrides.set(ctx, channels);
}

function channelsOf(ctx: AppContext): NotificationChannel[] {
  let list = channelOverrides.get(ctx);
  if (!list) {
    list = channelsFor(ctx.config);
    channelOverrides.set(ctx, list);
  }
  return list;
}

/**
 * Hand committed notifications to every configured channel and record what each channel did — one
 * notification_delivery row per notification and channel. A channel's failure is recorded, never
 * thrown: the step it tells of has happened.
 */
export async function deliver(ctx: AppContext, ids: string[], db: Executor = ctx.db): Promise<void> {
  const channels = channelsOf(ctx);
  if (!ids.length || !channels.length) return;
  const rows = await db.selectFrom('notification').innerJoin('app_user', 'app_user.id', 'notification.user_id')
    .select(['notification.id', 'notification.kind', 'notification.case_id', 'notification.message_key', 'notification.params',
      'app_user.id as user_id', 'app_user.username', 'app_user.locale'])
    .where('notification.id', 'in', ids).orderBy('notification.id').execute();
  const records: { notification_id: string; channel: string; status: 'logged' | 'delivered' | 'failed'; attempted_at: Date; error: string | null }[] = [];
  for (const r of rows) {
    const locale = r.locale === 'en' ? 'en' : 'zh-CN';
    const user: Recipient = { id: r.user_id, username: r.username, locale };
    const n = { id: r.id, kind: r.kind, caseId: r.case_id, messageKey: r.message_key, text: render(locale, r.message_key, r.params) };
    for (const channel of channels) {
      let status: 'logged' | 'delivered' | 'failed';
      let error: string | null = null;
      try {
        status = await channel.deliver(n, user);
      } catch (e) {
        status = 'failed';
        error = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
      }
      records.push({ notification_id: r.id, channel: channel.name, status, attempted_at: ctx.clock.now(), error });
    }
  }
  if (records.length) await db.insertInto('notification_delivery').values(records).execute();
}

/**
 * Deliver what a stopped server committed but never handed to the channels: notifications of the
 * last day older than a minute with no delivery row. Rows are taken FOR NO KEY UPDATE SKIP LOCKED,
 * so two server processes never deliver one twice. Run by the overdue watch on each pass.
 */
export async function deliverLeftOver(ctx: AppContext, now: Date): Promise<number> {
  if (!channelsOf(ctx).length) return 0;
  return ctx.db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('notification').select('id')
      .where('created_at', '<', new Date(now.getTime() - 60_000))
      .where('created_at', '>', new Date(now.getTime() - 86_400_000))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('notification_delivery as d').select('d.id').whereRef('d.notification_id', '=', 'notification.id'))))
      .orderBy('id').limit(500).forNoKeyUpdate().skipLocked().execute();
    await deliver(ctx, rows.map((r) => r.id), trx);
    return rows.length;
  });
}

/** Deliver after the fact, logging (not throwing) a failure of the recording itself. */
export async function deliverQuietly(ctx: AppContext, ids: string[]): Promise<void> {
  try {
    await deliver(ctx, ids);
  } catch (e) {
    console.error('notification delivery failed', e);
  }
}

export function render(locale: 'zh-CN' | 'en', key: string, params: Record<string, string | number> | null): string {
  return isMessageKey(key) ? translate(locale, key, params ?? undefined) : key;
}

// ——— The inbox ———

export interface InboxRow {
  id: string; kind: string; case_id: string | null; case_number: string | null; message_key: string;
  params: Record<string, string | number>; created_at: Date; read_at: Date | null;
}

/** A page of the caller's own inbox, unread first, with its total and the unread count. */
export async function inbox(db: Executor, userId: string, q: { limit: number; offset: number; unreadOnly: boolean }) {
  let base = db.selectFrom('notification').where('notification.user_id', '=', userId);
  if (q.unreadOnly) base = base.where('notification.read_at', 'is', null);
  const [rows, counts] = await Promise.all([
    base.leftJoin('cases', 'cases.id', 'notification.case_id')
      .select(['notification.id', 'notification.kind', 'notification.case_id', 'cases.number as case_number', 'notification.message_key',
        'notification.params', 'notification.created_at', 'notification.read_at'])
      .orderBy(sql`notification.read_at is null`, 'desc').orderBy('notification.created_at', 'desc').orderBy('notification.id', 'desc')
      .limit(q.limit).offset(q.offset).execute(),
    db.selectFrom('notification').where('user_id', '=', userId)
      .select([sql<string>`count(*)`.as('all'), sql<string>`count(*) filter (where read_at is null)`.as('unread')])
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: rows as InboxRow[], total: Number(q.unreadOnly ? counts.unread : counts.all), unread: Number(counts.unread) };
}

/** Mark one of the caller's notifications read; undefined when it is not theirs (or does not exist). */
export async function markRead(ctx: AppContext, userId: string, id: string): Promise<InboxRow | undefined> {
  const now = ctx.clock.now();
  const updated = await ctx.db.updateTable('notification').set({ read_at: sql<Date>`coalesce(read_at, ${now})` })
    .where('id', '=', id).where('user_id', '=', userId).returning('id').executeTakeFirst();
  if (!updated) return undefined;
  return (await ctx.db.selectFrom('notification').leftJoin('cases', 'cases.id', 'notification.case_id')
    .select(['notification.id', 'notification.kind', 'notification.case_id', 'cases.number as case_number', 'notification.message_key',
      'notification.params', 'notification.created_at', 'notification.read_at'])
    .where('notification.id', '=', id).executeTakeFirstOrThrow()) as InboxRow;
}

/** Mark every unread notification of the caller read. */
export async function markAllRead(ctx: AppContext, userId: string): Promise<number> {
  const res = await ctx.db.updateTable('notification').set({ read_at: ctx.clock.now() })
    .where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirst();
  return Number(res.numUpdatedRows);
}
