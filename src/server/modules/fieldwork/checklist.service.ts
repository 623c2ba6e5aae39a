import type { AppContext } from '../../core/context.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import { translate, type Locale } from '../../../shared/i18n/index.js';
import type * as S from '../../../shared/fieldwork.schemas.js';
import { overdueNow } from '../cases/cases.service.js';
import { presentResidents } from '../registry/residents.present.js';
import type { ResidentRow } from '../registry/residents.queries.js';
import { visibleTags, type TagRow } from '../registry/tags.queries.js';
import { P } from './fieldwork.policy.js';
import * as Q from './fieldwork.queries.js';
import { buildChecklist, type ChecklistCase } from './checklist.js';
import { dailyQuota } from './visit-rules.js';
import { dayBounds, householdStatuses, today, type HouseholdStatus } from './fieldwork.service.js';
import { presentRule, presentStatus } from './fieldwork.present.js';

/** The households of every unit where the caller records field work (a grid worker: their grid). */
async function ownHouseholds(ctx: AppContext, actor: Actor, now: Date): Promise<{ households: HouseholdStatus[]; rules: Q.RuleRow[]; quota: number | null }> {
  const scopes = actor.scopesFor(P.record);
  const households: HouseholdStatus[] = [];
  const rules = new Map<string, Q.RuleRow>();
  let quota: number | null = null;
  for (const path of scopes) {
    const got = await householdStatuses(ctx.db, actor, { path, permission: P.record, now });
    households.push(...got.households);
    for (const r of got.rules) rules.set(r.id, r);
    const q = dailyQuota(path, got.rules);
    if (q !== null) quota = Math.max(quota ?? 0, q);
  }
  return { households, rules: [...rules.values()], quota };
}

const toCase = (now: Date) => (r: Q.ChecklistCaseRow): ChecklistCase => ({
  id: r.id, number: r.number, description: r.description, state: r.state, deadline: r.stage_deadline,
  overdueLevel: overdueNow(r, now), lng: r.lng, lat: r.lat, actedToday: r.acted_today,
});

/** The caller's checklist for a day (today by default), built from what is recorded now. */
export async function checklistFor(
  ctx: AppContext, actor: Actor, locale: Locale, q: { date?: string; lng?: number; lat?: number },
): Promise<S.ChecklistView> {
  const now = ctx.clock.now();
  const date = q.date ?? today(ctx);
  const [start, end] = dayBounds(date);
  // Another day is seen as at its noon: what will be (or was) due then.
  const at = date === today(ctx) ? now : new Date(start.getTime() + 12 * 3600_000);
  const own = await ownHouseholds(ctx, actor, at);
  const [visitedToday, mine, open, verify] = await Promise.all([
    Q.householdsVisitedIn(ctx.db, own.households.map((h) => h.id), start, end),
    Q.visitsBy(ctx.db, actor.userId, start, end),
    Q.openCasesOf(ctx.db, actor, start, end),
    Q.casesToVerify(ctx.db, actor, start, end),
  ]);
  const built = buildChecklist({
    date,
    households: own.households.map((h) => ({
      id: h.id, room: h.room, buildingId: h.building_id, buildingName: h.building_name, lng: h.lng, lat: h.lat,
      tags: h.tagCodes, status: h.status, visitedToday: visitedToday.has(h.id),
    })),
    openCases: open.map(toCase(now)),
    toVerify: verify.map(toCase(now)),
    quota: own.quota,
    visitsToday: mine.count,
    position: q.lng !== undefined && q.lat !== undefined ? { lng: q.lng, lat: q.lat } : null,
  });
  const byId = new Map(own.households.map((h) => [h.id, h]));
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  const caseOut = (c: (typeof built.cases)[number]) => ({ ...c, deadline: iso(c.deadline) });
  return {
    date: built.date,
    quota: built.quota,
    visits: {
      total: built.visits.total,
      ticked: built.visits.ticked,
      buildings: built.visits.buildings.map((b) => ({
        ...b,
        items: b.items.map((i) => {
          const h = byId.get(i.householdId)!;
          return { ...i, tags: visibleTags(actor, h.unit_path, h.visibleTags as TagRow[], locale), lastVisitAt: iso(i.lastVisitAt) };
        }),
      })),
    },
    cases: built.cases.map(caseOut),
    verify: built.verify.map(caseOut),
    omitted: [translate(locale, 'fieldwork.omitted.notices')],
  };
}

/**
 * What the phone caches to work without signal: the caller's own grid(s) — buildings, households with
 * their visit status, residents masked exactly as the registry API masks them — the rules in force
 * and today's checklist. Nothing outside the units where the caller records field work.
 */
export async function offlinePack(ctx: AppContext, actor: Actor, locale: Locale): Promise<S.OfflinePackView> {
  const now = ctx.clock.now();
  const own = await ownHouseholds(ctx, actor, now);
  const scopes = actor.scopesFor(P.record);
  const grids = await Q.unitsByPaths(ctx.db, scopes);
  const buildings = new Map<string, S.OfflinePackView['buildings'][number]>();
  for (const h of own.households) {
    if (!buildings.has(h.building_id)) {
      buildings.set(h.building_id, { id: h.building_id, name: h.building_name, address: h.building_address, lng: h.lng, lat: h.lat, floors: h.building_floors });
    }
  }
  let rows: ResidentRow[] = [];
  if (scopes.length) {
    rows = await ctx.db.selectFrom('resident as r')
      .leftJoin('household as h', 'h.id', 'r.household_id')
      .leftJoin('building as b', 'b.id', 'h.building_id')
      .leftJoin('entrance as e', 'e.id', 'h.entrance_id')
      .selectAll('r')
      .select(['h.room as hh_room', 'h.floor as hh_floor', 'h.building_id as hh_building_id', 'b.name as b_name', 'b.address as b_address', 'e.name as e_name'])
      .where('r.status', '=', 'active')
      // Only the caller's own grid(s), and only people the registry would show them.
      .where(inScope(actor, P.record, 'r.unit_path'))
      .where(inScope(actor, 'registry.read', 'r.unit_path'))
      .orderBy('r.id').execute();
  }
  const residents = await presentResidents(ctx.db, actor, ctx.cipher, rows, locale, now);
  return {
    generatedAt: now.toISOString(),
    grids: grids.map((g) => ({ id: g.id, name: g.name, level: g.level as S.OfflinePackView['grids'][number]['level'], code: g.code })),
    buildings: [...buildings.values()],
    households: own.households.map((h) => ({ ...presentStatus(actor, h, locale), floor: h.floor, entranceName: h.entrance_name, usage: h.usage })),
    residents,
    rules: own.rules.map((r) => presentRule(actor, r)),
    checklist: await checklistFor(ctx, actor, locale, {}),
  };
}
