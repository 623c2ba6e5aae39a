import type { Permission } from '../../core/access/permissions.js';
import type { Role } from '../../../shared/roles.js';

/**
 * The case closed loop. Permissions are held at a unit and reach its subtree; what a caller may do
 * to one case is then decided by their capacities for it (see cases.capacity.ts and case.machine.ts):
 * dispatcher — case.dispatch at the handling unit; handler — case.handle at the assignee unit of the
 * open work order, or membership of its department (case.department_handle); verifier — case.verify
 * at the case's grid; supervisor — case.supervise strictly above the handling unit; reporter — the
 * account that reported it, holding case.rate.
 */
export const P = {
  report: 'case.report',
  read: 'case.read',
  dispatch: 'case.dispatch',
  handle: 'case.handle',
  departmentHandle: 'case.department_handle',
  verify: 'case.verify',
  supervise: 'case.supervise',
  rate: 'case.rate',
} as const satisfies Record<string, Permission>;

export const permissions: Record<Permission, string> = {
  [P.report]: 'Report a case located in scope (随手拍、巡查上报)',
  [P.read]: 'See the cases that happened or are handled in scope',
  [P.dispatch]: 'Accept, reject, merge, dispatch, whistle, escalate and close cases handled in scope',
  [P.handle]: 'Claim, handle, feed back, return and escalate work orders dispatched to a unit in scope',
  [P.departmentHandle]: 'Handle the work orders dispatched to one’s department (membership decides which)',
  [P.verify]: 'Verify on site the handling of cases in one’s grid',
  [P.supervise]: 'Supervise (督办) cases handled below, decide extension requests, record follow-up calls',
  [P.rate]: 'Rate the handling of one’s own reports',
};

const STAFF = [P.report, P.read, P.dispatch, P.handle];

export const grants: Partial<Record<Role, Permission[]>> = {
  district_staff: [...STAFF, P.supervise],
  street_staff: [...STAFF, P.supervise],
  community_staff: [...STAFF],
  grid_worker: [P.report, P.read, P.handle, P.verify],
  department_handler: [P.departmentHandle],
  party_member: [P.report, P.rate],
  volunteer: [P.report, P.rate],
  resident: [P.report, P.rate],
};

/** Sources a caller without case.read (a resident) may report from; staff may use any but open311. */
export const RESIDENT_SOURCES = ['resident', 'captain'] as const;
/** Sources whose reporter rates the handling in Linli (a hotline caller is rated by follow-up call). */
export const RATED_SOURCES: readonly string[] = ['resident', 'captain'];
