import type { Permission } from '../../core/access/permissions.js';
import type { Role } from '../../../shared/roles.js';

/**
 * The registry 人·房·地·物·组织. Personal data (ID numbers, phones) is masked for everyone; revealing
 * it needs 'registry.reveal', a reason, and leaves an audit row. Sensitive care tags (disability,
 * low income, community correction …) are shown only with 'registry.sensitive_tags'.
 */
export const P = {
  read: 'registry.read',
  write: 'registry.write',
  reveal: 'registry.reveal',
  sensitiveTags: 'registry.sensitive_tags',
  import: 'registry.import',
  export: 'registry.export',
  manageTags: 'care_tag.manage',
} as const satisfies Record<string, Permission>;

export const permissions: Record<Permission, string> = {
  [P.read]: 'Read buildings, households, residents and organisations in scope (personal data masked)',
  [P.write]: 'Record and change registry entries in scope (history kept)',
  [P.reveal]: 'See a full ID number or phone, with a reason (audited)',
  [P.sensitiveTags]: 'See sensitive care tags (disability, low income, community correction …)',
  [P.import]: 'Import registry workbooks',
  [P.export]: 'Export registry ledgers',
  [P.manageTags]: 'Edit the care-tag catalogue',
};

export const grants: Partial<Record<Role, Permission[]>> = {
  district_staff: [P.read, P.write, P.export],
  street_staff: [P.read, P.write, P.reveal, P.sensitiveTags, P.import, P.export],
  community_staff: [P.read, P.write, P.reveal, P.sensitiveTags, P.import, P.export],
  // Grid workers visit the special households of their grid and call residents.
  grid_worker: [P.read, P.write, P.reveal, P.sensitiveTags],
  system_admin: [P.manageTags],
};
