import type { Permission } from '../../core/access/permissions.js';
import type { Role } from '../../../shared/roles.js';

export const P = {
  read: 'audit.read',
  export: 'audit.export',
} as const satisfies Record<string, Permission>;

export const permissions: Record<Permission, string> = {
  [P.read]: 'Search the audit log within scope',
  [P.export]: 'Export the audit log within scope',
};

/** Only the auditor: the system admin can neither read nor erase the log. */
export const grants: Partial<Record<Role, Permission[]>> = {
  auditor: [P.read, P.export],
};
