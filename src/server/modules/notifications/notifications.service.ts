import { sql, type Expression, type RawBuilder } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { prepared, type Executor } from '../../core/db/index.js';
import { isMessageKey, translate, type MessageKey, type Params } from '../../../shared/i18n/index.js';
import { channelsFor, type NotificationChannel, type Recipient } from './notification.channels.js';

export interface NotifyInput {
  /** Who is told: account ids, or a query of them (`user_id`), resolved in the same statement. */
  userIds: Iterable<string> | RecipientQuery;
  /** Not told even when among them (who took the step). */
  exceptUserId?: string | null;
  caseId?: string | null;
  /** What happened, e.g. 'case.dispatched'. */
  kind: string;
  key: MessageKey;
  params?: Params;
}

/** A statement selecting the recipients' account ids as `user_id` (e.g. cases.recipients.ts holdersQuery). */
export type RecipientQuery = Expression<{ user_id: string }>;

/** A notification written and not yet delivered: what `deliver` hands the channels, reader included. */
export interface PendingNotification {
  id: string;
  kind: string;
  case_id: string | null;
  message_key: string;
  params: Record<string, string | number> | null;
  user_id: string;
  username: string;
  locale: string;
}

const isQuery = (x: NotifyInput['userIds']): x is RecipientQuery =>
  typeof (x as { toOperationNode?: unknown }).toOperationNode === 'function';

/**
 * A notification's recipients and its insert as common table expressions `r${tag}` and `ins${tag}`
 * of a larger statement, and the select of what the insert wrote (PendingNotification rows, reader
 * included). `caseId` is an expression: a parameter, or the case the same statement inserts. Null when
 * nobody is to be told.
 */
export function notificationParts(ctx: AppContext, input: NotifyInput, caseId: Expression<unknown>, tag = ''): { ctes: RawBuilder<unknown>; pending: RawBuilder<PendingNotification> } | null {
  let recipients: Expression<unknown>;
  if (isQuery(input.userIds)) recipients = input.userIds;
  else {
    const ids = [...new Set(input.userIds)].filter((u) => u !== input.exceptUserId);
    if (!ids.length) return null;
    recipients = sql`SELECT unnest(${ids}::bigint[]) AS user_id`;
  }
  const [r, ins] = [sql.ref(`r${tag}`), sql.ref(`ins${tag}`)];
  const except = input.exceptUserId ? sql`WHERE ${r}.user_id <> ${input.exceptUserId}::bigint` : sql``;
  return {
    ctes: sql`${r} AS (SELECT DISTINCT user_id FROM (${recipients}) q),
    ${ins} AS (
      INSERT INTO notification (user_id, case_id, kind, message_key, params, created_at)
      SELECT ${r}.user_id, ${caseId}, ${input.kind}, ${input.key}, ${JSON.stringify(input.params ?? {})}::jsonb, ${ctx.clock.now()}::timestamptz
      FROM ${r} ${except} ORDER BY ${r}.user_id
      RETURNING id, user_id, case_id, kind, message_key, params)`,
    pending: sql<PendingNotification>`SELECT ${ins}.id::text AS id, ${ins}.kind, ${ins}.case_id::text AS case_id, ${ins}.message_key, ${ins}.params,
      ${ins}.user_id::text AS user_id, a.username, a.locale
    FROM ${ins} JOIN app_user a ON a.id = ${ins}.user_id`,
  };
}

/**
 * Put a notification in the inbox of each recipient (each once), in the caller's transaction so that
 * it exists exactly when the step it tells of does — recipients, rows and readers in one statement.
 * Returns what to hand `deliver` after the transaction has committed — never inside it.
 */
export async function notify(trx: Executor, ctx: AppContext, input: NotifyInput): Promise<PendingNotification[]> {
  const parts = notificationParts(ctx, input, sql`${input.caseId ?? null}::bigint`);
  if (!parts) return [];
  const { rows } = await sql<PendingNotification>`${prepared} WITH ${parts.ctes} SELECT * FROM (${parts.pending}) p ORDER BY p.id::bigint`.execute(trx);
  return rows;
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
export async function deliver(ctx: AppContext, pending: readonly PendingNotification[], db: Executor = ctx.db): Promise<void> {
  const channels = channelsOf(ctx);
  if (!pending.length || !channels.length) return;
  const records: { notification_id: string; channel: string; status: 'logged' | 'delivered' | 'failed'; attempted_at: Date; error: string | null }[] = [];
  for (const r of pending) {
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
  if (records.length) await db.insertInto('notification_delivery').values(records).modifyEnd(prepared).execute();
}

/**
 * Deliver what a stopped server committed but never handed to the channels: notifications of the
 * last day older than a minute with no delivery row. Rows are taken FOR NO KEY UPDATE SKIP LOCKED,
 * so two server processes never deliver one twice. Run by the overdue watch on each pass.
 */
export async function deliverLeftOver(ctx: AppContext, now: Date): Promise<number> {
  if (!channelsOf(ctx).length) return 0;
  return ctx.db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('notification').innerJoin('app_user', 'app_user.id', 'notification.user_id')
      .select(['notification.id', 'notification.kind', 'notification.case_id', 'notification.message_key', 'notification.params',
        'app_user.id as user_id', 'app_user.username', 'app_user.locale'])
      .where('notification.created_at', '<', new Date(now.getTime() - 60_000))
      .where('notification.created_at', '>', new Date(now.getTime() - 86_400_000))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('notification_delivery as d').select('d.id').whereRef('d.notification_id', '=', 'notification.id'))))
      .orderBy('notification.id').limit(500).forNoKeyUpdate('notification').skipLocked().execute();
    await deliver(ctx, rows, trx);
    return rows.length;
  });
}

/** Deliver after the fact, logging (not throwing) a failure of the recording itself. */
export async function deliverQuietly(ctx: AppContext, pending: readonly PendingNotification[]): Promise<void> {
  try {
    await deliver(ctx, pending);
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
