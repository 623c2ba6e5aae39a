import type { Permission } from '../../core/access/permissions.js';
import type { Role } from '../../../shared/roles.js';

/**
 * Case settings. Categories and their time limits are one catalogue for the deployment: whoever holds
 * case_category.manage at a root of the tree (the district's grid centre) edits them. Departments serve
 * a district or a street: department.manage at that unit or above creates them and names their members.
 */
export const P = {
  manageCategories: 'case_category.manage',
  manageDepartments: 'department.manage',
} as const satisfies Record<string, Permission>;

export const permissions: Record<Permission, string> = {
  [P.manageCategories]: 'Edit the case categories, their time limits, levels and responsible departments (at a root unit)',
  [P.manageDepartments]: 'Create and rename the functional departments serving units in scope, and name their members',
};

export const grants: Partial<Record<Role, Permission[]>> = {
  district_staff: [P.manageCategories, P.manageDepartments],
  street_staff: [P.manageDepartments],
};
