import type { PlannedHousehold } from './plan.js';
import { REFERENCE_YEAR, type PlannedResident } from './people.js';

/** A stable number 0–99 for a person, from their ID number (FNV-1a), so the demo tags the same people every time. */
function percentile(p: PlannedResident, salt: string): number {
  let h = 0x811c9dc5;
  for (const ch of salt + p.idNumber) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 100;
}

const ageOf = (p: PlannedResident) => REFERENCE_YEAR - Number(p.birthDate.slice(0, 4));

/**
 * The care tags (七色信息牌) of a demo household and its people, by rule: elderly living alone, empty
 * nests, the very old, floating population, rented flats, and a small share of disability, low
 * income, veterans and party members — in proportions a community would recognise.
 */
export function demoCareTags(h: PlannedHousehold): { household: string[]; residents: string[][] } {
  const household = new Set<string>();
  const people = h.residents;
  const elderly = people.length > 0 && people.every((p) => ageOf(p) >= 60);
  if (h.usage === 'rented') household.add('short_rent');
  else if (h.usage === 'owner_occupied' && people.length > 0 && people.every((p) => p.residenceType === 'registered')) household.add('long_term');
  if (elderly && people.length === 1) household.add('living_alone');
  if (elderly && people.length === 2) household.add('empty_nest');
  const residents = people.map((p) => {
    const tags: string[] = [];
    const age = ageOf(p);
    if (elderly && people.length === 1) tags.push('living_alone');
    if (elderly && people.length === 2) tags.push('empty_nest');
    if (age >= 80) tags.push('elderly_80');
    if (p.residenceType === 'floating') tags.push('floating');
    if (percentile(p, 'disabled') < 3) tags.push('disabled');
    if (p.relation === '户主' && percentile(p, 'low_income') < 3) {
      tags.push('low_income');
      household.add('low_income');
    }
    if (p.gender === 'male' && age >= 35 && age <= 80 && percentile(p, 'veteran') < 5) tags.push('veteran');
    if (age >= 18 && percentile(p, 'party') < 8) tags.push('party_member');
    return tags;
  });
  return { household: [...household], residents };
}
