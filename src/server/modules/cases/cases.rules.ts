/**
 * The rules of the closed loop around the state machine, still pure: which stage a state is in and
 * its time limit, and how a handler's step is decided when a case has several work orders (吹哨:
 * each called-in department claims, returns and reports back on its own work order).
 */
import { availableActions, CASE_ACTIONS, decide, type CaseAction, type CaseFacts, type CaseState, type Capacity, type Decision } from './case.machine.js';
import { WorkCalendar, DEFAULT_CALENDAR, deadlineFor, type TimeLimit } from './calendar.js';

export type Stage = 'accept' | 'handle' | 'verify' | 'rate';
export type Urgency = 'normal' | 'urgent' | 'critical';

/** The calendar every deadline is computed with. */
export const calendar = new WorkCalendar(DEFAULT_CALENDAR);

/**
 * The stage a case in `state` is in: accepting and dispatching (受理派遣) share the accept stage;
 * dispatched and in progress the handle stage; verifying and closing the verify stage; a closed case
 * waits for its rating when its reporter rates in Linli.
 */
export function stageOf(state: CaseState, awaitsRating: boolean): Stage | null {
  switch (state) {
    case 'reported': case 'accepted': return 'accept';
    case 'dispatched': case 'in_progress': return 'handle';
    case 'handled': case 'verified': return 'verify';
    case 'closed': return awaitsRating ? 'rate' : null;
    default: return null;
  }
}

export interface CategoryLimits {
  accept_limit: TimeLimit;
  handle_limit: TimeLimit;
  verify_limit: TimeLimit;
  urgent_handle_limit: TimeLimit;
}

/** A limit counted in clock hours: working hours become as many clock hours, working days 24 h each. */
export function inClockHours(l: TimeLimit): TimeLimit {
  if (l.unit === 'clock_hours') return l;
  return { unit: 'clock_hours', amount: l.unit === 'working_hours' ? l.amount : l.amount * 24 };
}

/**
 * The time limit of a stage for a category. Urgent and critical cases count clock hours, weekends
 * included: their handling has the category's urgent limit, the other stages their limit in clock
 * hours. The rate stage has no limit.
 */
export function limitFor(category: CategoryLimits, urgency: Urgency, stage: Stage): TimeLimit | null {
  const urgent = urgency !== 'normal';
  switch (stage) {
    case 'accept': return urgent ? inClockHours(category.accept_limit) : category.accept_limit;
    case 'handle': return urgent ? category.urgent_handle_limit : category.handle_limit;
    case 'verify': return urgent ? inClockHours(category.verify_limit) : category.verify_limit;
    case 'rate': return null;
  }
}

/**
 * The instant 80 % of a stage's time is used: the stage turns yellow there. Clock-hour limits count
 * clock time; the others working time (the same measure as stageStatus), so a weekend never warns.
 */
export function warnAt(start: Date, deadline: Date, unit: TimeLimit['unit']): Date {
  if (unit === 'clock_hours') return new Date(start.getTime() + Math.round((deadline.getTime() - start.getTime()) * 0.8));
  const span = calendar.workingMsBetween(start, deadline);
  return calendar.addWorkingHours(start, (span * 0.8) / 3600_000);
}

/** The stage clock of a case entering `stage` at `now`. */
export function stageClock(category: CategoryLimits, urgency: Urgency, stage: Stage | null, now: Date) {
  if (!stage) return { stage: null, stage_started_at: null, stage_deadline: null, stage_limit_unit: null, stage_warn_at: null };
  const limit = limitFor(category, urgency, stage);
  const deadline = limit ? deadlineFor(calendar, now, limit) : null;
  return {
    stage,
    stage_started_at: now,
    stage_deadline: deadline,
    stage_limit_unit: limit?.unit ?? null,
    stage_warn_at: deadline && limit ? warnAt(now, deadline, limit.unit) : null,
  };
}

/** The caller's open work order on the case, when they are its assignee. */
export interface OrderOfCaller {
  lead: boolean;
  state: 'dispatched' | 'claimed';
}

/** Actions a handler takes on their own work order. */
export const HANDLER_ACTIONS: ReadonlySet<CaseAction> = new Set(['claim', 'return', 'escalate', 'feed_back', 'request_extension']);
/** What a called-in department that does not lead may do on its own work order (报到 = feed_back). */
export const CO_ORDER_ACTIONS: ReadonlySet<CaseAction> = new Set(['claim', 'return', 'feed_back']);

export type StepDecision = (Decision & { ok: false }) | { ok: true; to: CaseState; onOrder: boolean };

/**
 * Decide a step for a caller who may hold a work order. A handler's action is decided against
 * their work order's own state (dispatched, or claimed = in progress), so that each department of a
 * whistle claims and reports back on its own; the case then moves as its lead order does (the first
 * claim starts the handling). A department that does not lead never moves the case.
 */
export function decideFor(state: CaseState, action: CaseAction, caps: Iterable<Capacity>, order: OrderOfCaller | null, facts: CaseFacts): StepDecision {
  const held = [...caps];
  if (order && HANDLER_ACTIONS.has(action) && (state === 'dispatched' || state === 'in_progress')) {
    const orderState: CaseState = order.state === 'claimed' ? 'in_progress' : 'dispatched';
    if (!order.lead) {
      if (!CO_ORDER_ACTIONS.has(action)) return plain(decide(state, action, held.filter((c) => c !== 'handler'), facts));
      const d = decide(orderState, action, ['handler'], { ...facts, openCoOrders: 0 });
      if (!d.ok) return d;
      return { ok: true, to: action === 'claim' ? 'in_progress' : state, onOrder: true };
    }
    const d = decide(orderState, action, held, facts);
    if (!d.ok) return d;
    return { ok: true, to: action === 'claim' ? 'in_progress' : d.to === orderState ? state : d.to, onOrder: true };
  }
  return plain(decide(state, action, held, facts));
}

function plain(d: Decision): StepDecision {
  return d.ok ? { ok: true, to: d.to, onOrder: false } : d;
}

/** The actions the caller may take now (what the case page shows): availableActions, with work orders. */
export function actionsFor(state: CaseState, caps: Iterable<Capacity>, order: OrderOfCaller | null, facts: CaseFacts): CaseAction[] {
  const held = [...caps];
  if (!order) return availableActions(state, held, facts);
  const probe = { ...facts, rating: facts.rating ?? 'satisfied' } as CaseFacts;
  return CASE_ACTIONS.filter((a) => a !== 'auto_escalate' && decideFor(state, a, held, order, probe).ok);
}
