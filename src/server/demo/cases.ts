import type { AppContext } from '../core/context.js';
import type { CaseStateName, Trx } from '../core/db/index.js';
import { beijingDate } from '../../shared/dates.js';
import { phoneDigits } from '../../shared/registry/organisations.schemas.js';
import { deadlineFor } from '../modules/cases/calendar.js';
import { calendar, stageClock, stageOf, type Stage } from '../modules/cases/cases.rules.js';
import { overdueNow, numberPrefix } from '../modules/cases/cases.service.js';
import { RATED_SOURCES } from '../modules/cases/cases.policy.js';
import type { CategoryRow } from '../modules/cases/cases.queries.js';
import { caseText, TYPICAL_CATEGORY_WEIGHTS } from './case-texts.js';
import { surname } from './people.js';
import { Random } from './random.js';

/**
 * Half a year of cases in the three detailed communities, so that the demo opens on a living system:
 * work lists with something in each of them, timelines, overdue cases, ratings, follow-up calls, and
 * enough closed cases for the dispatch suggestion to learn from. Each case's life is simulated step
 * by step from its report on, with the real stage limits and working-time calendar, and cut at "now":
 * old cases are closed and rated, recent ones wait where their simulated life has got to.
 *
 * Written in the seed's transaction with multi-row INSERTs. Steps are taken by the demo accounts where
 * one holds the role (陈念 dispatches in 龙湖东岸, 黄艳娇 and 柳青 work grids 6 and 2, 张伟 handles for
 * the urban management bureau, 杨秀英 reports and rates); the rest by an inactive `demo-history`
 * account that can never sign in, with the name of the person who acted in the timeline.
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const HISTORY_DAYS = 180;

export interface DemoCaseAccounts {
  /** username → account id of the demo accounts. */
  byUsername: Record<string, string>;
  /** The inactive account standing in for everyone without a demo account. */
  history: string;
}

interface Grid {
  id: string; path: string; region_code: string; name: string; number: number;
  community: { id: string; path: string; name: string; code: string };
  street: { id: string; path: string; name: string };
  points: { lng: number; lat: number; address: string }[];
}

interface Actor { id: string; name: string }

interface Event {
  at: Date; action: string; from: string | null; to: string; actor: Actor; note: string | null; detail: Record<string, unknown>;
}

interface Order {
  kind: 'unit' | 'department'; unitId?: string; unitPath?: string; departmentId?: string;
  state: 'dispatched' | 'claimed' | 'done' | 'returned' | 'cancelled';
  dispatchedBy: Actor; dispatchedAt: Date; claimedBy?: Actor; claimedAt?: Date; finishedBy?: Actor; finishedAt?: Date; note: string | null;
}

/** What handlers write when they feed back, by top-level category (also the generated district's). */
export const FEEDBACK: Record<string, readonly string[]> = {
  default: ['已到现场处理完毕', '已协调相关方整改到位', '已现场处置，拍照留存', '已联系责任单位处理，复查无问题'],
  eight_disorders: ['已劝离并规范停放', '已督促商户整改，现场已清理', '已拆除并清运', '已约谈物业，限期整改完毕'],
  city_appearance: ['已安排环卫清运，现场已清洁', '已清扫冲洗路面', '已制止焚烧并清理现场'],
  safety_hazard: ['已清理楼道杂物，消防通道畅通', '已劝导住户到集中充电点充电，现场已整改', '已排除隐患并张贴提示'],
  dispute: ['已上门调解，双方达成谅解', '已组织双方协商，签订调解协议', '已引导当事人走法律程序并跟进'],
  property_service: ['已督促物业维修完毕', '电梯已由维保单位修复并检测', '已组织物业与业主沟通解决'],
  public_facility: ['已报修，设施已修复', '已更换井盖并设置警示', '路灯已修复亮灯'],
  street_order: ['已劝导商户退店经营', '已联合执法制止噪声', '已劝离流动摊贩'],
};
const REJECT_REASONS = ['不属于社区网格事项，已告知当事人拨打 12345', '经核实现场无此情况', '重复上报，已合并处理'];
export const ASK_WHY_OVERDUE = ['请说明超时原因并尽快办结', '居民多次反映，请加快处置', '请于今日内反馈办理结果'];

function pickFeedback(r: Random, code: string): string {
  return r.pick(FEEDBACK[code.split('.')[0]!] ?? FEEDBACK.default!);
}

/** A working-hours moment on `day` (Beijing 08:30–18:00, rarely evenings). */
function atWorkTime(r: Random, day: Date): Date {
  const beijingMidnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) - 8 * HOUR;
  const hour = r.chance(0.85) ? r.between(8.5, 18) : r.between(18, 21.5);
  return new Date(beijingMidnight + hour * HOUR);
}

const after = (t: Date, hours: number) => new Date(t.getTime() + hours * HOUR);

async function loadGrids(trx: Trx): Promise<Grid[]> {
  const rows = await trx.selectFrom('unit as g')
    .innerJoin('unit as c', 'c.id', 'g.parent_id')
    .innerJoin('unit as s', 's.id', 'c.parent_id')
    .select(['g.id', 'g.path', 'g.region_code', 'g.name', 'g.code', 'c.id as c_id', 'c.path as c_path', 'c.name as c_name', 'c.code as c_code',
      's.id as s_id', 's.path as s_path', 's.name as s_name'])
    .where('g.level', '=', 'grid').orderBy('g.code').execute();
  const points = await trx.selectFrom('building as b').innerJoin('unit as m', 'm.id', 'b.unit_id')
    .select(['m.parent_id as grid_id', 'b.lng', 'b.lat', 'b.address', 'b.name'])
    .where('b.lng', 'is not', null).orderBy('b.id').execute();
  const byGrid = new Map<string, Grid['points']>();
  for (const p of points) {
    if (!p.grid_id || p.lng === null || p.lat === null) continue;
    const list = byGrid.get(p.grid_id) ?? [];
    list.push({ lng: p.lng, lat: p.lat, address: p.address ?? p.name });
    byGrid.set(p.grid_id, list);
  }
  return rows.filter((g) => byGrid.has(g.id)).map((g) => ({
    id: g.id, path: g.path, region_code: g.region_code, name: g.name, number: Number(g.code.slice(-3)),
    community: { id: g.c_id, path: g.c_path, name: g.c_name, code: g.c_code },
    street: { id: g.s_id, path: g.s_path, name: g.s_name },
    points: byGrid.get(g.id)!,
  }));
}

/** Seed the demo cases; returns how many. `now` is the seed's clock. */
export async function seedDemoCases(
  trx: Trx, ctx: AppContext, accounts: DemoCaseAccounts, departments: Record<string, { id: string; name: string }>,
  showcase: { community: string; workerGrids: Record<number, string> }, now: Date,
): Promise<number> {
  const r = new Random(20261121);
  const grids = await loadGrids(trx);
  const categories = (await trx.selectFrom('case_category').selectAll().where('is_active', '=', true).where('parent_id', 'is not', null).execute()) as unknown as CategoryRow[];
  const byCode = new Map(categories.map((c) => [c.code, c]));
  const weights = Object.entries(TYPICAL_CATEGORY_WEIGHTS).filter(([code]) => byCode.has(code)).map(([c, w]) => [c, w] as const);
  const acc = accounts.byUsername;
  const named = (username: string, fallbackName: string): Actor => (acc[username] ? { id: acc[username]!, name: fallbackName } : { id: accounts.history, name: fallbackName });
  const history = (name: string): Actor => ({ id: accounts.history, name });
  const personName = () => surname(r) + r.pick(['女士', '先生', '阿姨', '师傅', '大爷']);

  const dispatcherOf = (g: Grid): Actor => g.community.code === showcase.community ? named('community', '陈念') : history(`${g.community.name} 工作人员`);
  const streetOf = (g: Grid): Actor => g.community.code === showcase.community ? named('street', '龙阳街道 李红梅') : history(`${g.street.name} 工作人员`);
  const workerOf = (g: Grid): Actor => {
    const user = g.community.code === showcase.community ? showcase.workerGrids[g.number] : undefined;
    return user ? named(user, user === 'grid' ? '黄艳娇' : '柳青') : history(`${g.community.name}${g.name} 网格员`);
  };
  const departmentActor = (code: string): Actor => (code === 'urban_management' ? named('department', '区城管执法局 张伟') : history(departments[code]?.name ?? code));

  type Planned = {
    grid: Grid; category: CategoryRow; created: Date; source: string; urgency: 'normal' | 'urgent'; description: string;
    point: Grid['points'][number]; reporter: Actor; reporterName: string; reporterPhone: string | null; hotline: { no: string; deadline: Date } | null;
    handling: { id: string; path: string; level: 'grid' | 'community' | 'street' };
    events: Event[]; orders: Order[]; rating: { value: string; comment: string | null; at: Date } | null; closedAt: Date | null;
    supervision: 'yellow' | 'red' | null; reopenCount: number; wasOverdue: boolean;
  };

  /** The worker's grid whose resident (杨秀英) reports more than the others. */
  const isResidentGrid = (grid: Grid) => grid.community.code === showcase.community && showcase.workerGrids[grid.number] === 'grid';
  let hotlineSeq = 0;
  /** A case reported in `grid` at `created`: who reported it, where, in what words; its life comes later. */
  const newCase = (grid: Grid, created: Date, code: string, source: string): Planned => {
    const category = byCode.get(code)!;
    const worker = workerOf(grid);
    let reporter: Actor;
    let reporterName: string;
    if (source === 'patrol') { reporter = worker; reporterName = worker.name; }
    else if (source === 'resident' && isResidentGrid(grid) && r.chance(0.6)) { reporter = named('resident', '杨秀英'); reporterName = '杨秀英'; }
    else if (source === 'hotline' || source === 'phone') { reporter = dispatcherOf(grid); reporterName = personName(); }
    else { reporterName = personName(); reporter = history(reporterName); }
    const handlingLevel = category.default_level;
    const handling = handlingLevel === 'grid' ? { id: grid.id, path: grid.path, level: 'grid' as const }
      : handlingLevel === 'community' ? { id: grid.community.id, path: grid.community.path, level: 'community' as const }
        : { id: grid.street.id, path: grid.street.path, level: 'street' as const };
    const hotline = source === 'hotline'
      ? { no: `12345-${beijingDate(created).replaceAll('-', '')}-${String(++hotlineSeq).padStart(5, '0')}`, deadline: deadlineFor(calendar, created, { unit: 'working_days', amount: 5 }) }
      : null;
    return {
      grid, category, created, source, urgency: code.startsWith('emergency.') || r.chance(0.04) ? 'urgent' : 'normal',
      description: caseText(r, code), point: r.pick(grid.points), reporter, reporterName,
      reporterPhone: source === 'patrol' ? null : `1${r.pick(['3', '5', '8', '9'])}${String(r.int(0, 999_999_999)).padStart(9, '0')}`,
      hotline, handling, events: [], orders: [], rating: null, closedAt: null, supervision: null, reopenCount: 0, wasOverdue: false,
    };
  };

  const planned: Planned[] = [];
  for (const grid of grids) {
    const showcaseGrid = grid.community.code === showcase.community;
    const n = showcaseGrid ? r.int(16, 22) : r.int(8, 13);
    for (let i = 0; i < n; i++) {
      // More recent cases than old ones: the age is skewed towards today.
      const age = Math.floor(HISTORY_DAYS * Math.pow(r.next(), 1.6));
      const created = atWorkTime(r, new Date(now.getTime() - age * DAY));
      if (created >= now) continue;
      const code = r.weighted(weights);
      const source = r.weighted([['patrol', 45], ['resident', isResidentGrid(grid) ? 25 : 15], ['hotline', 15], ['phone', 10], ['captain', 5]] as const);
      planned.push(newCase(grid, created, code, source));
    }
  }
  planned.sort((a, b) => a.created.getTime() - b.created.getTime());

  /**
   * A grid matter reported in `grid` earlier today or yesterday afternoon, accepted and dispatched to the grid
   * before "now", and claimed by its worker when she got to it: the steps the simulation takes, at a brisk pace.
   */
  /** A matter handed to a grid at `from` is not due before a day from now (the watch would take it away). */
  const handlingOutlastsADay = (p: Planned, from: Date) =>
    (stageClock(p.category, p.urgency, 'handle', from).stage_deadline?.getTime() ?? Infinity) > now.getTime() + DAY;

  const waitingCase = (grid: Grid): Planned => {
    const gridWeights = weights.filter(([code]) => byCode.get(code)!.default_level === 'grid');
    const hour = ((now.getTime() + 8 * HOUR) % DAY) / HOUR; // Beijing time of day
    // Earlier today when the day has got going, else yesterday afternoon; either way at least two hours ago.
    const created = hour >= 10.5
      ? new Date(now.getTime() - (hour - r.between(8.5, Math.min(hour - 2, 18))) * HOUR)
      : new Date(now.getTime() - (hour + 24 - r.between(14, 17.5)) * HOUR);
    const dispatcher = dispatcherOf(grid);
    const worker = workerOf(grid);
    // Still hers when the demo is opened, that evening or the next morning: its handling deadline at least a
    // day away. An urgent matter reported this morning was past its deadline and grace by the evening, and
    // the server's watch escalated it to the community at start (a demo seeded on a Sunday at 19:00 Beijing
    // opened on an empty 我的待办).
    let p!: Planned;
    let accepted!: Date;
    let dispatched!: Date;
    for (let attempt = 0; attempt < 20; attempt++) {
      p = newCase(grid, created, r.weighted(gridWeights), r.chance(0.5) ? 'patrol' : 'resident');
      p.urgency = 'normal';
      accepted = after(created, r.between(0.2, 1));
      dispatched = after(accepted, r.between(0.05, 0.5));
      if (handlingOutlastsADay(p, dispatched)) break;
    }
    p.events.push(
      { at: created, action: 'report', from: null, to: 'reported', actor: p.reporter, note: null,
        detail: { source: p.source, urgency: p.urgency, category: p.category.code, handlingLevel: p.handling.level } },
      { at: accepted, action: 'accept', from: 'reported', to: 'accepted', actor: dispatcher, note: null, detail: {} },
      { at: dispatched, action: 'dispatch', from: 'accepted', to: 'dispatched', actor: dispatcher, note: null, detail: { unit: { id: grid.id, name: grid.name, level: 'grid' } } },
    );
    const order: Order = { kind: 'unit', unitId: grid.id, unitPath: grid.path, state: 'dispatched', dispatchedBy: dispatcher, dispatchedAt: dispatched, note: null };
    const claimed = after(dispatched, r.between(0.2, 1.5));
    if (r.chance(0.5) && claimed < now) {
      p.events.push({ at: claimed, action: 'claim', from: 'dispatched', to: 'in_progress', actor: worker, note: null, detail: {} });
      order.state = 'claimed'; order.claimedBy = worker; order.claimedAt = claimed;
    }
    p.orders.push(order);
    return p;
  };

  // Simulate each case's life, step by step, until "now".
  for (const p of planned) {
    const ev = (at: Date, action: string, from: string | null, to: string, actor: Actor, note: string | null = null, detail: Record<string, unknown> = {}) => {
      if (at >= now) return false;
      p.events.push({ at, action, from, to, actor, note, detail });
      return true;
    };
    const dispatcher = p.handling.level === 'street' ? streetOf(p.grid) : dispatcherOf(p.grid);
    const limitHours = (stage: Stage, from: Date) => {
      const clock = stageClock(p.category, p.urgency, stage, from);
      return clock.stage_deadline ? (clock.stage_deadline.getTime() - from.getTime()) / HOUR : 24;
    };
    ev(p.created, 'report', null, 'reported', p.reporter, null, { source: p.source, urgency: p.urgency, category: p.category.code, handlingLevel: p.handling.level });
    let t = after(p.created, limitHours('accept', p.created) * r.between(0.05, 0.7));
    if (r.chance(0.03)) {
      ev(t, 'reject', 'reported', 'rejected', dispatcher, r.pick(REJECT_REASONS));
      continue;
    }
    if (!ev(t, 'accept', 'reported', 'accepted', dispatcher)) continue;
    // Whom it goes to: the grid for grid matters; a community or street matter to the responsible department, or to the grid.
    const dept = p.category.department_code ? departments[p.category.department_code] : undefined;
    const toDepartment = dept && (p.handling.level === 'street' || (p.handling.level === 'community' && r.chance(0.5)));
    const handler = toDepartment ? departmentActor(p.category.department_code!) : workerOf(p.grid);
    const verifier = workerOf(p.grid);
    let round = 0;
    let state = 'accepted';
    while (round < 2) {
      t = after(t, r.between(0.05, 1));
      const order: Order = toDepartment
        ? { kind: 'department', departmentId: dept!.id, state: 'dispatched', dispatchedBy: dispatcher, dispatchedAt: t, note: null }
        : { kind: 'unit', unitId: p.grid.id, unitPath: p.grid.path, state: 'dispatched', dispatchedBy: dispatcher, dispatchedAt: t, note: null };
      if (round === 0) {
        if (!ev(t, 'dispatch', state, 'dispatched', dispatcher, null, toDepartment ? { department: { id: dept!.id, name: dept!.name } } : { unit: { id: p.grid.id, name: p.grid.name, level: 'grid' } })) break;
      }
      p.orders.push(order);
      state = 'dispatched';
      const handleStart = t;
      const handleHours = limitHours('handle', handleStart);
      t = after(t, Math.min(handleHours * 0.3, r.between(0.2, 6)));
      if (!ev(t, 'claim', 'dispatched', 'in_progress', handler)) break;
      order.state = 'claimed'; order.claimedBy = handler; order.claimedAt = t;
      state = 'in_progress';
      // Most finish in time; some drag on past the limit (the red ones of the work lists).
      const share = r.chance(0.85) ? r.between(0.15, 0.95) : r.between(1.05, 2.2);
      const done = after(handleStart, handleHours * share);
      const overdueAt = after(handleStart, handleHours + 1);
      if (share > 1 && overdueAt < now && overdueAt < done && r.chance(0.5)) {
        const superviser = streetOf(p.grid);
        ev(overdueAt, 'supervise', 'in_progress', 'in_progress', superviser, r.pick(ASK_WHY_OVERDUE), { mark: 'red' });
        p.supervision = 'red';
      }
      t = done;
      if (!ev(t, 'feed_back', 'in_progress', 'handled', handler, pickFeedback(r, p.category.code))) break;
      if (share > 1) p.wasOverdue = true; // the handling stage ended past its deadline
      order.state = 'done'; order.finishedBy = handler; order.finishedAt = t;
      state = 'handled';
      t = after(t, limitHours('verify', t) * r.between(0.05, 0.6));
      if (!ev(t, 'verify_pass', 'handled', 'verified', verifier, '现场核查，已整改到位')) break;
      state = 'verified';
      t = after(t, r.between(0.2, 4));
      if (!ev(t, 'close', 'verified', 'closed', dispatcher)) break;
      state = 'closed';
      p.closedAt = t;
      if (RATED_SOURCES.includes(p.source)) {
        t = after(t, r.between(1, 40));
        const value = round === 0 ? r.weighted([['satisfied', 78], ['basic', 16], ['dissatisfied', 6]] as const) : r.weighted([['satisfied', 60], ['basic', 40]] as const);
        if (value === 'dissatisfied') {
          const comment = '问题又出现了，没有根本解决';
          if (!ev(t, 'rate', 'closed', 'dispatched', p.reporter, comment, { rating: value, reopened: true, reopenCount: 1 })) break;
          p.reopenCount = 1; p.closedAt = null; state = 'dispatched'; round++;
          continue;
        }
        const comment = value === 'satisfied' ? r.pick([null, '处理很及时，谢谢网格员', '满意', '速度快']) : r.pick([null, '处理了，但是慢了点']);
        if (!ev(t, 'rate', 'closed', 'closed', p.reporter, comment, { rating: value })) break;
        p.rating = { value, comment, at: t };
      } else if (p.source === 'hotline' || p.source === 'phone') {
        t = after(t, r.between(2, 30));
        const satisfaction = r.weighted([['satisfied', 80], ['basic', 17], ['dissatisfied', 3]] as const);
        ev(t, 'follow_up', 'closed', 'closed', dispatcher, '电话回访', { outcome: 'reached', satisfaction });
      }
      break;
    }
    // The second handling round re-dispatches to the same assignee (二次办理).
    if (p.reopenCount > 0 && p.orders.length > 1) p.orders[1]!.note = '二次办理';
  }

  // 黄艳娇 opens the demo on something in 我的待办 whatever the hour and day it was seeded at (a demo seeded on a
  // Sunday morning had every case of her grid closed or still with the community): when the simulation left no
  // open order to her grid, the latest report there waits for her — found on her patrol or reported by a
  // resident, accepted and dispatched to the grid by the community before "now", perhaps already claimed.
  const workerGrid = grids.find(isResidentGrid);
  // An open order counts if it is not past its handling deadline within a day (else the watch takes it away).
  const openOrder = (p: Planned, o: Order) => o.kind === 'unit' && (o.state === 'dispatched' || o.state === 'claimed')
    && handlingOutlastsADay(p, o.dispatchedAt);
  if (workerGrid && !planned.some((p) => p.grid === workerGrid && p.orders.some((o) => openOrder(p, o)))) {
    planned.push(waitingCase(workerGrid));
    planned.sort((a, b) => a.created.getTime() - b.created.getTime());
  }

  // Numbers: HY-<day>-<sequence of the day>, in report order; the counters continue from there.
  const prefix = numberPrefix('汉阳区');
  const perDay = new Map<string, number>();
  const rows = planned.map((p) => {
    const day = beijingDate(p.created);
    const seq = (perDay.get(day) ?? 0) + 1;
    perDay.set(day, seq);
    const last = p.events[p.events.length - 1]!;
    const state = last.to;
    const awaitsRating = RATED_SOURCES.includes(p.source) && p.rating === null;
    const stage = stageOf(state as never, awaitsRating);
    // The stage started at the first event of the trailing run of events in that stage.
    let stageStart = last.at;
    for (let i = p.events.length - 1; i >= 0; i--) {
      const e = p.events[i]!;
      const s = stageOf(e.to as never, RATED_SOURCES.includes(p.source) && !(e.action === 'rate' && e.to === 'closed'));
      if (s !== stage) break;
      stageStart = e.at;
    }
    const clock = stageClock(p.category, p.urgency, stage, stageStart);
    const phone = p.reporterPhone;
    const responded = p.events.find((e) => e.action === 'accept' || e.action === 'reject');
    return {
      p,
      values: {
        number: `${prefix}-${day.replaceAll('-', '')}-${String(seq).padStart(4, '0')}`,
        category_id: p.category.id,
        description: p.description,
        source: p.source as 'patrol',
        urgency: p.urgency,
        state: state as 'reported',
        lng: p.point.lng, lat: p.point.lat, address: p.point.address,
        unit_id: p.grid.id, unit_path: p.grid.path, region_code: p.grid.region_code,
        handling_unit_id: p.handling.id, handling_path: p.handling.path, handling_level: p.handling.level,
        reporter_user_id: p.reporter.id,
        reporter_name: p.reporterName,
        reporter_phone_enc: phone ? ctx.cipher.encrypt(phone) : null,
        reporter_phone_hash: phone ? ctx.cipher.blindIndex(phoneDigits(phone)) : null,
        ...clock,
        overdue_level: overdueNow(clock, now),
        supervision: p.supervision,
        reopen_count: p.reopenCount,
        rating: p.rating?.value as 'satisfied' | undefined ?? null,
        rating_comment: p.rating?.comment ?? null,
        rated_at: p.rating?.at ?? null,
        hotline_order_no: p.hotline?.no ?? null,
        hotline_deadline: p.hotline?.deadline ?? null,
        closed_at: state === 'closed' ? p.closedAt : null,
        // The cockpit's facts, as the service keeps them (migrations/0016).
        responded_at: responded?.at ?? null,
        response_deadline: stageClock(p.category, p.urgency, 'accept', p.created).stage_deadline,
        was_overdue: p.wasOverdue || overdueNow(clock, now) === 'red',
        version: p.events.length,
        created_at: p.created,
        updated_at: last.at,
      },
    };
  });

  const BATCH = 200;
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    const ids = await trx.insertInto('cases').values(batch.map((b) => b.values)).returning(['id', 'number']).execute();
    const idOf = new Map(ids.map((x) => [x.number, x.id]));
    const events = batch.flatMap((b) => b.p.events.map((e) => ({
      case_id: idOf.get(b.values.number)!, occurred_at: e.at, actor_id: e.actor.id, actor_name: e.actor.name, action: e.action,
      from_state: e.from as CaseStateName | null, to_state: e.to as CaseStateName, note: e.note, detail: JSON.stringify(e.detail),
    })));
    for (let j = 0; j < events.length; j += 500) await trx.insertInto('case_event').values(events.slice(j, j + 500)).execute();
    const orders = batch.flatMap((b) => b.p.orders.map((o) => ({
      case_id: idOf.get(b.values.number)!, assignee_kind: o.kind,
      assignee_unit_id: o.unitId ?? null, assignee_unit_path: o.unitPath ?? null, assignee_department_id: o.departmentId ?? null,
      lead: true, state: o.state, dispatched_by: o.dispatchedBy.id, dispatched_at: o.dispatchedAt,
      claimed_by: o.claimedBy?.id ?? null, claimed_at: o.claimedAt ?? null, finished_by: o.finishedBy?.id ?? null, finished_at: o.finishedAt ?? null,
      note: o.note,
    })));
    if (orders.length) await trx.insertInto('work_order').values(orders).execute();
  }
  if (perDay.size) {
    await trx.insertInto('case_number_counter').values([...perDay].map(([day, last]) => ({ prefix, day, last })))
      .onConflict((oc) => oc.columns(['prefix', 'day']).doUpdateSet({ last: (eb) => eb.ref('excluded.last') })).execute();
  }
  return rows.length;
}
