/**
 * The case closed loop (GB/T 30428 style) as a pure state machine: which action may be taken in
 * which state by whom, and where it leads. No I/O: the service resolves who the caller is for a
 * case (their capacities) and the facts the guards need, asks `decide`, then records the step.
 *
 *   reported ─accept→ accepted ─dispatch/whistle→ dispatched ─claim→ in_progress ─feed_back→ handled
 *      │ reject → rejected          ▲   ▲ escalate (one level up)      │ return (退单) → accepted
 *      │ merge → merged             │   └──────── verify_fail ─────────┤
 *   handled ─verify_pass→ verified ─close→ closed ─rate(不满意)→ dispatched (二次办理)
 */

export const CASE_STATES = ['reported', 'accepted', 'dispatched', 'in_progress', 'handled', 'verified', 'closed', 'rejected', 'merged'] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const OPEN_STATES: readonly CaseState[] = ['reported', 'accepted', 'dispatched', 'in_progress', 'handled', 'verified'];

export const CASE_ACTIONS = [
  'accept', 'reject', 'merge', 'dispatch', 'whistle', 'claim', 'return', 'escalate', 'auto_escalate',
  'feed_back', 'verify_pass', 'verify_fail', 'close', 'rate', 'follow_up', 'supervise',
  'request_extension', 'decide_extension',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

/**
 * What the caller is to this case:
 * dispatcher — staff of the unit the case is handled at (受理、派遣、结案);
 * handler — the assignee of its open work order (接单、办理、退单、反馈);
 * verifier — the grid worker of the case's grid (现场核查);
 * reporter — who reported it (评价);
 * supervisor — staff of a unit above the handling unit (督办、审批延期);
 * system — the overdue watch.
 */
export const CAPACITIES = ['dispatcher', 'handler', 'verifier', 'reporter', 'supervisor', 'system'] as const;
export type Capacity = (typeof CAPACITIES)[number];

export type Rating = 'satisfied' | 'basic' | 'dissatisfied';
export type Level = 'grid' | 'community' | 'street' | 'district';

/** Facts about the case the guards need. */
export interface CaseFacts {
  /** The level of the unit the case is handled at. */
  level: Level;
  /** Work orders of a whistle (吹哨) other than the lead's that have not reported back yet. */
  openCoOrders: number;
  rated: boolean;
  reopenCount: number;
  extensionPending: boolean;
  rating?: Rating;
}

export const MAX_REOPEN = 2;

type Refusal = 'wrong_state' | 'not_allowed' | 'top_level' | 'whistle_level' | 'co_orders_open' | 'already_rated'
  | 'extension_pending' | 'no_extension_pending' | 'rating_required';

export type Decision = { ok: true; to: CaseState } | { ok: false; reason: Refusal };

interface Rule {
  from: readonly CaseState[];
  by: readonly Capacity[];
  to: CaseState | ((from: CaseState, f: CaseFacts) => CaseState);
  guard?: (f: CaseFacts, from: CaseState, by: Capacity) => Refusal | null;
}

const LEVELS: Level[] = ['grid', 'community', 'street', 'district'];
const notTop = (f: CaseFacts): Refusal | null => (f.level === 'district' ? 'top_level' : null);

/** The rule book. Each action has one rule; `escalate` differs by who escalates. */
export const RULES: Record<CaseAction, Rule | Rule[]> = {
  accept: { from: ['reported'], by: ['dispatcher'], to: 'accepted' },
  reject: { from: ['reported'], by: ['dispatcher'], to: 'rejected' },
  merge: { from: ['reported', 'accepted'], by: ['dispatcher'], to: 'merged' },
  dispatch: { from: ['accepted'], by: ['dispatcher'], to: 'dispatched' },
  // 街道吹哨、部门报到: the street (or district) calls in several departments at once.
  whistle: {
    from: ['accepted'], by: ['dispatcher'], to: 'dispatched',
    guard: (f) => (f.level === 'street' || f.level === 'district' ? null : 'whistle_level'),
  },
  claim: { from: ['dispatched'], by: ['handler'], to: 'in_progress' },
  return: { from: ['dispatched', 'in_progress'], by: ['handler'], to: 'accepted' },
  // 小事不出网格、大事不出社区: a level up, by the dispatcher before dispatch or the handler after.
  escalate: [
    { from: ['accepted'], by: ['dispatcher'], to: 'accepted', guard: notTop },
    { from: ['dispatched', 'in_progress'], by: ['handler'], to: 'accepted', guard: notTop },
  ],
  auto_escalate: {
    from: ['reported', 'accepted', 'dispatched', 'in_progress'], by: ['system'],
    to: (from) => (from === 'reported' ? 'reported' : 'accepted'), guard: notTop,
  },
  feed_back: { from: ['in_progress'], by: ['handler'], to: 'handled', guard: (f) => (f.openCoOrders > 0 ? 'co_orders_open' : null) },
  verify_pass: { from: ['handled'], by: ['verifier'], to: 'verified' },
  verify_fail: { from: ['handled'], by: ['verifier'], to: 'in_progress' },
  close: { from: ['verified'], by: ['dispatcher'], to: 'closed' },
  // 不满意 → 二次办理, at most MAX_REOPEN times; after that the rating stands and the case stays closed.
  rate: {
    from: ['closed'], by: ['reporter'],
    to: (_from, f) => (f.rating === 'dissatisfied' && f.reopenCount < MAX_REOPEN ? 'dispatched' : 'closed'),
    guard: (f) => (f.rated ? 'already_rated' : f.rating ? null : 'rating_required'),
  },
  follow_up: { from: ['closed'], by: ['dispatcher', 'supervisor'], to: 'closed' },
  supervise: { from: OPEN_STATES, by: ['supervisor'], to: (from) => from },
  request_extension: {
    from: ['dispatched', 'in_progress'], by: ['handler'], to: (from) => from,
    guard: (f) => (f.extensionPending ? 'extension_pending' : null),
  },
  decide_extension: {
    from: ['dispatched', 'in_progress'], by: ['supervisor'], to: (from) => from,
    guard: (f) => (f.extensionPending ? null : 'no_extension_pending'),
  },
};

/**
 * May a caller with these capacities take `action` on a case in `state`, and to which state does
 * it lead? The wrong state is refused before the wrong person, so a caller learns "not now"
 * rather than "not you" only when they could act at another time.
 */
export function decide(state: CaseState, action: CaseAction, capacities: Iterable<Capacity>, facts: CaseFacts): Decision {
  const rules = ([] as Rule[]).concat(RULES[action]);
  const held = new Set(capacities);
  const inState = rules.filter((r) => r.from.includes(state));
  if (inState.length === 0) return { ok: false, reason: 'wrong_state' };
  const mine = inState.filter((r) => r.by.some((c) => held.has(c)));
  if (mine.length === 0) return { ok: false, reason: 'not_allowed' };
  let refusal: Refusal | null = null;
  for (const rule of mine) {
    const by = rule.by.find((c) => held.has(c))!;
    const problem = rule.guard?.(facts, state, by) ?? null;
    if (problem) { refusal ??= problem; continue; }
    return { ok: true, to: typeof rule.to === 'function' ? rule.to(state, facts) : rule.to };
  }
  return { ok: false, reason: refusal ?? 'not_allowed' };
}

/** The actions this caller could take now: what the case page shows as buttons. */
export function availableActions(state: CaseState, capacities: Iterable<Capacity>, facts: CaseFacts): CaseAction[] {
  const held = [...capacities];
  return CASE_ACTIONS.filter((a) => a !== 'auto_escalate' && a !== 'rate' && decide(state, a, held, facts).ok)
    .concat(state === 'closed' && held.includes('reporter') && !facts.rated ? ['rate'] : []);
}

/** The level above, for an escalation. */
export function levelAbove(level: Level): Level | null {
  return LEVELS[LEVELS.indexOf(level) + 1] ?? null;
}
