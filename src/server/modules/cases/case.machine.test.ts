import { describe, expect, it } from 'vitest';
import { availableActions, CAPACITIES, CASE_ACTIONS, CASE_STATES, decide, MAX_REOPEN, type CaseAction, type CaseFacts, type CaseState, type Capacity } from './case.machine.js';

const facts = (f: Partial<CaseFacts> = {}): CaseFacts => ({
  level: 'community', openCoOrders: 0, rated: false, reopenCount: 0, extensionPending: false, rating: 'satisfied', ...f,
});
const OPEN: CaseState[] = ['reported', 'accepted', 'dispatched', 'in_progress', 'handled', 'verified'];

/**
 * The specification, written out by hand: at a community, with nothing pending, who may do what in
 * which state, and where it leads. Everything not listed is refused.
 */
const SPEC: [CaseState, CaseAction, Capacity, CaseState][] = [
  ['reported', 'accept', 'dispatcher', 'accepted'],
  ['reported', 'reject', 'dispatcher', 'rejected'],
  ['reported', 'merge', 'dispatcher', 'merged'],
  ['accepted', 'merge', 'dispatcher', 'merged'],
  ['accepted', 'dispatch', 'dispatcher', 'dispatched'],
  ['dispatched', 'claim', 'handler', 'in_progress'],
  ['dispatched', 'return', 'handler', 'accepted'],
  ['in_progress', 'return', 'handler', 'accepted'],
  ['accepted', 'escalate', 'dispatcher', 'accepted'],
  ['dispatched', 'escalate', 'handler', 'accepted'],
  ['in_progress', 'escalate', 'handler', 'accepted'],
  ['reported', 'auto_escalate', 'system', 'reported'],
  ['accepted', 'auto_escalate', 'system', 'accepted'],
  ['dispatched', 'auto_escalate', 'system', 'accepted'],
  ['in_progress', 'auto_escalate', 'system', 'accepted'],
  ['in_progress', 'feed_back', 'handler', 'handled'],
  ['handled', 'verify_pass', 'verifier', 'verified'],
  ['handled', 'verify_fail', 'verifier', 'in_progress'],
  ['verified', 'close', 'dispatcher', 'closed'],
  ['closed', 'rate', 'reporter', 'closed'],
  ['closed', 'follow_up', 'dispatcher', 'closed'],
  ['closed', 'follow_up', 'supervisor', 'closed'],
  ...OPEN.map((s) => [s, 'supervise', 'supervisor', s] as [CaseState, CaseAction, Capacity, CaseState]),
  ['dispatched', 'request_extension', 'handler', 'dispatched'],
  ['in_progress', 'request_extension', 'handler', 'in_progress'],
];

describe('the case state machine', () => {
  it('allows exactly what the specification lists, for every state × action × capacity', () => {
    const allowed = new Map(SPEC.map(([s, a, c, to]) => [`${s}|${a}|${c}`, to]));
    let checked = 0;
    for (const state of CASE_STATES) {
      for (const action of CASE_ACTIONS) {
        for (const cap of CAPACITIES) {
          const d = decide(state, action, [cap], facts());
          const want = allowed.get(`${state}|${action}|${cap}`);
          expect({ state, action, cap, ok: d.ok, to: d.ok ? d.to : undefined }).toEqual({ state, action, cap, ok: want !== undefined, to: want });
          checked++;
        }
      }
    }
    expect(checked).toBe(CASE_STATES.length * CASE_ACTIONS.length * CAPACITIES.length);
  });

  it('says "wrong state" before "not you"', () => {
    expect(decide('closed', 'claim', ['handler'], facts())).toEqual({ ok: false, reason: 'wrong_state' });
    expect(decide('dispatched', 'claim', ['reporter'], facts())).toEqual({ ok: false, reason: 'not_allowed' });
    expect(decide('rejected', 'supervise', ['supervisor'], facts())).toEqual({ ok: false, reason: 'wrong_state' });
  });

  it('lets only a street or district whistle', () => {
    expect(decide('accepted', 'whistle', ['dispatcher'], facts({ level: 'community' }))).toEqual({ ok: false, reason: 'whistle_level' });
    expect(decide('accepted', 'whistle', ['dispatcher'], facts({ level: 'street' }))).toEqual({ ok: true, to: 'dispatched' });
    expect(decide('accepted', 'whistle', ['dispatcher'], facts({ level: 'district' }))).toEqual({ ok: true, to: 'dispatched' });
  });

  it('does not escalate above the district', () => {
    expect(decide('accepted', 'escalate', ['dispatcher'], facts({ level: 'district' }))).toEqual({ ok: false, reason: 'top_level' });
    expect(decide('in_progress', 'auto_escalate', ['system'], facts({ level: 'district' }))).toEqual({ ok: false, reason: 'top_level' });
    expect(decide('in_progress', 'escalate', ['handler'], facts({ level: 'street' }))).toEqual({ ok: true, to: 'accepted' });
  });

  it('waits for every called-in department before the lead feeds back', () => {
    expect(decide('in_progress', 'feed_back', ['handler'], facts({ openCoOrders: 2 }))).toEqual({ ok: false, reason: 'co_orders_open' });
    expect(decide('in_progress', 'feed_back', ['handler'], facts({ openCoOrders: 0 }))).toEqual({ ok: true, to: 'handled' });
  });

  it('reopens on dissatisfaction, at most MAX_REOPEN times, and takes one rating', () => {
    expect(decide('closed', 'rate', ['reporter'], facts({ rating: 'dissatisfied' }))).toEqual({ ok: true, to: 'dispatched' });
    expect(decide('closed', 'rate', ['reporter'], facts({ rating: 'dissatisfied', reopenCount: MAX_REOPEN }))).toEqual({ ok: true, to: 'closed' });
    expect(decide('closed', 'rate', ['reporter'], facts({ rating: 'basic' }))).toEqual({ ok: true, to: 'closed' });
    expect(decide('closed', 'rate', ['reporter'], facts({ rated: true }))).toEqual({ ok: false, reason: 'already_rated' });
    expect(decide('closed', 'rate', ['reporter'], facts({ rating: undefined }))).toEqual({ ok: false, reason: 'rating_required' });
  });

  it('takes one extension request at a time, decided one level up', () => {
    expect(decide('in_progress', 'request_extension', ['handler'], facts({ extensionPending: true }))).toEqual({ ok: false, reason: 'extension_pending' });
    expect(decide('in_progress', 'decide_extension', ['supervisor'], facts({ extensionPending: true }))).toEqual({ ok: true, to: 'in_progress' });
    expect(decide('in_progress', 'decide_extension', ['supervisor'], facts())).toEqual({ ok: false, reason: 'no_extension_pending' });
    expect(decide('in_progress', 'decide_extension', ['handler'], facts({ extensionPending: true }))).toEqual({ ok: false, reason: 'not_allowed' });
  });

  it('combines capacities: a community secretary who is also the handler', () => {
    expect(availableActions('in_progress', ['handler', 'dispatcher'], facts())).toEqual(['return', 'escalate', 'feed_back', 'request_extension']);
    expect(availableActions('accepted', ['dispatcher'], facts({ level: 'street' }))).toEqual(['merge', 'dispatch', 'whistle', 'escalate']);
    expect(availableActions('closed', ['reporter'], facts())).toEqual(['rate']);
    expect(availableActions('closed', ['reporter'], facts({ rated: true }))).toEqual([]);
  });
});
