import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import type { Actor } from '../../core/access/actor.js';
import type { Executor } from '../../core/db/index.js';
import { abilities } from '../../core/access/scope.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { notFound } from '../../core/http/errors.js';
import type { Locale } from '../../../shared/i18n/index.js';
import { IdParam } from '../../../shared/registry/common.schemas.js';
import * as S from '../../../shared/registry/buildings.schemas.js';
import { P } from './registry.policy.js';
import * as Q from './buildings.queries.js';
import { tagsOf, visibleTags } from './tags.queries.js';
import { createBuilding, createEntrance, createHousehold, updateBuilding, updateHousehold } from './buildings.service.js';

type Usage = (typeof S.HOUSEHOLD_USAGES)[number];
type BuildingType = (typeof S.BUILDING_TYPES)[number];

/** The calendar date in China of an instant: ages are counted in local days. */
function chinaDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Whole years from `birth` to `on` (both YYYY-MM-DD). */
export function ageOn(birth: string | null, on: string): number | null {
  if (!birth) return null;
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  const age = y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
  return age >= 0 ? age : null;
}

/** The fields of buildings that leave the server, with their grid and community and what the caller may do. */
export async function presentBuildings(db: Executor, actor: Actor, rows: Q.BuildingRow[]): Promise<S.BuildingView[]> {
  const place = await Q.placesOf(db, rows.map((r) => r.unit_path));
  return rows.map((b) => ({
    id: b.id,
    name: b.name,
    address: b.address,
    lng: b.lng,
    lat: b.lat,
    floors: b.floors,
    buildingType: b.building_type as BuildingType,
    unit: { id: b.unit_id, name: b.unit_name, level: b.unit_level, code: b.unit_code },
    ...place(b.unit_path),
    householdCount: Number(b.household_count),
    residentCount: Number(b.resident_count),
    createdAt: b.created_at.toISOString(),
    updatedAt: b.updated_at.toISOString(),
    abilities: abilities(actor, b.unit_path, { update: P.write }),
  }));
}

export function buildingsRoutes(api: Api, ctx: AppContext): void {
  const tags = ['registry'];
  const read = { permission: P.read };
  const write = { permission: P.write };

  const building = async (actor: Actor, id: string): Promise<S.BuildingDetail> => {
    const row = await Q.findBuildingInScope(ctx.db, actor, id);
    if (!row) throw notFound();
    const [view, entrances] = await Promise.all([presentBuildings(ctx.db, actor, [row]), Q.entrancesOf(ctx.db, row.id)]);
    return { ...view[0]!, entrances: entrances.map((e) => ({ id: e.id, name: e.name, householdCount: Number(e.household_count) })) };
  };

  const household = async (actor: Actor, id: string, locale: Locale): Promise<S.HouseholdView> => {
    const h = await Q.findHouseholdInScope(ctx.db, actor, id);
    if (!h) throw notFound();
    const members = await Q.membersOf(ctx.db, actor, h.id);
    const [ownTags, memberTags] = await Promise.all([
      tagsOf(ctx.db, 'household_tag', [h.id]),
      tagsOf(ctx.db, 'resident_tag', members.map((m) => m.id)),
    ]);
    const today = chinaDate(ctx.clock.now());
    return {
      id: h.id,
      room: h.room,
      floor: h.floor,
      usage: h.usage as Usage,
      building: { id: h.building_id, name: h.building_name, address: h.building_address },
      entrance: h.entrance_id && h.entrance_name !== null ? { id: h.entrance_id, name: h.entrance_name } : null,
      unit: { id: h.unit_id, name: h.unit_name, level: h.unit_level, code: h.unit_code },
      tags: visibleTags(actor, h.unit_path, ownTags.get(h.id), locale),
      members: members.map((m) => ({
        id: m.id,
        name: m.name,
        gender: m.gender,
        age: ageOn(m.birth_date, m.status === 'deceased' && m.deceased_on ? m.deceased_on : today),
        relation: m.relation,
        status: m.status,
        tags: visibleTags(actor, m.unit_path, memberTags.get(m.id), locale),
      })),
      createdAt: h.created_at.toISOString(),
      abilities: abilities(actor, h.unit_path, { update: P.write }),
    };
  };

  api.get('/buildings', {
    config: read,
    schema: { tags, summary: 'Buildings in your scope, by name or address', querystring: S.BuildingListQuery, response: { 200: S.BuildingList } },
  }, async (req) => {
    const actor = actorOf(req);
    let subtree: string | null = null;
    if (req.query.unitId) {
      const unit = await Q.findUnitInScope(ctx.db, actor, req.query.unitId);
      if (!unit) throw notFound();
      subtree = unit.path;
    }
    const { rows, total } = await Q.listBuildings(ctx.db, actor, req.query, subtree);
    return { items: await presentBuildings(ctx.db, actor, rows), total };
  });

  api.post('/buildings', {
    config: write,
    schema: { tags, summary: 'Record a building in a grid or micro-grid: the one given, or the one whose boundary holds its lng/lat', body: S.CreateBuildingInput, response: { 201: S.BuildingDetail } },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const id = await createBuilding(ctx.db, actor, auditContext(req), req.body);
    return reply.status(201).send(await building(actor, id));
  });

  api.get('/buildings/:id', {
    config: read,
    schema: { tags, summary: 'A building, its entrances and how many households and residents it holds', params: IdParam, response: { 200: S.BuildingDetail } },
  }, async (req) => building(actorOf(req), req.params.id));

  api.patch('/buildings/:id', {
    config: write,
    schema: { tags, summary: 'Change a building’s name, address, location, floors or type', params: IdParam, body: S.UpdateBuildingInput, response: { 200: S.BuildingDetail } },
  }, async (req) => {
    const actor = actorOf(req);
    await updateBuilding(ctx.db, actor, auditContext(req), req.params.id, req.body, ctx.clock.now());
    return building(actor, req.params.id);
  });

  api.post('/buildings/:id/entrances', {
    config: write,
    schema: { tags, summary: 'Add an entrance (单元) to a building', params: IdParam, body: S.CreateEntranceInput, response: { 201: S.EntranceView } },
  }, async (req, reply) => {
    const id = await createEntrance(ctx.db, actorOf(req), auditContext(req), req.params.id, req.body.name);
    return reply.status(201).send({ id, name: req.body.name, householdCount: 0 });
  });

  api.get('/buildings/:id/view', {
    config: read,
    schema: { tags, summary: '以房找人: the building floor by floor and entrance by entrance, each household with its tags', params: IdParam, response: { 200: S.BuildingFloorView } },
  }, async (req): Promise<S.BuildingFloorView> => {
    const actor = actorOf(req);
    const row = await Q.findBuildingInScope(ctx.db, actor, req.params.id);
    if (!row) throw notFound();
    const [view, entrances, households] = await Promise.all([
      presentBuildings(ctx.db, actor, [row]), Q.entrancesOf(ctx.db, row.id), Q.householdsOfBuilding(ctx.db, actor, row.id),
    ]);
    const cellTags = await Q.cellTagsOf(ctx.db, actor, households.map((h) => h.id));

    const columns: { id: string | null; name: string | null }[] = entrances.map((e) => ({ id: e.id, name: e.name }));
    if (households.some((h) => h.entrance_id === null)) columns.push({ id: null, name: null });
    // Every floor of the building, top down, and any other floor a household is recorded on (basements).
    const floorSet = new Set<number>();
    for (let f = row.floors ?? 0; f >= 1; f--) floorSet.add(f);
    for (const h of households) if (h.floor !== null) floorSet.add(h.floor);
    const floors: (number | null)[] = [...floorSet].sort((a, b) => b - a);
    if (households.some((h) => h.floor === null)) floors.push(null);

    const cells = new Map<string, S.BuildingFloorView['floors'][number]['cells'][number]['households']>();
    const cellKey = (floor: number | null, entranceId: string | null) => `${floor}|${entranceId}`;
    for (const h of households) {
      const key = cellKey(h.floor, h.entrance_id);
      const list = cells.get(key) ?? [];
      list.push({
        id: h.id,
        room: h.room,
        usage: h.usage as Usage,
        memberCount: Number(h.member_count),
        tags: visibleTags(actor, h.unit_path, cellTags.get(h.id), req.locale),
      });
      cells.set(key, list);
    }
    return {
      building: view[0]!,
      entrances: columns,
      floors: floors.map((floor) => ({
        floor,
        cells: columns.map((col) => ({ entranceId: col.id, households: cells.get(cellKey(floor, col.id)) ?? [] })),
      })),
    };
  });

  api.post('/households', {
    config: write,
    schema: { tags, summary: 'Record a household (户) in a building', body: S.CreateHouseholdInput, response: { 201: S.HouseholdView } },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const id = await createHousehold(ctx.db, actor, auditContext(req), req.body);
    return reply.status(201).send(await household(actor, id, req.locale));
  });

  api.get('/households/:id', {
    config: read,
    schema: { tags, summary: 'A household, its tags and the people recorded in it (以房找人)', params: IdParam, response: { 200: S.HouseholdView } },
  }, async (req) => household(actorOf(req), req.params.id, req.locale));

  api.patch('/households/:id', {
    config: write,
    schema: { tags, summary: 'Change a household’s room, floor, use or tags', params: IdParam, body: S.UpdateHouseholdInput, response: { 200: S.HouseholdView } },
  }, async (req) => {
    const actor = actorOf(req);
    await updateHousehold(ctx.db, actor, auditContext(req), req.params.id, req.body);
    return household(actor, req.params.id, req.locale);
  });
}
