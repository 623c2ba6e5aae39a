import { sql, type SqlBool } from 'kysely';
import type { Insertable } from 'kysely';
import type { DiaryEntryTable, PatrolTable, Trx, VisitTable } from '../core/db/index.js';
import { beijingDate } from '../../shared/dates.js';
import { tagCodesOf } from '../modules/fieldwork/fieldwork.queries.js';
import { cleanRoute, type Point } from '../modules/fieldwork/route.js';
import { visitStatus, type VisitRule } from '../modules/fieldwork/visit-rules.js';
import { Random } from './random.js';

/**
 * The district's default visit rules (每天入户不少于10家，对特殊家庭每周至少进行一次关爱帮扶, seed 004)
 * and four weeks of a grid worker's field work — morning patrols (八点晨步法), visits that follow the
 * rules (special households first), field diary entries — simulated day by day up to yesterday, so
 * that the checklist and the compliance pages open on something real. A few special households are
 * left a little late, as happens, so the checklist has overdue visits to show.
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const CST = 8 * HOUR;
const DAYS = 28;
const QUOTA = 10;

export const DEMO_RULES = [
  { name: '独居老人每周走访', kind: 'tag', tag_code: 'living_alone', interval_days: 7, per_day: null },
  { name: '残疾人每月走访', kind: 'tag', tag_code: 'disabled', interval_days: 30, per_day: null },
  { name: '低保户每月走访', kind: 'tag', tag_code: 'low_income', interval_days: 30, per_day: null },
  { name: '每季度全覆盖走访', kind: 'all_households', tag_code: null, interval_days: 90, per_day: null },
  { name: '每天入户不少于10家', kind: 'daily_quota', tag_code: null, interval_days: null, per_day: QUOTA },
] as const;

const FINDINGS = {
  care: ['身体状况良好，已提醒按时服药', '老人反映腿脚不便，需要代购生活用品', '独居在家，已留下网格员电话', '血压偏高，已联系社区医生上门', '家中燃气灶老化，已提醒更换'],
  routine: ['家庭情况无变化', '住户反映楼道灯不亮', '新添一名家庭成员，待补录信息', '住户对垃圾分类有疑问，已讲解', '房屋已出租，已登记租户信息'],
  information: ['核对家庭成员信息', '更新联系电话', '登记流动人口信息'],
};
const DIARY = [
  '早上八点在小区门口和上班的居民聊了聊，大家反映停车难的问题比较突出。',
  '杨爹爹最近身体不太好，王婆婆一个人照顾吃力，下周再去看看，问问能否申请居家养老服务。',
  '3栋楼道堆放杂物较多，已跟楼栋长沟通，周末组织清理。',
  '几位老人想参加社区老年大学的书法班，已把名单报给社区。',
  '小区南门附近晚上有商户占道经营，需要持续关注。',
  '雨季将至，地下车库入口排水口有堵塞，已告知物业。',
];

interface Place { id: string; path: string; region_code: string }

export async function seedDemoFieldwork(
  trx: Trx, opts: { district: Place; gridCode: string; workerId: string; now: Date },
): Promise<{ rules: number; visits: number; patrols: number; diary: number }> {
  const rules = await trx.insertInto('visit_rule').values(DEMO_RULES.map((r) => ({
    unit_id: opts.district.id, unit_path: opts.district.path, region_code: opts.district.region_code,
    name: r.name, kind: r.kind, tag_code: r.tag_code, interval_days: r.interval_days, per_day: r.per_day,
  }))).returning(['id', 'name', 'kind', 'tag_code', 'interval_days', 'per_day', 'unit_path', 'active']).execute();
  const asRules: VisitRule[] = rules.map((r) => ({
    id: r.id, name: r.name, kind: r.kind, tagCode: r.tag_code, intervalDays: r.interval_days, perDay: r.per_day, unitPath: r.unit_path, active: r.active,
  }));

  const grid = await trx.selectFrom('unit').select(['id', 'path', 'region_code']).where('code', '=', opts.gridCode).executeTakeFirstOrThrow();
  const households = await trx.selectFrom('household as h').innerJoin('building as b', 'b.id', 'h.building_id')
    .select(['h.id', 'h.unit_id', 'h.unit_path', 'h.region_code', 'b.id as building_id', 'b.lng', 'b.lat'])
    .where(sql<SqlBool>`h.unit_path <@ ${grid.path}::ltree`).orderBy('h.id').execute();
  if (households.length === 0) return { rules: rules.length, visits: 0, patrols: 0, diary: 0 };
  const tags = await tagCodesOf(trx, households.map((h) => h.id));
  const people = new Map<string, string[]>();
  for (const r of await trx.selectFrom('resident').select(['id', 'household_id']).where(sql<SqlBool>`unit_path <@ ${grid.path}::ltree`)
    .where('status', '=', 'active').orderBy('id').execute()) {
    if (r.household_id) people.set(r.household_id, [...(people.get(r.household_id) ?? []), r.id]);
  }
  const buildings = [...new Map(households.filter((h) => h.lng !== null && h.lat !== null).map((h) => [h.building_id, { lng: h.lng!, lat: h.lat! }])).values()];

  const random = new Random(20261120);
  const last = new Map<string, Date>();
  const slipping = new Set<string>();
  const visits: Insertable<VisitTable>[] = [];
  const patrols: Insertable<PatrolTable>[] = [];
  const diary: Insertable<DiaryEntryTable>[] = [];
  const today = beijingDate(opts.now);
  const todayStart = Date.parse(`${today}T00:00:00Z`) - CST;
  const gridScope = { unit_id: grid.id, unit_path: grid.path, region_code: grid.region_code };

  for (let back = DAYS; back >= 1; back--) {
    const dayStart = todayStart - back * DAY;
    const weekday = new Date(dayStart + CST).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    // 八点晨步法: a morning walk past the buildings, 8:00 to about 8:50.
    if (buildings.length) {
      const start = dayStart + 8 * HOUR + random.int(0, 10) * 60_000;
      const stops = Array.from({ length: Math.min(6, buildings.length) }, () => random.pick(buildings));
      const points: Point[] = [];
      let t = start;
      for (let i = 0; i + 1 < stops.length; i++) {
        const [a, b] = [stops[i]!, stops[i + 1]!];
        for (let k = 0; k < 20; k++) {
          points.push([a.lng + ((b.lng - a.lng) * k) / 20 + random.between(-0.00003, 0.00003), a.lat + ((b.lat - a.lat) * k) / 20 + random.between(-0.00003, 0.00003), t]);
          t += 25_000;
        }
      }
      const end = Math.max(t, start + 40 * 60_000);
      const { route, distanceM } = cleanRoute(points, 2000);
      patrols.push({
        ...gridScope, worker_id: opts.workerId, started_at: new Date(start), ended_at: new Date(end), route: JSON.stringify(route),
        point_count: route.length, distance_m: distanceM, notes: random.chance(0.3) ? '巡查中未发现异常' : null, created_at: new Date(end),
      });
    }
    // Visits: whoever is due (special households first, most overdue first), then the least recently seen, up to the quota.
    const at = new Date(dayStart + 9 * HOUR);
    const ranked = households.map((h) => {
      const s = visitStatus({ id: h.id, unitPath: h.unit_path, tags: tags.get(h.id) ?? [], lastVisitAt: last.get(h.id) ?? null }, asRules, at);
      return { h, s };
    }).filter(({ s }) => s.state !== 'none')
      .sort((a, b) => Number(b.s.special && b.s.state !== 'ok') - Number(a.s.special && a.s.state !== 'ok')
        || (last.get(a.h.id)?.getTime() ?? 0) - (last.get(b.h.id)?.getTime() ?? 0) || a.h.id.localeCompare(b.h.id));
    // In the last days a few special households slip (a family away, a worker off sick): three of them
    // go unvisited for ten days, so the checklist always has overdue care visits to show.
    if (back <= 10 && slipping.size === 0) for (const { h } of ranked.filter(({ s }) => s.special).slice(0, 3)) slipping.add(h.id);
    const chosen = ranked.filter(({ h }) => !slipping.has(h.id)).slice(0, QUOTA + random.int(0, 2));
    let clock = dayStart + 9 * HOUR + random.int(0, 20) * 60_000;
    for (const { h, s } of chosen) {
      const occurred = new Date(clock);
      clock += random.int(25, 45) * 60_000;
      const kind = s.special ? 'care' : random.chance(0.15) ? 'information' : 'routine';
      const members = people.get(h.id) ?? [];
      const nobodyHome = members.length === 0 || random.chance(0.08);
      visits.push({
        unit_id: h.unit_id, unit_path: h.unit_path, region_code: h.region_code, household_id: h.id, visitor_id: opts.workerId, kind,
        occurred_at: occurred, met_resident_ids: nobodyHome ? [] : members.slice(0, random.int(1, Math.min(2, members.length))),
        nobody_home: nobodyHome, findings: nobodyHome ? '家中无人，已留联系卡' : random.pick(FINDINGS[kind]),
        follow_up: !nobodyHome && kind === 'care' && random.chance(0.1) ? 'proxy_service' : 'none', created_at: occurred,
      });
      last.set(h.id, occurred);
    }
    if (random.chance(0.4)) {
      const h = random.pick(households);
      const when = new Date(dayStart + 17 * HOUR + random.int(0, 60) * 60_000);
      diary.push({
        unit_id: h.unit_id, unit_path: h.unit_path, region_code: h.region_code, author_id: opts.workerId, occurred_at: when,
        body: random.pick(DIARY), household_id: h.id, building_id: h.building_id, resident_ids: (people.get(h.id) ?? []).slice(0, 1), created_at: when,
      });
    }
  }
  if (visits.length) await trx.insertInto('visit').values(visits).execute();
  if (patrols.length) await trx.insertInto('patrol').values(patrols).execute();
  if (diary.length) await trx.insertInto('diary_entry').values(diary).execute();
  return { rules: rules.length, visits: visits.length, patrols: patrols.length, diary: diary.length };
}
