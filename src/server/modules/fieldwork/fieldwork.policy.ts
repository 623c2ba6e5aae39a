import type { Permission } from '../../core/access/permissions.js';
import type { Role } from '../../../shared/roles.js';

/**
 * Grid worker field work. Recording (visits, patrols, the field diary, the day's checklist, the
 * offline pack) reaches the caller's own subtree — a grid worker's grid. Supervision (compliance per
 * worker and grid, a worker's day, the export) and configuring the visit rules belong to community,
 * street and district staff, each in their subtree.
 */
export const P = {
  record: 'fieldwork.record',
  supervise: 'fieldwork.supervise',
  configure: 'fieldwork.configure',
} as const satisfies Record<string, Permission>;

export const permissions: Record<Permission, string> = {
  [P.record]: 'Record visits, patrols and field diary entries in scope; the day’s checklist and the offline pack',
  [P.supervise]: 'See field work in scope: visit status, compliance per grid worker and grid, a worker’s day, the export',
  [P.configure]: 'Set the visit rules (frequency per care tag, every household, the daily quota) for a subtree',
};

export const grants: Partial<Record<Role, Permission[]>> = {
  grid_worker: [P.record],
  community_staff: [P.record, P.supervise, P.configure],
  street_staff: [P.supervise, P.configure],
  district_staff: [P.supervise, P.configure],
};
