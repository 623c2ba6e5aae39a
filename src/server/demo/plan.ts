import type { Boundary } from '../../shared/hierarchy.schemas.js';
import { boxPolygon, round6, splitBox, spreadPoints, tileBox, type Box } from './geometry.js';
import { PeopleFactory, type PlannedResident, type Usage } from './people.js';
import { Random } from './random.js';

/**
 * The detailed part of the demo district, planned in memory before anything is written: under three
 * real communities of 汉阳区 (those of the 湖北日报 report in seed 004), grids and micro-grids with
 * boundaries that tile the community, and in each micro-grid buildings, entrances, households and
 * residents. A seeded generator makes the plan the same on every install.
 */

export const DEMO_RANDOM_SEED = 20201222;

/** How old an estate is, which sets its buildings' shape and how many flats are let (also the generated district's). */
export type Profile = 'modern' | 'old' | 'mixed';

export interface DetailedCommunitySpec {
  code: string;
  /** Exactly this many grids, 第一网格 …. */
  grids: number;
  box: Box;
  /** The road the community's compounds are numbered on, and the first house number. */
  road: string;
  firstNumber: number;
  profile: Profile;
}

/** 龙湖东岸 (龙阳街道) has six grids: seed 004 names the grid worker of its 第六网格. */
export const DETAILED_COMMUNITIES: readonly DetailedCommunitySpec[] = [
  { code: '420105013007', grids: 6, box: { west: 114.2215, south: 30.5392, east: 114.2325, north: 30.5468 }, road: '龙阳大道', firstNumber: 58, profile: 'modern' },
  { code: '420105008011', grids: 5, box: { west: 114.2232, south: 30.5605, east: 114.2318, north: 30.5672 }, road: '汉阳大道', firstNumber: 702, profile: 'old' },
  { code: '420105008007', grids: 5, box: { west: 114.2068, south: 30.5528, east: 114.2151, north: 30.5590 }, road: '琴台大道', firstNumber: 301, profile: 'mixed' },
];

const NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
const ordinal = (i: number) => NUMERALS[i] ?? String(i + 1);

export interface PlannedHousehold {
  room: string;
  floor: number;
  usage: Usage;
  residents: PlannedResident[];
}
export interface PlannedEntrance {
  name: string;
  households: PlannedHousehold[];
}
export interface PlannedBuilding {
  name: string;
  address: string;
  lng: number;
  lat: number;
  floors: number;
  entrances: PlannedEntrance[];
}
export interface PlannedMicrogrid {
  code: string;
  name: string;
  box: Box;
  boundary: Boundary;
  buildings: PlannedBuilding[];
}
export interface PlannedGrid {
  code: string;
  name: string;
  box: Box;
  boundary: Boundary;
  microgrids: PlannedMicrogrid[];
}
export interface PlannedCommunity {
  code: string;
  box: Box;
  boundary: Boundary;
  grids: PlannedGrid[];
}

/** Floors, entrances and flats per floor and entrance of a building, as the estate's age suggests. */
export function buildingShape(rnd: Random, profile: Profile): { floors: number; entrances: number; rooms: number } {
  switch (profile) {
    case 'old': // a 1980s–90s estate without property management: walk-ups
      return { floors: rnd.weighted([[6, 7], [7, 3]]), entrances: rnd.weighted([[1, 6], [2, 3], [3, 1]]), rooms: rnd.weighted([[2, 8], [3, 2]]) };
    case 'modern': // a 2000s commercial estate: mid- and high-rise towers
      return { floors: rnd.weighted([[6, 2], [7, 2], [11, 4], [18, 1]]), entrances: rnd.weighted([[1, 9], [2, 1]]), rooms: rnd.weighted([[2, 7], [3, 2], [4, 1]]) };
    case 'mixed':
      return { floors: rnd.weighted([[6, 4], [7, 3], [9, 2], [11, 1], [16, 1]]), entrances: rnd.weighted([[1, 7], [2, 3]]), rooms: rnd.weighted([[2, 7], [3, 2], [4, 1]]) };
  }
}

export function usageOf(rnd: Random, profile: Profile): Usage {
  const rented = profile === 'old' ? 20 : profile === 'mixed' ? 15 : 12;
  return rnd.weighted([['owner_occupied', 86 - rented], ['rented', rented], ['vacant', 7]]);
}

/** Plan the grids, micro-grids, buildings, households and residents of the detailed communities. */
export function planDetailedCommunities(districtAddressCode: string, specs = DETAILED_COMMUNITIES, seed = DEMO_RANDOM_SEED): PlannedCommunity[] {
  const rnd = new Random(seed);
  const people = new PeopleFactory(rnd, districtAddressCode);
  return specs.map((spec) => {
    const box: Box = { west: round6(spec.box.west), south: round6(spec.box.south), east: round6(spec.box.east), north: round6(spec.box.north) };
    let buildingNo = 0;
    let compound = 0;
    const grids = tileBox(box, spec.grids, rnd).map((gridBox, g): PlannedGrid => {
      const gridCode = spec.code + String(g + 1).padStart(3, '0');
      const microgrids = splitBox(gridBox, rnd).map((mgBox, m): PlannedMicrogrid => {
        const houseNumber = spec.firstNumber + 2 * compound++;
        const points = spreadPoints(mgBox, rnd.int(3, 5), rnd);
        const buildings = points.map((pt): PlannedBuilding => {
          const name = `${++buildingNo}栋`;
          const shape = buildingShape(rnd, spec.profile);
          const entrances = Array.from({ length: shape.entrances }, (_, e): PlannedEntrance => {
            const households: PlannedHousehold[] = [];
            for (let floor = 1; floor <= shape.floors; floor++) {
              for (let r = 1; r <= shape.rooms; r++) {
                // Rooms are numbered through the building: entrance 2 of a two-flat block starts at 03.
                const room = String(floor).padStart(2, '0') + String(e * shape.rooms + r).padStart(2, '0');
                const usage = usageOf(rnd, spec.profile);
                households.push({ room, floor, usage, residents: people.household(usage) });
              }
            }
            return { name: `${e + 1}单元`, households };
          });
          return { name, address: `汉阳区${spec.road}${houseNumber}号 ${name}`, lng: pt.lng, lat: pt.lat, floors: shape.floors, entrances };
        });
        return { code: gridCode + String(m + 1).padStart(3, '0'), name: `第${ordinal(m)}微网格`, box: mgBox, boundary: boxPolygon(mgBox), buildings };
      });
      return { code: gridCode, name: `第${ordinal(g)}网格`, box: gridBox, boundary: boxPolygon(gridBox), microgrids };
    });
    return { code: spec.code, box, boundary: boxPolygon(box), grids };
  });
}

export interface PlanCounts {
  grids: number;
  microgrids: number;
  buildings: number;
  entrances: number;
  households: number;
  residents: number;
}

export function countPlan(plan: PlannedCommunity[]): PlanCounts {
  const c: PlanCounts = { grids: 0, microgrids: 0, buildings: 0, entrances: 0, households: 0, residents: 0 };
  for (const community of plan) {
    for (const grid of community.grids) {
      c.grids++;
      for (const mg of grid.microgrids) {
        c.microgrids++;
        for (const b of mg.buildings) {
          c.buildings++;
          for (const e of b.entrances) {
            c.entrances++;
            c.households += e.households.length;
            for (const h of e.households) c.residents += h.residents.length;
          }
        }
      }
    }
  }
  return c;
}
