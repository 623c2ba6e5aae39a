import type { Boundary } from '../../src/shared/hierarchy.schemas.js';
import type { DistrictDivisions } from '../../src/server/demo/divisions.js';
import { boxPolygon, cuts, type Box } from '../../src/server/demo/geometry.js';
import type { Random } from '../../src/server/demo/random.js';

/**
 * The shape of a generated district, scaled from its number of residents: about 100 000 residents a
 * street, 12 communities a street, 10 grids a community, 830 residents a grid (1 000 000 → 10
 * streets, 120 communities, 1 200 grids). Streets and communities are 汉阳区's real ones (official
 * codes) as far as they go, generated names beyond. Boxes tile the district: streets tile it,
 * communities tile their street, grids their community — no gaps, no overlaps.
 */

export interface PlannedUnit {
  id: string;
  parentId: string | null;
  level: 'district' | 'street' | 'community' | 'grid';
  code: string;
  name: string;
  path: string;
  regionCode: string;
  box: Box;
  boundary: Boundary | null;
}

export interface DistrictPlan {
  district: PlannedUnit;
  streets: PlannedUnit[];
  communities: PlannedUnit[];
  grids: PlannedUnit[];
  /** Residents each grid is to hold (they sum to the total asked). */
  gridResidents: Map<string, number>;
}

/** 汉阳区, roughly: the box the streets tile. */
export const DISTRICT_BOX: Box = { west: 114.135, south: 30.47, east: 114.29, north: 30.6 };

export function scale(residents: number): { streets: number; communities: number; grids: number } {
  const grids = Math.max(8, Math.round(residents / 830));
  const communities = Math.max(4, Math.round(grids / 10));
  const streets = Math.max(2, Math.round(communities / 12));
  return { streets, communities, grids };
}

/** Split `total` into parts proportional to `weights` (largest remainder), each at least `min`. */
export function apportion(total: number, weights: number[], min = 1): number[] {
  const n = weights.length;
  if (total < n * min) throw new Error(`cannot split ${total} into ${n} parts of at least ${min}`);
  const sum = weights.reduce((s, w) => s + w, 0);
  const free = total - n * min;
  const exact = weights.map((w) => (free * w) / sum);
  const parts = exact.map((x) => min + Math.floor(x));
  let left = total - parts.reduce((s, p) => s + p, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k++, left--) parts[order[k % n]![1]]! += 1;
  return parts;
}

/**
 * Tile a box with `n` boxes: rows as the box's proportions suggest (in metres), the tiles spread
 * evenly over the rows, every row cut at uneven widths. Order: north to south, west to east.
 */
export function tile(box: Box, n: number, rnd: Random): Box[] {
  const midLat = ((box.north + box.south) / 2) * (Math.PI / 180);
  const width = (box.east - box.west) * Math.cos(midLat);
  const height = box.north - box.south;
  const rows = Math.max(1, Math.min(n, Math.round(Math.sqrt((n * height) / width))));
  const perRow = apportion(n, Array.from({ length: rows }, () => 1));
  const ys = cuts(box.north, box.south, rows, rnd);
  const tiles: Box[] = [];
  perRow.forEach((cols, r) => {
    const xs = cuts(box.west, box.east, cols, rnd);
    for (let c = 0; c < cols; c++) tiles.push({ west: xs[c]!, east: xs[c + 1]!, north: ys[r]!, south: ys[r + 1]! });
  });
  return tiles;
}

const STREET_NAMES = ['汉江', '墨水湖', '知音', '归元', '十里铺', '黄金口', '三里坡', '米粮山', '龟山', '莲花湖', '锅顶山', '老关'];
const COMMUNITY_FIRST = ['晴川', '月湖', '琴台', '龙阳', '汉江', '鹦鹉', '知音', '墨水', '四新', '江城', '锦绣', '新城', '归元', '翠微', '梅子', '芳草', '滨江', '建港', '杨泗', '莲花'];
const COMMUNITY_SECOND = ['花园', '新村', '家园', '雅苑', '名居', '东', '西', '南', '北', '里', '湾', '苑'];
const NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
/** 第一网格 … 第十网格, 第十一网格 … 第十九网格, then 第20网格 …: the (i + 1)-th grid. */
const gridName = (i: number) => (i < 10 ? `第${NUMERALS[i]}网格` : i < 19 ? `第十${NUMERALS[i - 10]}网格` : `第${i + 1}网格`);

/**
 * Plan the units. `nextId` hands out unit ids (the path holds them); `divisions` is 汉阳区's real
 * tree. Deterministic for the Random given.
 */
export function planDistrict(residents: number, divisions: DistrictDivisions, rnd: Random, nextId: () => string): DistrictPlan {
  const size = scale(residents);
  const regionCode = divisions.code.slice(0, 6);
  const unit = (parent: PlannedUnit | null, level: PlannedUnit['level'], code: string, name: string, box: Box, boundary: boolean): PlannedUnit => {
    const id = nextId();
    return {
      id, parentId: parent?.id ?? null, level, code, name, path: parent ? `${parent.path}.${id}` : id, regionCode,
      box, boundary: boundary ? boxPolygon(box) : null,
    };
  };
  const district = unit(null, 'district', divisions.code, divisions.name, DISTRICT_BOX, false);

  // Streets: the real ones first (by code), generated beyond; communities apportioned by the real counts.
  const realStreets = divisions.streets.slice(0, size.streets);
  const weights = Array.from({ length: size.streets }, (_, i) => realStreets[i]?.communities.length || 10);
  const communityCounts = apportion(size.communities, weights);
  const streetBoxes = tile(DISTRICT_BOX, size.streets, rnd);
  const streets: PlannedUnit[] = [];
  const communities: PlannedUnit[] = [];
  const usedNames = new Set<string>();
  let generatedCommunity = 0;
  for (let s = 0; s < size.streets; s++) {
    const real = realStreets[s];
    const code = real?.code ?? `${regionCode}${String(100 + s).padStart(3, '0')}000`;
    const name = real?.name ?? `${STREET_NAMES[(s - divisions.streets.length) % STREET_NAMES.length]}街道`;
    const street = unit(district, 'street', code, name, streetBoxes[s]!, true);
    streets.push(street);
    const boxes = tile(street.box, communityCounts[s]!, rnd);
    for (let c = 0; c < boxes.length; c++) {
      const realCommunity = real?.communities[c];
      let cname = realCommunity?.name;
      if (!cname) {
        do {
          const k = generatedCommunity++;
          const first = COMMUNITY_FIRST[k % COMMUNITY_FIRST.length]!;
          const second = COMMUNITY_SECOND[Math.floor(k / COMMUNITY_FIRST.length) % COMMUNITY_SECOND.length]!;
          const round = Math.floor(k / (COMMUNITY_FIRST.length * COMMUNITY_SECOND.length));
          cname = `${first}${second}${round ? round + 1 : ''}社区`;
        } while (usedNames.has(cname));
      }
      usedNames.add(cname);
      const ccode = realCommunity?.code ?? `${code.slice(0, 9)}${String(500 + c).padStart(3, '0')}`;
      communities.push(unit(street, 'community', ccode, cname, boxes[c]!, true));
    }
  }

  // Grids: apportioned to communities with some spread, each tiling its community.
  const gridCounts = apportion(size.grids, communities.map(() => rnd.between(0.7, 1.3)));
  const grids: PlannedUnit[] = [];
  communities.forEach((community, i) => {
    tile(community.box, gridCounts[i]!, rnd).forEach((b, g) => {
      grids.push(unit(community, 'grid', `${community.code}${String(g + 1).padStart(3, '0')}`, gridName(g), b, true));
    });
  });
  const perGrid = apportion(residents, grids.map(() => rnd.between(0.75, 1.25)), 0);
  const gridResidents = new Map(grids.map((g, i) => [g.id, perGrid[i]!]));
  return { district, streets, communities, grids, gridResidents };
}
