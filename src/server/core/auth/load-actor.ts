import type { Executor } from '../db/index.js';
import { Actor, type RoleBindingView } from '../access/actor.js';
import type { PermissionRegistry } from '../access/permissions.js';
import { isRole } from '../../../shared/roles.js';
import type { Locale } from '../../../shared/i18n/index.js';

export async function loadBindings(db: Executor, userId: string): Promise<RoleBindingView[]> {
  const rows = await db
    .selectFrom('role_binding as b')
    .innerJoin('unit as u', 'u.id', 'b.unit_id')
    .select(['b.id', 'b.role', 'b.unit_id', 'u.path', 'u.name', 'u.level'])
    .where('b.user_id', '=', userId)
    .orderBy('b.id')
    .execute();
  return rows.flatMap((r) =>
    isRole(r.role)
      ? [{ id: r.id, role: r.role, unitId: r.unit_id, unitPath: r.path, unitName: r.name, unitLevel: r.level }]
      : [],
  );
}

/** Build the Actor for an active user id, or null if the account is gone or disabled. */
export async function loadActor(db: Executor, registry: PermissionRegistry, userId: string): Promise<Actor | null> {
  const user = await db
    .selectFrom('app_user')
    .select(['id', 'username', 'display_name', 'unit_path', 'locale', 'is_active'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user || !user.is_active) return null;
  const bindings = await loadBindings(db, userId);
  return new Actor(user.id, user.username, user.display_name, user.unit_path, user.locale as Locale, bindings, registry);
}
