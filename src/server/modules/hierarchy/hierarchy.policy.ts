import type { Actor } from '../../core/access/actor.js';
import type { Permission } from '../../core/access/permissions.js';
import { abilities } from '../../core/access/scope.js';
import { childLevel, type Role, type UnitLevel } from '../../../shared/roles.js';

export const P = {
  read: 'unit.read',
  create: 'unit.create',
  update: 'unit.update',
  move: 'unit.move',
  delete: 'unit.delete',
} as const satisfies Record<string, Permission>;

export const permissions: Record<Permission, string> = {
  [P.read]: 'Browse the units of the hierarchy in scope',
  [P.create]: 'Create a unit under a unit in scope',
  [P.update]: 'Rename a unit, change its code or boundary',
  [P.move]: 'Move a subtree to another parent',
  [P.delete]: 'Delete an empty unit',
};

const manage = [P.read, P.create, P.update, P.move, P.delete];
export const grants: Partial<Record<Role, Permission[]>> = {
  system_admin: manage,
  district_staff: manage,
  street_staff: manage,
  community_staff: manage,
  // Security admins pick units when they bind roles.
  security_admin: [P.read],
  grid_worker: [P.read],
  department_handler: [P.read],
};

/**
 * What a caller may do to a unit. Moving and deleting stop at the root of one's own scope: a
 * community secretary cannot move or delete their own community.
 */
export function unitAbilities(actor: Actor, unit: { path: string; level: UnitLevel }) {
  return abilities(actor, unit.path, {
    createChild: (a, path) => childLevel(unit.level) !== null && a.can(P.create, path),
    update: P.update,
    move: (a, path) => a.canBelowRoot(P.move, path),
    delete: (a, path) => a.canBelowRoot(P.delete, path),
  });
}
