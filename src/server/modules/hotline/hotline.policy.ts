import type { Permission } from '../../core/access/permissions.js';
import type { Role } from '../../../shared/roles.js';

/**
 * 12345 hotline orders: the staff of the unit that receives them (district, street or community)
 * keep its hotline sources and import their exports. Everything is scoped to the sources' units.
 */
export const P = {
  import: 'hotline.import',
} as const satisfies Record<string, Permission>;

export const permissions: Record<Permission, string> = {
  [P.import]: 'Keep 12345 hotline sources and import their order exports as cases',
};

export const grants: Partial<Record<Role, Permission[]>> = {
  district_staff: [P.import],
  street_staff: [P.import],
  community_staff: [P.import],
};

/** Units that receive hotline orders. */
export const SOURCE_UNIT_LEVELS: readonly string[] = ['district', 'street', 'community'];
