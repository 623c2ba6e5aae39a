import { describe, expect, it } from 'vitest';
import { CASE_ACTIONS, CASE_STATES, type CaseFacts } from './case.machine.js';
import { actionsFor, decideFor, inClockHours, limitFor, stageClock, stageOf, warnAt, type CategoryLimits } from './cases.rules.js';
import { CASE_ACTION_NAMES, CASE_STATE_NAMES, ACTION_BODIES } from '../../../shared/cases.schemas.js';
import { numberPrefix, requestHash } from './cases.service.js';
import { grants, P } from './cases.policy.js';

const facts = (f: Partial<CaseFacts> = {}): CaseFacts => ({ level: 'street', openCoOrders: 0, rated: false, reopenCount: 0, extensionPending: false, ...f });
const bj = (s: string) => new Date(`${s}+08:00`);
const garbage: CategoryLimits = {
  accept_limit: { unit: 'working_hours', amount: 2 },
  handle_limit: { unit: 'working_days', amount: 1 },
  verify_limit: { unit: 'working_days', amount: 1 },
  urgent_handle_limit: { unit: 'clock_hours', amount: 4 },
};

describe('shared names', () => {
  it('match the state machine', () => {
    expect([...CASE_STATE_NAMES]).toEqual([...CASE_STATES]);
    expect([...CASE_ACTION_NAMES]).toEqual([...CASE_ACTIONS]);
    // Every action but the overdue watch's has a body and a route.
    expect(Object.keys(ACTION_BODIES).sort()).toEqual(CASE_ACTIONS.filter((a) => a !== 'auto_escalate').sort());
  });
});

describe('stages and their limits', () => {
  it('maps states to stages', () => {
    expect(CASE_STATES.map((s) => stageOf(s, true))).toEqual(['accept', 'accept', 'handle', 'handle', 'verify', 'verify', 'rate', null, null]);
    expect(stageOf('closed', false)).toBeNull();
  });
  it('counts urgent cases in clock hours', () => {
    expect(limitFor(garbage, 'normal', 'handle')).toEqual({ unit: 'working_days', amount: 1 });
    expect(limitFor(garbage, 'urgent', 'handle')).toEqual({ unit: 'clock_hours', amount: 4 });
    expect(limitFor(garbage, 'critical', 'accept')).toEqual({ unit: 'clock_hours', amount: 2 });
    expect(limitFor(garbage, 'urgent', 'verify')).toEqual({ unit: 'clock_hours', amount: 24 });
    expect(limitFor(garbage, 'normal', 'rate')).toBeNull();
    expect(inClockHours({ unit: 'clock_hours', amount: 3 })).toEqual({ unit: 'clock_hours', amount: 3 });
  });
  it('starts a stage clock with the calendar: a Friday-evening report is due on Monday', () => {
    expect(stageClock(garbage, 'normal', 'accept', bj('2026-11-20T17:00'))).toEqual({
      stage: 'accept', stage_started_at: bj('2026-11-20T17:00'), stage_deadline: bj('2026-11-23T10:30'), stage_limit_unit: 'working_hours',
      // 80 % of the 2 working hours: half an hour on Friday, 66 minutes on Monday.
      stage_warn_at: bj('2026-11-23T10:06'),
    });
    expect(stageClock(garbage, 'urgent', 'handle', bj('2026-11-21T23:00')).stage_deadline).toEqual(bj('2026-11-22T03:00'));
    expect(stageClock(garbage, 'normal', 'rate', bj('2026-11-20T17:00'))).toMatchObject({ stage: 'rate', stage_deadline: null, stage_limit_unit: null });
    expect(stageClock(garbage, 'normal', null, bj('2026-11-20T17:00'))).toEqual({ stage: null, stage_started_at: null, stage_deadline: null, stage_limit_unit: null, stage_warn_at: null });
  });
  it('puts the 80 % point in working time for working limits and in clock time for urgent ones', () => {
    // 1 working day from Friday 16:00: due Monday 17:30, 8.5 working hours; 80 % = 6.8 h → Monday 15:48.
    expect(warnAt(bj('2026-11-20T16:00'), bj('2026-11-23T17:30'), 'working_days')).toEqual(bj('2026-11-23T15:48'));
    expect(warnAt(bj('2026-11-21T23:00'), bj('2026-11-22T03:00'), 'clock_hours')).toEqual(bj('2026-11-22T02:12'));
  });
});

describe('steps on work orders (吹哨、部门报到)', () => {
  const lead = { lead: true, state: 'dispatched' as const };
  const co = { lead: false, state: 'dispatched' as const };

  it('a co-department claims, returns and reports back on its own order without moving the case further', () => {
    expect(decideFor('dispatched', 'claim', ['handler'], co, facts({ openCoOrders: 1 }))).toEqual({ ok: true, to: 'in_progress', onOrder: true });
    expect(decideFor('in_progress', 'claim', ['handler'], co, facts())).toEqual({ ok: true, to: 'in_progress', onOrder: true });
    const claimed = { lead: false, state: 'claimed' as const };
    expect(decideFor('in_progress', 'feed_back', ['handler'], claimed, facts({ openCoOrders: 1 }))).toEqual({ ok: true, to: 'in_progress', onOrder: true });
    expect(decideFor('in_progress', 'return', ['handler'], claimed, facts())).toEqual({ ok: true, to: 'in_progress', onOrder: true });
    expect(decideFor('in_progress', 'escalate', ['handler'], claimed, facts())).toEqual({ ok: false, reason: 'not_allowed' });
    expect(decideFor('in_progress', 'request_extension', ['handler'], claimed, facts())).toEqual({ ok: false, reason: 'not_allowed' });
    expect(decideFor('in_progress', 'feed_back', ['handler'], co, facts())).toEqual({ ok: false, reason: 'wrong_state' });
  });

  it('the lead claims after a co-department started, and feeds back only when every other reported back', () => {
    expect(decideFor('in_progress', 'claim', ['handler'], lead, facts({ openCoOrders: 1 }))).toEqual({ ok: true, to: 'in_progress', onOrder: true });
    const claimed = { lead: true, state: 'claimed' as const };
    expect(decideFor('in_progress', 'feed_back', ['handler'], claimed, facts({ openCoOrders: 1 }))).toEqual({ ok: false, reason: 'co_orders_open' });
    expect(decideFor('in_progress', 'feed_back', ['handler'], claimed, facts())).toEqual({ ok: true, to: 'handled', onOrder: true });
    // Asking for more time on an unclaimed lead order leaves the case where it is.
    expect(decideFor('in_progress', 'request_extension', ['handler'], lead, facts())).toEqual({ ok: true, to: 'in_progress', onOrder: true });
    expect(decideFor('in_progress', 'escalate', ['handler'], claimed, facts({ level: 'district' }))).toEqual({ ok: false, reason: 'top_level' });
  });

  it('without a work order it is the state machine itself', () => {
    for (const s of CASE_STATES) for (const a of CASE_ACTIONS) {
      const d = decideFor(s, a, ['dispatcher', 'supervisor'], null, facts({ rating: 'basic' }));
      expect(d.ok).toBe(actionsFor(s, ['dispatcher', 'supervisor'], null, facts()).includes(a));
    }
  });

  it('lists the actions of the page', () => {
    expect(actionsFor('dispatched', ['handler'], co, facts())).toEqual(['claim', 'return']);
    expect(actionsFor('in_progress', ['handler', 'supervisor'], { lead: true, state: 'claimed' }, facts({ openCoOrders: 1 })))
      .toEqual(['return', 'escalate', 'supervise', 'request_extension']);
    expect(actionsFor('closed', ['reporter'], null, facts())).toEqual(['rate']);
  });
});

describe('reporting helpers', () => {
  it('numbers cases by the initials of the district', () => {
    expect(numberPrefix('汉阳区')).toBe('HY');
    expect(numberPrefix('江岸区')).toBe('JA');
    expect(numberPrefix(null)).toBe('LL');
  });
  it('hashes a body independent of key order', () => {
    expect(requestHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(requestHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });
});

describe('grants', () => {
  it('lets residents report and rate but not read others’ cases; departments only handle their own orders', () => {
    expect(grants.resident).toEqual([P.report, P.rate]);
    expect(grants.department_handler).toEqual([P.departmentHandle]);
    expect(grants.grid_worker).toContain(P.verify);
    expect(grants.community_staff).not.toContain(P.supervise);
    expect(grants.street_staff).toContain(P.supervise);
    expect(grants.auditor).toBeUndefined();
  });
});
