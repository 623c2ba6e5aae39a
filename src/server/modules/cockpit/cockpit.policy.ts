import type { Permission } from '../../core/access/permissions.js';
import type { Role } from '../../../shared/roles.js';

/**
 * The cockpit 数据驾驶舱: figures of the case closed loop for a subtree and a period. District and
 * street staff read their district's or street's; community staff their community's.
 */
export const P = {
  read: 'cockpit.read',
} as const satisfies Record<string, Permission>;

export const permissions: Record<Permission, string> = {
  [P.read]: 'Read the cockpit (数据驾驶舱): case volumes, response, resolution, satisfaction and on-time rates of a subtree',
};

export const grants: Partial<Record<Role, Permission[]>> = {
  district_staff: [P.read],
  street_staff: [P.read],
  community_staff: [P.read],
};
