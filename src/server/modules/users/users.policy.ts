import type { Actor } from '../../core/access/actor.js';
import type { Permission } from '../../core/access/permissions.js';
import { abilities } from '../../core/access/scope.js';
import type { Role } from '../../../shared/roles.js';

/**
 * 三权分立: the system admin keeps accounts, the security admin gives roles and handles locks and
 * second factors, the auditor reads the audit log and nothing else.
 */
export const P = {
  read: 'user.read',
  create: 'user.create',
  update: 'user.update',
  resetPassword: 'user.reset_password',
  unlock: 'user.unlock',
  resetMfa: 'user.reset_mfa',
  bindingRead: 'role_binding.read',
  bindingManage: 'role_binding.manage',
} as const satisfies Record<string, Permission>;

export const permissions: Record<Permission, string> = {
  [P.read]: 'List and read accounts whose unit is in scope',
  [P.create]: 'Create an account at a unit in scope',
  [P.update]: 'Change an account’s name, unit, or disable / enable it',
  [P.resetPassword]: 'Set a new password for an account',
  [P.unlock]: 'Lift a lockout after failed sign-ins',
  [P.resetMfa]: 'Remove an account’s authenticator so it enrols again',
  [P.bindingRead]: 'See the role bindings of accounts in scope',
  [P.bindingManage]: 'Give and take roles at units in scope',
};

export const grants: Partial<Record<Role, Permission[]>> = {
  system_admin: [P.read, P.create, P.update, P.resetPassword, P.unlock, P.bindingRead],
  security_admin: [P.read, P.unlock, P.resetMfa, P.bindingRead, P.bindingManage],
};

/**
 * What a caller may do to an account whose unit is at `unit_path`. One's own password, second
 * factor and roles are not changed through the administration: a stolen session must not be enough.
 */
export function userAbilities(actor: Actor, user: { id: string; unit_path: string }) {
  const other = actor.userId !== user.id;
  return abilities(actor, user.unit_path, {
    update: P.update,
    resetPassword: (a, path) => other && a.can(P.resetPassword, path),
    unlock: P.unlock,
    resetMfa: (a, path) => other && a.can(P.resetMfa, path),
    manageBindings: (a, path) => other && a.can(P.bindingManage, path),
  });
}
