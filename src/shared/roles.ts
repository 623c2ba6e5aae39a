/** The roles a user can hold at a unit of the tree. Each binding's unit is the role's scope. */
export const ROLES = [
  'system_admin',
  'security_admin',
  'auditor',
  'district_staff',
  'street_staff',
  'community_staff',
  'grid_worker',
  'department_handler',
  'party_member',
  'volunteer',
  'resident',
] as const;
export type Role = (typeof ROLES)[number];

export function isRole(x: string): x is Role {
  return (ROLES as readonly string[]).includes(x);
}

/** Staff roles get the staff password policy; the others the resident one. */
export const STAFF_ROLES: readonly Role[] = [
  'system_admin', 'security_admin', 'auditor', 'district_staff', 'street_staff',
  'community_staff', 'grid_worker', 'department_handler',
];

export const UNIT_LEVELS = ['province', 'city', 'district', 'street', 'community', 'grid', 'microgrid'] as const;
export type UnitLevel = (typeof UNIT_LEVELS)[number];

/** The level a child of a unit at `level` must have, or null for the leaves. */
export function childLevel(level: UnitLevel): UnitLevel | null {
  const i = UNIT_LEVELS.indexOf(level);
  return UNIT_LEVELS[i + 1] ?? null;
}
