import type { VisitState, VisitStatus } from './visit-rules.js';

/**
 * The day's checklist of a grid worker (每日工作清单), pure: the households due or overdue for a
 * visit, nearest building first and grouped by building; the worker's open cases with their
 * deadlines; the cases waiting for the worker's on-site verification; the daily visit quota. An item
 * is ticked once the work is recorded today (a visit to the household, a step on the case), so it
 * stays on the list, ticked, instead of vanishing.
 */

export interface ChecklistHousehold {
  id: string;
  room: string;
  buildingId: string;
  buildingName: string;
  /** The building's position, when known. */
  lng: number | null;
  lat: number | null;
  tags: string[];
  status: VisitStatus;
  /** Visited today (by anyone). */
  visitedToday: boolean;
}

export interface ChecklistCase {
  id: string;
  number: string;
  description: string;
  state: string;
  deadline: Date | null;
  overdueLevel: 'green' | 'yellow' | 'red';
  lng: number;
  lat: number;
  /** The worker recorded a step on it today. */
  actedToday: boolean;
}

export interface ChecklistInput {
  date: string;
  households: ChecklistHousehold[];
  openCases: ChecklistCase[];
  toVerify: ChecklistCase[];
  quota: number | null;
  visitsToday: number;
  position: { lng: number; lat: number } | null;
}

export interface ChecklistVisitItem {
  householdId: string;
  room: string;
  tags: string[];
  state: VisitState;
  nextDueDate: string | null;
  lastVisitAt: Date | null;
  daysOverdue: number;
  special: boolean;
  ticked: boolean;
}

export interface ChecklistBuilding {
  buildingId: string;
  buildingName: string;
  lng: number | null;
  lat: number | null;
  distanceM: number | null;
  items: ChecklistVisitItem[];
}

export interface ChecklistCaseItem extends Omit<ChecklistCase, 'actedToday'> {
  distanceM: number | null;
  ticked: boolean;
}

export interface Checklist {
  date: string;
  quota: { perDay: number | null; done: number; met: boolean };
  visits: { total: number; ticked: number; buildings: ChecklistBuilding[] };
  cases: ChecklistCaseItem[];
  verify: ChecklistCaseItem[];
}

const EARTH_M = 6_371_000;
const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle distance in metres (haversine). */
export function distanceM(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

const STATE_RANK: Record<VisitState, number> = { overdue: 0, due: 1, ok: 2, none: 3 };

const byRoom = (a: string, b: string) => a.localeCompare(b, 'zh-CN', { numeric: true });

function distanceFrom(position: ChecklistInput['position'], p: { lng: number | null; lat: number | null }): number | null {
  if (!position || p.lng === null || p.lat === null) return null;
  return Math.round(distanceM(position, { lng: p.lng, lat: p.lat }));
}

/** Nearest first; without a position (or a place), the most urgent first; then by name. */
function compareBuildings(a: ChecklistBuilding, b: ChecklistBuilding): number {
  if (a.distanceM !== null && b.distanceM !== null && a.distanceM !== b.distanceM) return a.distanceM - b.distanceM;
  if (a.distanceM !== null && b.distanceM === null) return -1;
  if (a.distanceM === null && b.distanceM !== null) return 1;
  const urgency = (x: ChecklistBuilding) => Math.min(...x.items.filter((i) => !i.ticked).map((i) => STATE_RANK[i.state]), 9);
  const u = urgency(a) - urgency(b);
  if (u !== 0) return u;
  return byRoom(a.buildingName, b.buildingName) || a.buildingId.localeCompare(b.buildingId);
}

function caseItems(list: ChecklistCase[], position: ChecklistInput['position']): ChecklistCaseItem[] {
  return list.map(({ actedToday, ...c }) => ({ ...c, distanceM: distanceFrom(position, c), ticked: actedToday }))
    .sort((a, b) => Number(a.ticked) - Number(b.ticked)
      || (a.deadline?.getTime() ?? Infinity) - (b.deadline?.getTime() ?? Infinity)
      || a.number.localeCompare(b.number));
}

export function buildChecklist(input: ChecklistInput): Checklist {
  const groups = new Map<string, ChecklistBuilding>();
  for (const h of input.households) {
    const pending = h.status.state === 'overdue' || h.status.state === 'due';
    if (!pending && !h.visitedToday) continue;
    let g = groups.get(h.buildingId);
    if (!g) {
      g = { buildingId: h.buildingId, buildingName: h.buildingName, lng: h.lng, lat: h.lat, distanceM: distanceFrom(input.position, h), items: [] };
      groups.set(h.buildingId, g);
    }
    g.items.push({
      householdId: h.id, room: h.room, tags: h.tags, state: h.status.state, nextDueDate: h.status.nextDueDate,
      lastVisitAt: h.status.lastVisitAt, daysOverdue: h.status.daysOverdue, special: h.status.special, ticked: h.visitedToday,
    });
  }
  const buildings = [...groups.values()];
  for (const g of buildings) {
    g.items.sort((a, b) => Number(a.ticked) - Number(b.ticked)
      || STATE_RANK[a.state] - STATE_RANK[b.state]
      || b.daysOverdue - a.daysOverdue
      || Number(b.special) - Number(a.special)
      || byRoom(a.room, b.room));
  }
  buildings.sort(compareBuildings);
  const items = buildings.flatMap((g) => g.items);
  return {
    date: input.date,
    quota: { perDay: input.quota, done: input.visitsToday, met: input.quota === null || input.visitsToday >= input.quota },
    visits: { total: items.length, ticked: items.filter((i) => i.ticked).length, buildings },
    cases: caseItems(input.openCases, input.position),
    verify: caseItems(input.toVerify, input.position),
  };
}
