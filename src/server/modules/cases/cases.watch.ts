/**
 * The overdue watch: a loop inside the server (no cron to set up) that every minute recolours the
 * open cases whose stage colour has changed — yellow at 80 % of the stage's time, red past its
 * deadline — records the change on the timeline and tells the handlers and their supervisors; and
 * escalates a red case one level up by itself once it has stayed red past the grace
 * (LINLI_OVERDUE_GRACE_HOURS working hours; clock hours for an urgent case's clock-hour stage).
 *
 * Everything it knows is in the database, so it picks up where it left off after a restart; rows
 * are taken FOR UPDATE SKIP LOCKED, so two server processes share the work instead of doubling it;
 * and a tick changes only what differs from what it would write, so a second tick is a no-op. Each
 * pass also delivers the notifications a stopped server committed but never handed to the channels.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { deliverLeftOver, deliverQuietly, notify, type PendingNotification } from '../notifications/notifications.service.js';
import { decide, levelAbove, OPEN_STATES, RULES, type CaseState, type Level } from './case.machine.js';
import { calendar, stageClock, stageOf, warnAt } from './cases.rules.js';
import { notifyStep } from './cases.notify.js';
import * as R from './cases.recipients.js';
import * as Q from './cases.queries.js';

const OPEN = [...OPEN_STATES];
/** The states the machine lets the system escalate from. */
const ESCALABLE = [...(RULES.auto_escalate as { from: readonly CaseState[] }).from];
const BATCH = 500;
const SYSTEM: AuditContext = { actorId: null, actorUsername: 'system', ip: null };
const RANK = { green: 0, yellow: 1, red: 2 } as const;

export interface TickResult { backfilled: number; recoloured: number; escalated: number; delivered: number; folded: number }

/** "YYYY-MM-DD HH:mm" in Beijing time, for a message. */
function beijingMinute(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** When a red case escalates by itself: the grace after its deadline. */
export function escalationDue(deadline: Date, unit: string | null, graceHours: number): Date {
  return unit === 'clock_hours' ? new Date(deadline.getTime() + graceHours * 3600_000) : calendar.addWorkingHours(deadline, graceHours);
}

/** One pass of the watch at `now`. */
export async function tick(ctx: AppContext, now: Date = ctx.clock.now()): Promise<TickResult> {
  const backfilled = await backfillWarnAt(ctx);
  const recoloured = await recolour(ctx, now);
  const escalated = await escalateOverdue(ctx, now);
  // Notifications a stopped server committed but never delivered.
  const delivered = await deliverLeftOver(ctx, now);
  const folded = await foldTally(ctx);
  return { backfilled, recoloured, escalated, delivered, folded };
}

/**
 * The cockpit's tally (migrations/0023): the case changes its trigger appended since the last pass,
 * folded into its rows (readers add both, so this keeps the changes few, not the figures right).
 */
async function foldTally(ctx: AppContext): Promise<number> {
  const { rows } = await sql<{ folded: number }>`SELECT case_tally_fold() AS folded`.execute(ctx.db);
  return rows[0]!.folded;
}

/** Open stages from before stage_warn_at existed get their 80 % point (needs the calendar, so here). */
async function backfillWarnAt(ctx: AppContext): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('cases').select(['id', 'stage_started_at', 'stage_deadline', 'stage_limit_unit'])
      .where('state', 'in', OPEN).where('stage_warn_at', 'is', null)
      .where('stage_deadline', 'is not', null).where('stage_started_at', 'is not', null).where('stage_limit_unit', 'is not', null)
      .limit(BATCH).forUpdate().skipLocked().execute();
    for (const r of rows) {
      await trx.updateTable('cases').set({ stage_warn_at: warnAt(r.stage_started_at!, r.stage_deadline!, r.stage_limit_unit!) }).where('id', '=', r.id).execute();
    }
    return rows.length;
  });
}

interface Recoloured {
  id: string; number: string; state: CaseState; handling_path: string; handling_level: Level; unit_path: string;
  stage_deadline: Date; old: 'green' | 'yellow' | 'red'; level: 'green' | 'yellow' | 'red';
}

/** Recolour, in one statement, the open cases whose colour differs from what the clock says now. */
async function recolour(ctx: AppContext, now: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const { count, ids } = await ctx.db.transaction().execute(async (trx) => {
      const level = sql`case when cases.stage_deadline < ${now} then 'red' when cases.stage_warn_at <= ${now} then 'yellow' else 'green' end`;
      const { rows } = await sql<Recoloured>`
        update cases c set overdue_level = n.level, was_overdue = c.was_overdue OR n.level = 'red', updated_at = ${now}
        from (
          select cases.id, cases.overdue_level as old, ${level} as level from cases
          where cases.state in (${sql.join(OPEN)}) and cases.stage_deadline is not null and cases.stage_warn_at is not null
            and cases.overdue_level <> ${level}
          order by cases.stage_deadline, cases.id
          limit ${BATCH}
          for update skip locked
        ) n
        where c.id = n.id
        returning c.id, c.number, c.state, c.handling_path, c.handling_level, c.unit_path, c.stage_deadline, n.old, n.level`.execute(trx);
      const ids: PendingNotification[] = [];
      for (const r of rows) {
        if (RANK[r.level] <= RANK[r.old]) continue; // back to green/yellow after an extension: nothing to tell
        await trx.insertInto('case_event').values({
          case_id: r.id, occurred_at: now, actor_id: null, actor_name: null, action: `overdue_${r.level}`,
          from_state: r.state, to_state: r.state, note: null,
          detail: JSON.stringify({ level: r.level, deadline: r.stage_deadline.toISOString() }),
        }).execute();
        const users = [...await R.currentHandlers(trx, ctx, r.id, r.handling_path), ...await R.supervisors(trx, ctx, r.handling_path)];
        ids.push(...await notify(trx, ctx, {
          userIds: users, caseId: r.id, kind: `case.overdue_${r.level}`,
          key: r.level === 'red' ? 'notification.case.overdue_red' : 'notification.case.overdue_yellow',
          params: { number: r.number, deadline: beijingMinute(r.stage_deadline) },
        }));
      }
      return { count: rows.length, ids };
    });
    await deliverQuietly(ctx, ids);
    total += count;
    if (count < BATCH) return total;
  }
}

/** Escalate, each in its own transaction, the red cases past their grace (never above the district). */
async function escalateOverdue(ctx: AppContext, now: Date): Promise<number> {
  const grace = ctx.config.overdueGraceHours;
  const candidates = await ctx.db.selectFrom('cases').select(['id', 'stage_deadline', 'stage_limit_unit'])
    .where('state', 'in', ESCALABLE).where('overdue_level', '=', 'red').where('handling_level', '<>', 'district')
    .where('stage_deadline', '<', now).orderBy('stage_deadline').orderBy('id').limit(BATCH).execute();
  let done = 0;
  for (const c of candidates) {
    if (escalationDue(c.stage_deadline!, c.stage_limit_unit, grace).getTime() > now.getTime()) continue;
    if (await escalateOne(ctx, c.id, now, grace)) done++;
  }
  return done;
}

async function escalateOne(ctx: AppContext, id: string, now: Date, grace: number): Promise<boolean> {
  const ids = await ctx.db.transaction().execute(async (trx) => {
    const c = await trx.selectFrom('cases').selectAll().where('id', '=', id).forUpdate().skipLocked().executeTakeFirst();
    // Taken by another process, or changed since it was listed: look again next tick.
    if (!c || c.overdue_level !== 'red' || !c.stage_deadline || escalationDue(c.stage_deadline, c.stage_limit_unit, grace).getTime() > now.getTime()) return null;
    const decision = decide(c.state, 'auto_escalate', ['system'], {
      level: c.handling_level, openCoOrders: 0, rated: c.rating !== null, reopenCount: c.reopen_count, extensionPending: false,
    });
    if (!decision.ok) return null;
    const above = levelAbove(c.handling_level)!;
    const unit = await Q.ancestorAt(trx, c.handling_path, above);
    if (!unit) return null;
    const to = decision.to;
    const category = await Q.categoryById(trx, c.category_id);
    const clock = stageClock(category, c.urgency, stageOf(to, false), now);
    const cancelled = await trx.updateTable('work_order').set({ state: 'cancelled', finished_at: now })
      .where('case_id', '=', c.id).where('state', 'in', ['dispatched', 'claimed']).returning('id').execute();
    await trx.updateTable('cases').set({
      handling_unit_id: unit.id, handling_path: unit.path, handling_level: above,
      state: to, ...clock, overdue_level: 'green', was_overdue: true, version: c.version + 1, updated_at: now,
    }).where('id', '=', c.id).execute();
    const detail = {
      fromLevel: c.handling_level, toLevel: above, unit: { id: unit.id, name: unit.name },
      overdueSince: c.stage_deadline.toISOString(), graceHours: grace,
      ...(cancelled.length ? { cancelledWorkOrders: cancelled.map((o) => o.id) } : {}),
    };
    await trx.insertInto('case_event').values({
      case_id: c.id, occurred_at: now, actor_id: null, actor_name: null, action: 'auto_escalate',
      from_state: c.state, to_state: to, note: null, detail: JSON.stringify(detail),
    }).execute();
    await writeAudit(trx, SYSTEM, {
      action: 'case.auto_escalate', resourceType: 'case', resourceId: c.id, unitPath: c.unit_path,
      detail: { number: c.number, from: c.state, to, ...detail },
    });
    return notifyStep(trx, ctx, {
      caseId: c.id, number: c.number, actorId: null, action: 'auto_escalate', eventAction: 'auto_escalate', to,
      handlingPath: unit.path, handlingLevel: above, gridPath: c.unit_path, reporterId: c.reporter_user_id,
      stage: clock.stage, reopenCount: c.reopen_count, detail,
    });
  });
  if (!ids) return false;
  await deliverQuietly(ctx, ids);
  return true;
}

/**
 * Run the watch every LINLI_OVERDUE_WATCH_SECONDS (and once at start) until stopped; one pass at a
 * time; a failed pass is logged and the next one tries again. Started by `linli serve`.
 */
export function startWatch(ctx: AppContext): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = tick(ctx)
      .then((r) => {
        if (r.recoloured || r.escalated || r.backfilled || r.delivered) {
          console.log(JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: 'overdue watch', ...r }));
        }
      })
      .catch((e: unknown) => console.error('overdue watch failed', e))
      .finally(() => { running = null; });
  };
  const timer = setInterval(run, ctx.config.overdueWatchSeconds * 1000);
  timer.unref();
  run();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
