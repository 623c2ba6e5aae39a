import { beijingDate } from '../../src/shared/dates.js';
import { phoneDigits } from '../../src/shared/registry/organisations.schemas.js';
import { caseText } from '../../src/server/demo/case-texts.js';
import { ASK_WHY_OVERDUE, FEEDBACK } from '../../src/server/demo/cases.js';
import type { Random } from '../../src/server/demo/random.js';
import { OPEN_STATES, type CaseState } from '../../src/server/modules/cases/case.machine.js';
import { stageOf, type Stage, type Urgency } from '../../src/server/modules/cases/cases.rules.js';
import { RATED_SOURCES } from '../../src/server/modules/cases/cases.policy.js';
import type { CategoryRow } from '../../src/server/modules/cases/cases.queries.js';
import type { BulkCipher } from './cipher.js';
import type { CopyTable, CopyValue } from './copy.js';
import type { PlannedUnit } from './district.js';
import type { FastCalendar, StageClock } from './fast-calendar.js';
import type { BuildingPoint } from './registry.js';

/**
 * Years of cases, day by day, each one's life simulated from its report with the real stage limits
 * and working-time calendar and cut at "now" — as the demo's case simulator (src/server/demo/cases.ts)
 * does for half a year, with what a district's years add: rejected and merged reports, failed
 * verifications, second handling after a dissatisfied rating, late stages within the overdue
 * watch's grace (it would have escalated them otherwise), the watch's own overdue_yellow/red steps
 * and the street's 督办 on late cases. Every step is written as the cases service writes it (action,
 * states, actor, note, detail), work orders as it keeps them, and the case row as the service and
 * the watch leave it: stage clock, colour, rating, closing time, version, and the cockpit's facts
 * (responded_at, response_deadline, was_overdue).
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** The overdue watch's default grace (LINLI_OVERDUE_GRACE_HOURS): a red stage escalates by itself after it. */
const GRACE_HOURS = 4;
/** The watch looks every minute: its steps come a little after the instant they mark. */
const TICK_MS = 20_000;

export const CASE_COLUMNS = [
  'id', 'number', 'category_id', 'description', 'source', 'urgency', 'state', 'lng', 'lat', 'address', 'unit_id', 'unit_path', 'region_code',
  'handling_unit_id', 'handling_path', 'handling_level', 'reporter_user_id', 'reporter_name', 'reporter_phone_enc', 'reporter_phone_hash',
  'stage', 'stage_started_at', 'stage_deadline', 'stage_limit_unit', 'stage_warn_at', 'overdue_level', 'supervision', 'reopen_count',
  'rating', 'rating_comment', 'rated_at', 'merged_into', 'hotline_order_no', 'hotline_deadline', 'closed_at', 'version', 'created_at', 'updated_at',
] as const;
/** The cockpit's columns (migrations/0016_case_facts.sql), written when the database has them. */
export const CASE_FACT_COLUMNS = ['responded_at', 'response_deadline', 'was_overdue'] as const;
export const EVENT_COLUMNS = ['id', 'case_id', 'occurred_at', 'actor_id', 'actor_name', 'action', 'from_state', 'to_state', 'note', 'detail'] as const;
export const ORDER_COLUMNS = [
  'id', 'case_id', 'assignee_kind', 'assignee_unit_id', 'assignee_unit_path', 'assignee_department_id', 'lead', 'state',
  'dispatched_by', 'dispatched_at', 'claimed_by', 'claimed_at', 'finished_by', 'finished_at', 'note',
] as const;

export interface Actor { id: string; name: string }

export interface CaseGrid {
  unit: PlannedUnit;
  community: PlannedUnit;
  street: PlannedUnit;
  points: BuildingPoint[];
  worker: Actor;
  residents: number;
}

export interface CaseWorld {
  grids: CaseGrid[];
  communityStaff: Map<string, Actor>;
  streetStaff: Map<string, Actor>;
  districtStaff: Actor;
  /** The inactive account standing in for people without one (residents, callers). */
  history: string;
  departments: Map<string, { id: string; code: string; name: string; handler: Actor }>;
  categories: { row: CategoryRow; weight: number }[];
  numberPrefix: string;
}

export interface CaseTables { cases: CopyTable; case_event: CopyTable; work_order: CopyTable }

const REJECT_REASONS = ['不属于社区网格事项，已告知当事人拨打 12345', '经核实现场无此情况', '属于私人纠纷，已引导当事人协商'];
const MERGE_NOTE = '重复上报，已合并处理';
const VERIFY_FAIL = ['现场核查未整改到位，请继续处理', '问题仍然存在，请重新处置', '整改不彻底，居民仍有意见'];
const SATISFIED = [null, '处理很及时，谢谢网格员', '满意', '速度快', '服务态度好'];
const BASIC = [null, '处理了，但是慢了点', '基本解决了'];

interface Ev { at: number; action: string; from: CaseState | null; to: CaseState; actor: Actor | null; note: string | null; detail: Record<string, unknown> }
interface Order {
  id: string; kind: 'unit' | 'department'; unitId: string | null; unitPath: string | null; departmentId: string | null;
  state: 'dispatched' | 'claimed' | 'done' | 'returned' | 'cancelled';
  dispatchedBy: string; dispatchedAt: number; claimedBy: string | null; claimedAt: number | null; finishedBy: string | null; finishedAt: number | null; note: string | null;
}
interface Recent { id: string; number: string; categoryId: string; created: number; timeline: { at: number; to: CaseState }[] }

const OPEN = new Set<string>(OPEN_STATES);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms));

export class CaseGenerator {
  private caseId = 0;
  private eventId = 0;
  private orderId = 0;
  private hotlineSeq = 0;
  private readonly recent = new Map<number, Recent[]>();
  private readonly gridCum: number[];
  private readonly categoryCum: number[];
  private readonly reporters: { name: string; phone: string; enc: string; hash: string }[] = [];
  readonly perDay = new Map<string, number>();
  readonly counts = { cases: 0, caseEvents: 0, workOrders: 0, open: 0, closed: 0, rejected: 0, merged: 0, overdue: 0 };

  constructor(
    private readonly world: CaseWorld,
    private readonly rnd: Random,
    private readonly cal: FastCalendar,
    private readonly cipher: BulkCipher,
    private readonly out: CaseTables,
    private readonly withFacts: boolean,
    private readonly now: Date,
    reporterPool: number,
    personName: () => string,
  ) {
    let acc = 0;
    this.gridCum = world.grids.map((g) => (acc += Math.max(1, g.residents)));
    acc = 0;
    this.categoryCum = world.categories.map((c) => (acc += c.weight));
    // The people who call and report: a pool, as the same residents report again and again.
    const phones = new Set<string>();
    while (this.reporters.length < reporterPool) {
      const phone = `1${rnd.pick(['3', '5', '8', '9'])}${String(rnd.int(0, 999_999_999)).padStart(9, '0')}`;
      if (phones.has(phone)) continue;
      phones.add(phone);
      this.reporters.push({ name: personName(), phone, enc: cipher.encrypt(phone), hash: cipher.blindIndex(phoneDigits(phone)) });
    }
  }

  /** An index drawn with probability proportional to its weight (cum: the running sums). */
  private pickCum(cum: number[]): number {
    const r = this.rnd.next() * cum[cum.length - 1]!;
    let lo = 0, hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > r) hi = mid; else lo = mid + 1;
    }
    return lo;
  }

  /** How many cases each Beijing day gets: weekdays busier, summer busier, each year ~12 % more. */
  static dayCounts(total: number, from: Date, now: Date): { day: number; count: number }[] {
    const CST = 8 * HOUR;
    const first = Math.floor((from.getTime() + CST) / DAY);
    const last = Math.floor((now.getTime() + CST) / DAY);
    const weights: { day: number; w: number }[] = [];
    for (let d = first; d <= last; d++) {
      const date = new Date(d * DAY);
      const dow = date.getUTCDay();
      const doy = (date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY;
      let w = (dow === 0 || dow === 6 ? 0.65 : 1) * (1 + 0.2 * Math.sin((2 * Math.PI * (doy - 105)) / 365)) * (1 + (0.12 * (d - first)) / 365);
      if (d === last) w *= Math.max(0, (now.getTime() - (d * DAY - CST)) / DAY);
      weights.push({ day: d, w });
    }
    const sum = weights.reduce((s, x) => s + x.w, 0);
    let acc = 0, given = 0;
    return weights.map(({ day, w }) => {
      acc += w;
      const upto = Math.round((total * acc) / sum);
      const count = upto - given;
      given = upto;
      return { day, count };
    });
  }

  /** The cases reported on one Beijing day (index since the epoch), in report order. */
  day(day: number, count: number): void {
    const rnd = this.rnd;
    const start = day * DAY - 8 * HOUR;
    const nowMs = this.now.getTime();
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      let t = start + (rnd.chance(0.85) ? rnd.between(8.5, 18) : rnd.between(18, 21.5)) * HOUR;
      if (t >= nowMs) t = start + rnd.next() * Math.max(1, nowMs - start - 60_000);
      times.push(Math.floor(t / 1000) * 1000);
    }
    times.sort((a, b) => a - b);
    const dayText = beijingDate(new Date(start + 12 * HOUR));
    for (const t of times) {
      const seq = (this.perDay.get(dayText) ?? 0) + 1;
      this.perDay.set(dayText, seq);
      this.simulate(t, dayText.replaceAll('-', ''), `${this.world.numberPrefix}-${dayText.replaceAll('-', '')}-${String(seq).padStart(4, '0')}`);
    }
  }

  private simulate(created: number, day: string, number: string): void {
    const rnd = this.rnd, w = this.world, cal = this.cal, nowMs = this.now.getTime();
    const gridIndex = this.pickCum(this.gridCum);
    const grid = w.grids[gridIndex]!;
    const category = w.categories[this.pickCum(this.categoryCum)]!.row;
    const code = category.code;
    const urgency: Urgency = code.startsWith('emergency.') || rnd.chance(0.04) ? 'urgent' : 'normal';
    const source = rnd.weighted([['patrol', 45], ['resident', 15], ['hotline', 15], ['phone', 10], ['captain', 5]] as const);
    const point = rnd.pick(grid.points);
    const communityStaff = w.communityStaff.get(grid.community.id)!;
    const streetStaff = w.streetStaff.get(grid.street.id)!;
    const level = category.default_level;
    const handling = level === 'grid' ? grid.unit : level === 'community' ? grid.community : grid.street;
    const dispatcher = level === 'street' ? streetStaff : communityStaff;
    const supervisor = level === 'street' ? w.districtStaff : streetStaff;
    const person = rnd.pick(this.reporters);
    let reporter: Actor, reporterName: string, phone: typeof person | null = person;
    if (source === 'patrol') { reporter = grid.worker; reporterName = grid.worker.name; phone = null; }
    else if (source === 'hotline' || source === 'phone') { reporter = communityStaff; reporterName = person.name; }
    else { reporter = { id: w.history, name: person.name }; reporterName = person.name; }
    const rated = RATED_SOURCES.includes(source);
    const caseId = String(++this.caseId);

    const events: Ev[] = [];
    const orders: Order[] = [];
    let state = 'reported' as CaseState;
    const ev = (at: number, action: string, to: CaseState, actor: Actor, note: string | null = null, detail: Record<string, unknown> = {}) => {
      const last = events.length ? events[events.length - 1]!.at : 0;
      const when = Math.max(at, last + 1000);
      if (when >= nowMs) return false;
      events.push({ at: when, action, from: action === 'report' ? null : state, to, actor, note, detail });
      state = to;
      return true;
    };
    const clockAt = (stage: Stage, at: number) => cal.stageClock(category, urgency, stage, new Date(at));
    /** Late, but within the watch's grace after the deadline. */
    const lateBy = (clock: StageClock) => {
      const share = rnd.between(0.05, 0.9) * GRACE_HOURS;
      return clock.stage_limit_unit === 'clock_hours' ? clock.stage_deadline!.getTime() + share * HOUR : cal.addWorkingHours(clock.stage_deadline!, share).getTime();
    };
    const span = (clock: StageClock) => clock.stage_deadline!.getTime() - clock.stage_started_at!.getTime();

    ev(created, 'report', 'reported', reporter, null, { source, urgency, category: code, handlingLevel: level });
    const acceptClock = clockAt('accept', created);
    let t = rnd.chance(0.04) ? lateBy(acceptClock) : created + span(acceptClock) * rnd.between(0.05, 0.7);
    let mergedInto: Recent | null = null;
    let done = false;
    if (rnd.chance(0.03)) {
      ev(t, 'reject', 'rejected', dispatcher, rnd.pick(REJECT_REASONS));
      done = true;
    } else if (rnd.chance(0.02)) {
      // A second report of something already reported here: merged into the open one.
      const candidates = this.recent.get(gridIndex) ?? [];
      const stateAt = (r: Recent, at: number) => { let s: CaseState | null = null; for (const e of r.timeline) if (e.at <= at) s = e.to; return s; };
      const open = candidates.filter((r) => r.created < t && OPEN.has(stateAt(r, t) ?? ''));
      const target = open.find((r) => r.categoryId === category.id) ?? open[open.length - 1];
      if (target && ev(t, 'merge', 'merged', dispatcher, MERGE_NOTE, { mergedInto: target.number })) {
        const at = events[events.length - 1]!.at;
        const targetState = stateAt(target, at)!;
        this.event(target.id, { at, action: 'merge', from: targetState, to: targetState, actor: dispatcher, note: MERGE_NOTE, detail: { merged: number } });
        mergedInto = target;
        done = true;
      }
    }
    let reopenCount = 0;
    let rating: { value: string; comment: string | null; at: number } | null = null;
    let closedAt: number | null = null;
    let supervision: 'red' | null = null;
    if (!done && ev(t, 'accept', 'accepted', dispatcher)) {
      const dept = category.department_code ? w.departments.get(category.department_code) : undefined;
      const toDepartment = !!dept && (level === 'street' || (level === 'community' && rnd.chance(0.5)));
      const handler = toDepartment ? dept!.handler : grid.worker;
      const verifier = grid.worker;
      const newOrder = (at: number, by: string, orderState: 'dispatched' | 'claimed', note: string | null): Order => {
        const o: Order = {
          id: String(++this.orderId), kind: toDepartment ? 'department' : 'unit',
          unitId: toDepartment ? null : grid.unit.id, unitPath: toDepartment ? null : grid.unit.path, departmentId: toDepartment ? dept!.id : null,
          state: orderState, dispatchedBy: by, dispatchedAt: at, claimedBy: orderState === 'claimed' ? handler.id : null,
          claimedAt: orderState === 'claimed' ? at : null, finishedBy: null, finishedAt: null, note,
        };
        orders.push(o);
        return o;
      };
      t = events[events.length - 1]!.at + rnd.between(0.05, 1) * HOUR;
      let order: Order | null = null;
      let handleStart = t;
      if (t < nowMs) {
        order = newOrder(Math.max(t, events[events.length - 1]!.at + 1000), dispatcher.id, 'dispatched', null);
        const detail = toDepartment
          ? { workOrder: order.id, department: { id: dept!.id, code: dept!.code, name: dept!.name } }
          : { workOrder: order.id, unit: { id: grid.unit.id, name: grid.unit.name, level: 'grid' } };
        if (!ev(order.dispatchedAt, 'dispatch', 'dispatched', dispatcher, null, detail)) { orders.pop(); order = null; }
        else handleStart = order.dispatchedAt;
      }
      let failedOnce = false;
      // Up to two handling rounds: the second after a dissatisfied rating (二次办理).
      for (let round = 0; order && round < 2; round++) {
        const handleClock = clockAt('handle', handleStart);
        const handleSpan = span(handleClock);
        if (!ev(handleStart + Math.min(handleSpan * 0.3, rnd.between(0.2, 6) * HOUR), 'claim', 'in_progress', handler, null, { workOrder: order.id, lead: true })) break;
        order.state = 'claimed'; order.claimedBy = handler.id; order.claimedAt = events[events.length - 1]!.at;
        const late = rnd.chance(0.08);
        let fed = late ? lateBy(handleClock) : handleStart + handleSpan * rnd.between(0.15, 0.95);
        fed = Math.max(fed, order.claimedAt + 0.25 * HOUR);
        if (late && rnd.chance(0.5) && fed > handleClock.stage_deadline!.getTime() + TICK_MS + 60_000) {
          const at = handleClock.stage_deadline!.getTime() + TICK_MS + Math.min(10 * 60_000, (fed - handleClock.stage_deadline!.getTime()) / 3);
          if (ev(at, 'supervise', 'in_progress', supervisor, rnd.pick(ASK_WHY_OVERDUE), { mark: 'red' })) supervision = 'red';
        }
        if (!ev(fed, 'feed_back', 'handled', handler, pickFeedback(rnd, code), { workOrder: order.id, lead: true })) break;
        order.state = 'done'; order.finishedBy = handler.id; order.finishedAt = events[events.length - 1]!.at;
        let verifyClock = clockAt('verify', order.finishedAt);
        // Some fail the check on site: back to the handler on a new (claimed) work order.
        if (!failedOnce && round === 0 && rnd.chance(0.04)) {
          failedOnce = true;
          const at = order.finishedAt + span(verifyClock) * rnd.between(0.05, 0.4);
          const again = newOrder(Math.max(at, order.finishedAt + 1000), verifier.id, 'claimed', null);
          if (!ev(again.dispatchedAt, 'verify_fail', 'in_progress', verifier, rnd.pick(VERIFY_FAIL), { workOrder: again.id })) { orders.pop(); break; }
          order = again;
          const redo = clockAt('handle', again.dispatchedAt);
          if (!ev(again.dispatchedAt + span(redo) * rnd.between(0.1, 0.6), 'feed_back', 'handled', handler, pickFeedback(rnd, code), { workOrder: again.id, lead: true })) break;
          order.state = 'done'; order.finishedBy = handler.id; order.finishedAt = events[events.length - 1]!.at;
          verifyClock = clockAt('verify', order.finishedAt);
        }
        const verifyAt = rnd.chance(0.03) ? lateBy(verifyClock) : order.finishedAt + span(verifyClock) * rnd.between(0.05, 0.6);
        if (!ev(verifyAt, 'verify_pass', 'verified', verifier, '现场核查，已整改到位')) break;
        if (!ev(events[events.length - 1]!.at + rnd.between(0.2, 4) * HOUR, 'close', 'closed', dispatcher)) break;
        closedAt = events[events.length - 1]!.at;
        if (rated) {
          const at = closedAt + rnd.between(1, 40) * HOUR;
          const value = round === 0 ? rnd.weighted([['satisfied', 78], ['basic', 16], ['dissatisfied', 6]] as const) : rnd.weighted([['satisfied', 60], ['basic', 40]] as const);
          if (value === 'dissatisfied') {
            const comment = '问题又出现了，没有根本解决';
            const again: Order = { ...order, id: String(this.orderId + 1), state: 'dispatched', dispatchedBy: reporter.id, dispatchedAt: at, claimedBy: null, claimedAt: null, finishedBy: null, finishedAt: null, note: comment };
            if (!ev(at, 'rate', 'dispatched', reporter, comment, { rating: value, reopened: true, reopenCount: reopenCount + 1, workOrder: again.id })) break;
            this.orderId++;
            again.dispatchedAt = events[events.length - 1]!.at;
            orders.push(again);
            order = again;
            reopenCount++;
            closedAt = null;
            handleStart = again.dispatchedAt;
            continue;
          }
          const comment = value === 'satisfied' ? rnd.pick(SATISFIED) : rnd.pick(BASIC);
          if (ev(at, 'rate', 'closed', reporter, comment, { rating: value })) rating = { value, comment, at: events[events.length - 1]!.at };
        } else if (source === 'hotline' || source === 'phone') {
          const satisfaction = rnd.weighted([['satisfied', 80], ['basic', 17], ['dissatisfied', 3]] as const);
          ev(closedAt + rnd.between(2, 30) * HOUR, 'follow_up', 'closed', dispatcher, '电话回访', { outcome: 'reached', satisfaction });
        }
        break;
      }
    }

    // The stage clock through the timeline: where each stage started, and what the watch saw of it.
    let ratedYet = false;
    const segments: { stage: Stage | null; start: number }[] = [];
    for (const e of events) {
      if (e.action === 'rate' && e.to === 'closed') ratedYet = true;
      const stage = stageOf(e.to, rated && !ratedYet);
      if (!segments.length || segments[segments.length - 1]!.stage !== stage) segments.push({ stage, start: e.at });
    }
    const watch: Ev[] = [];
    let wasOverdue = false;
    let clock: StageClock = cal.stageClock(category, urgency, null, this.now);
    const stateAt = (at: number) => { let s: CaseState = 'reported'; for (const e of events) { if (e.at > at) break; s = e.to; } return s; };
    segments.forEach((seg, i) => {
      clock = cal.stageClock(category, urgency, seg.stage, new Date(seg.start));
      if (!clock.stage_deadline || !clock.stage_warn_at) return;
      const end = i + 1 < segments.length ? segments[i + 1]!.start : nowMs;
      const deadline = clock.stage_deadline.getTime();
      if (end > deadline) wasOverdue = true;
      for (const [level, mark] of [['yellow', clock.stage_warn_at.getTime()], ['red', deadline]] as const) {
        const at = mark + TICK_MS;
        if (at < end && at < nowMs) {
          const s = stateAt(at);
          watch.push({ at, action: `overdue_${level}`, from: s, to: s, actor: null, note: null, detail: { level, deadline: clock.stage_deadline.toISOString() } });
        }
      }
    });
    const all = watch.length ? [...events, ...watch].sort((a, b) => a.at - b.at) : events;
    for (const e of all) this.event(caseId, e);
    for (const o of orders) {
      this.out.work_order.add([o.id, caseId, o.kind, o.unitId, o.unitPath, o.departmentId, true, o.state, o.dispatchedBy, iso(o.dispatchedAt),
        o.claimedBy, iso(o.claimedAt), o.finishedBy, iso(o.finishedAt), o.note]);
    }
    this.counts.workOrders += orders.length;

    const responded = events.find((e) => e.action === 'accept' || e.action === 'reject');
    const hotline = source === 'hotline';
    const row: CopyValue[] = [
      caseId, number, category.id, caseText(rnd, code), source, urgency, state, point.lng, point.lat, point.address,
      grid.unit.id, grid.unit.path, grid.unit.regionCode, handling.id, handling.path, level,
      reporter.id, reporterName, phone?.enc ?? null, phone?.hash ?? null,
      clock.stage, clock.stage_started_at, clock.stage_deadline, clock.stage_limit_unit, clock.stage_warn_at,
      cal.overdueNow(clock, this.now), supervision, reopenCount,
      rating?.value ?? null, rating?.comment ?? null, iso(rating?.at ?? null), mergedInto?.id ?? null,
      hotline ? `12345-${day}-${String(++this.hotlineSeq).padStart(6, '0')}` : null,
      hotline ? cal.deadlineFor(new Date(created), { unit: 'working_days', amount: 5 }) : null,
      state === 'closed' ? iso(closedAt) : null, events.length, new Date(created), new Date(all[all.length - 1]!.at),
    ];
    if (this.withFacts) row.push(iso(responded?.at ?? null), acceptClock.stage_deadline, wasOverdue);
    this.out.cases.add(row);
    this.counts.cases++;
    if (OPEN.has(state)) this.counts.open++;
    if (state === 'closed') this.counts.closed++;
    if (state === 'rejected') this.counts.rejected++;
    if (state === 'merged') this.counts.merged++;
    if (wasOverdue) this.counts.overdue++;

    const ring = this.recent.get(gridIndex) ?? [];
    ring.push({ id: caseId, number, categoryId: category.id, created, timeline: events.map((e) => ({ at: e.at, to: e.to })) });
    if (ring.length > 8) ring.shift();
    this.recent.set(gridIndex, ring);
  }

  private event(caseId: string, e: Ev): void {
    this.out.case_event.add([String(++this.eventId), caseId, new Date(e.at), e.actor?.id ?? null, e.actor?.name ?? null, e.action, e.from, e.to, e.note, JSON.stringify(e.detail)]);
    this.counts.caseEvents++;
  }

  get lastCaseId(): number { return this.caseId; }
}

function pickFeedback(r: Random, code: string): string {
  return r.pick(FEEDBACK[code.split('.')[0]!] ?? FEEDBACK.default!);
}
