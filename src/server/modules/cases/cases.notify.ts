/**
 * Who each step of the loop concerns, and what they are told: written to their inboxes in the
 * step's transaction (delivery through the channels follows the commit).
 */
import type { AppContext } from '../../core/context.js';
import type { Executor } from '../../core/db/index.js';
import type { MessageKey, Params } from '../../../shared/i18n/index.js';
import { notify, type NotifyInput, type PendingNotification, type RecipientQuery } from '../notifications/notifications.service.js';
import type { CaseState } from './case.machine.js';
import * as R from './cases.recipients.js';

export interface StepFacts {
  /** Null for the report that creates the case: it is written in the statement that tells of it. */
  caseId: string | null;
  number: string;
  /** Who took the step (not told of their own step); null for the system. */
  actorId: string | null;
  action: string;
  /** The timeline action (report_back for a called-in department's feed_back). */
  eventAction: string;
  to: CaseState;
  /** The case after the step. */
  handlingPath: string;
  handlingLevel: string;
  gridPath: string;
  reporterId: string;
  stage: string | null;
  reopenCount: number;
  detail: Record<string, unknown>;
}

/** Who is told: account ids, or (the dispatchers) a statement notify runs with the insert. */
type Message = { users: string[] | RecipientQuery; kind: string; key: MessageKey; params?: Params };

async function messagesFor(db: Executor, ctx: AppContext, s: StepFacts): Promise<Message[]> {
  const handlers = () => {
    if (!s.caseId) throw new Error(`notify: the step ${s.action} needs its case's id`);
    return R.currentHandlers(db, ctx, s.caseId, s.handlingPath);
  };
  const dispatchers = async (): Promise<string[] | RecipientQuery> => R.dispatchersQuery(db, ctx, s.handlingPath) ?? [];
  const m = (users: string[] | RecipientQuery, kind: string, key: MessageKey, params?: Params): Message => ({ users, kind, key, params });
  switch (s.action) {
    case 'report':
      return [m(await dispatchers(), 'case.reported', 'notification.case.reported')];
    case 'dispatch':
    case 'whistle':
      return [m(await handlers(), 'case.dispatched', 'notification.case.dispatched')];
    case 'claim':
      return [m(await dispatchers(), 'case.claimed', 'notification.case.claimed')];
    case 'feed_back':
      if (s.eventAction === 'report_back') return [m(await dispatchers(), 'case.reported_back', 'notification.case.reported_back')];
      return [
        m(await dispatchers(), 'case.handled', 'notification.case.handled'),
        m(await R.nearestHolders(db, ctx, 'case.verify', s.gridPath), 'case.verify_needed', 'notification.case.verify_needed'),
      ];
    case 'return':
      return [m(await dispatchers(), 'case.returned', 'notification.case.returned')];
    case 'escalate':
      return [m(await dispatchers(), 'case.escalated', 'notification.case.escalated', { level: `level.${s.handlingLevel}` })];
    case 'auto_escalate':
      return [m(await dispatchers(), 'case.auto_escalated', 'notification.case.auto_escalated', { level: `level.${s.handlingLevel}` })];
    case 'verify_pass':
      return [m(await dispatchers(), 'case.verified', 'notification.case.verified')];
    case 'verify_fail':
      return [m(await handlers(), 'case.verify_failed', 'notification.case.verify_failed')];
    case 'reject':
      return [m([s.reporterId], 'case.rejected', 'notification.case.rejected')];
    case 'close':
      return [m([s.reporterId], 'case.closed', s.stage === 'rate' ? 'notification.case.closed' : 'notification.case.closed_unrated')];
    case 'rate':
      if (s.to !== 'dispatched') return [];
      return [m([...await handlers(), ...await R.supervisors(db, ctx, s.handlingPath)], 'case.reopened', 'notification.case.reopened', { count: s.reopenCount })];
    case 'supervise':
      return [m(await handlers(), 'case.supervised', 'notification.case.supervised', { mark: `notification.mark.${String(s.detail.mark)}` })];
    case 'request_extension':
      return [m(await R.supervisors(db, ctx, s.handlingPath), 'case.extension_requested', 'notification.case.extension_requested', {
        amount: Number(s.detail.amount), unit: `notification.unit.${String(s.detail.unit)}`,
      })];
    case 'decide_extension': {
      const ext = await db.selectFrom('extension_request').select('requested_by').where('id', '=', String(s.detail.extension)).executeTakeFirst();
      return ext ? [m([ext.requested_by], s.detail.approved ? 'case.extension_approved' : 'case.extension_refused',
        s.detail.approved ? 'notification.case.extension_approved' : 'notification.case.extension_refused')] : [];
    }
    default:
      return [];
  }
}

/** What a step tells whom (except who took it), as notify's input without the case. */
export async function stepNotifications(db: Executor, ctx: AppContext, s: StepFacts): Promise<Omit<NotifyInput, 'caseId'>[]> {
  return (await messagesFor(db, ctx, s)).map((msg) => ({
    userIds: msg.users, exceptUserId: s.actorId, kind: msg.kind, key: msg.key, params: { number: s.number, ...msg.params },
  }));
}

/** Tell everyone a step concerns (except who took it). Returns the notifications to deliver after commit. */
export async function notifyStep(trx: Executor, ctx: AppContext, s: StepFacts): Promise<PendingNotification[]> {
  const pending: PendingNotification[] = [];
  for (const input of await stepNotifications(trx, ctx, s)) pending.push(...await notify(trx, ctx, { ...input, caseId: s.caseId }));
  return pending;
}
