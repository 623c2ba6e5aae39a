import { demoCareTags } from '../../src/server/demo/care-tags.js';
import { spreadPoints } from '../../src/server/demo/geometry.js';
import { PeopleFactory, type PlannedResident } from '../../src/server/demo/people.js';
import { buildingShape, usageOf, type Profile } from '../../src/server/demo/plan.js';
import type { PlannedHousehold } from '../../src/server/demo/plan.js';
import type { Random } from '../../src/server/demo/random.js';
import { nameKeys } from '../../src/server/modules/registry/pinyin.js';
import type { BulkCipher } from './cipher.js';
import type { CopyTable } from './copy.js';
import type { PlannedUnit } from './district.js';

/**
 * The registry of one grid at a time (人·房): buildings on a jittered lattice inside the grid,
 * entrances, flats floor by floor, the families of the demo's PeopleFactory in them (names, ages
 * that hang together, unique GB 11643 ID numbers, phones), their care tags by the demo's rules —
 * stored as the registry stores them: ID numbers and phones encrypted with a blind index beside,
 * pinyin keys of the name. A grid's people fill flats until the grid holds the residents asked; the
 * flats left in its last building stand empty (a building still being let).
 */

export const REGISTRY_COLUMNS = {
  building: ['id', 'unit_id', 'unit_path', 'region_code', 'name', 'address', 'lng', 'lat', 'floors', 'building_type'],
  entrance: ['id', 'building_id', 'unit_id', 'unit_path', 'region_code', 'name'],
  household: ['id', 'building_id', 'entrance_id', 'unit_id', 'unit_path', 'region_code', 'room', 'floor', 'usage'],
  resident: ['id', 'household_id', 'unit_id', 'unit_path', 'region_code', 'name', 'gender', 'birth_date', 'id_number_enc', 'id_number_hash',
    'phone_enc', 'phone_hash', 'relation', 'residence_type', 'political_status', 'name_initials', 'name_pinyin'],
  // The resident's place on each tag (migrations/0021): the tags' COPY runs beside the residents', whose rows
  // it cannot see yet, so the path is given rather than looked up.
  resident_tag: ['resident_id', 'tag_id', 'unit_path'],
  household_tag: ['household_id', 'tag_id'],
} as const;

export type RegistryTables = { [K in keyof typeof REGISTRY_COLUMNS]: CopyTable };

/** The registry's relation codes for the planned relations (as the demo seed). */
const RELATION_CODES = { 户主: 'head', 配偶: 'spouse', 子女: 'child', 父母: 'parent', 其他: 'other' } as const;

const ROADS = ['汉阳大道', '龙阳大道', '琴台大道', '鹦鹉大道', '钟家村路', '建港路', '晴川大道', '汉阳正街', '显正街', '知音西村路',
  '墨水湖北路', '四新大道', '江城大道', '芳草路', '归元寺路', '拦江路', '五里墩路', '七里庙路', '动物园路', '玫瑰街'];

/** A building's place for the cases: its point and address, kept per grid. */
export interface BuildingPoint { lng: number; lat: number; address: string }

export class RegistryGenerator {
  private readonly people: PeopleFactory;
  private readonly names = new Map<string, { initials: string; full: string }>();
  private ids = { building: 0, entrance: 0, household: 0, resident: 0 };
  readonly counts = { buildings: 0, entrances: 0, households: 0, residents: 0, residentTags: 0, householdTags: 0 };
  private houseNumber = new Map<string, number>();

  constructor(
    private readonly rnd: Random,
    districtAddressCode: string,
    private readonly cipher: BulkCipher,
    private readonly tagIds: Map<string, string>,
    private readonly out: RegistryTables,
  ) {
    this.people = new PeopleFactory(rnd, districtAddressCode);
  }

  /** Pinyin keys from a table filled once per distinct name (a few thousand), not per person. */
  private keys(name: string) {
    let k = this.names.get(name);
    if (!k) { k = nameKeys(name); this.names.set(name, k); }
    return k;
  }

  /** One grid's buildings, entrances, households, residents and tags; returns its building points. */
  grid(grid: PlannedUnit, community: PlannedUnit, residents: number): BuildingPoint[] {
    const rnd = this.rnd;
    const profile: Profile = (['modern', 'old', 'mixed'] as const)[Number(community.code.slice(-2)) % 3]!;
    type Planned = { name: string; floors: number; entrances: { name: string; households: PlannedHousehold[] }[] };
    const buildings: Planned[] = [];
    let placed = 0;
    let buildingNo = 0;
    while (placed < residents || buildings.length === 0) {
      const shape = buildingShape(rnd, profile);
      const b: Planned = { name: `${++buildingNo}栋`, floors: shape.floors, entrances: [] };
      for (let e = 0; e < shape.entrances; e++) {
        const households: PlannedHousehold[] = [];
        for (let floor = 1; floor <= shape.floors; floor++) {
          for (let r = 1; r <= shape.rooms; r++) {
            const room = String(floor).padStart(2, '0') + String(e * shape.rooms + r).padStart(2, '0');
            if (placed >= residents) { households.push({ room, floor, usage: 'vacant', residents: [] }); continue; }
            const usage = usageOf(rnd, profile);
            let people: PlannedResident[] = this.people.household(usage);
            if (placed + people.length > residents) people = people.slice(0, residents - placed);
            placed += people.length;
            households.push({ room, floor, usage, residents: people });
          }
        }
        b.entrances.push({ name: `${e + 1}单元`, households });
      }
      buildings.push(b);
    }

    const road = ROADS[Number(grid.code.slice(-6)) % ROADS.length]!;
    const points = spreadPoints(grid.box, buildings.length, rnd);
    const scope = [grid.id, grid.path, grid.regionCode] as const;
    const out = this.out;
    const result: BuildingPoint[] = [];
    buildings.forEach((b, i) => {
      const buildingId = String(++this.ids.building);
      const n = (this.houseNumber.get(road) ?? 0) + 1 + rnd.int(0, 2);
      this.houseNumber.set(road, n);
      const address = `汉阳区${road}${n}号 ${b.name}`;
      const pt = points[i]!;
      out.building.add([buildingId, ...scope, b.name, address, pt.lng, pt.lat, b.floors, 'residential']);
      result.push({ lng: pt.lng, lat: pt.lat, address });
      this.counts.buildings++;
      for (const e of b.entrances) {
        const entranceId = String(++this.ids.entrance);
        out.entrance.add([entranceId, buildingId, ...scope, e.name]);
        this.counts.entrances++;
        for (const h of e.households) {
          const householdId = String(++this.ids.household);
          out.household.add([householdId, buildingId, entranceId, ...scope, h.room, h.floor, h.usage]);
          this.counts.households++;
          const tags = demoCareTags(h);
          for (const code of tags.household) {
            out.household_tag.add([householdId, this.tagIds.get(code)!]);
            this.counts.householdTags++;
          }
          h.residents.forEach((p, k) => {
            const residentId = String(++this.ids.resident);
            const keys = this.keys(p.name);
            const personTags = tags.residents[k]!;
            out.resident.add([
              residentId, householdId, ...scope, p.name, p.gender, p.birthDate,
              this.cipher.encrypt(p.idNumber), this.cipher.blindIndex(p.idNumber),
              p.phone ? this.cipher.encrypt(p.phone) : null, p.phone ? this.cipher.blindIndex(p.phone) : null,
              RELATION_CODES[p.relation], p.residenceType, personTags.includes('party_member') ? 'cpc_member' : null,
              keys.initials, keys.full,
            ]);
            this.counts.residents++;
            for (const code of personTags) {
              out.resident_tag.add([residentId, this.tagIds.get(code)!, grid.path]);
              this.counts.residentTags++;
            }
          });
        }
      }
    });
    return result;
  }
}
