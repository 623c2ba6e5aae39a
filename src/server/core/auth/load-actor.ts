import { sql } from 'kysely';
import { prepared, type Executor } from '../db/index.js';
import type { AppContext } from '../context.js';
import { hashToken, type LiveSession } from './sessions.js';
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

/**
 * The session behind a cookie token, if it is still alive (not past its absolute lifetime, used within
 * the idle timeout), and its caller — in one round trip: every API request asks, and three queries
 * (session, account, bindings) were a large share of a short request's time. A dead session is
 * deleted; last_seen_at is refreshed at most once a minute, so a busy user does not write on every
 * request; a session waiting for its second factor has no actor, nor has a disabled account. The
 * same query reads the version of the reference data (core/reference.ts) the request may rely on.
 */
export async function loadCaller(db: Executor, ctx: AppContext, token: string): Promise<{ session: LiveSession; actor: Actor | null } | null> {
  const id = hashToken(token);
  const row = (await sql<{
    user_id: string; last_seen_at: Date; expires_at: Date; mfa_pending: boolean;
    username: string; display_name: string; unit_path: string; locale: string; is_active: boolean;
    bindings: { id: string; role: string; unit_id: string; path: string; name: string; level: string }[];
    reference_version: string;
  }>`${prepared}
    SELECT s.user_id::text AS user_id, s.last_seen_at, s.expires_at, s.mfa_pending,
      u.username, u.display_name, u.unit_path::text AS unit_path, u.locale, u.is_active,
      (SELECT coalesce(json_agg(json_build_object('id', b.id::text, 'role', b.role, 'unit_id', b.unit_id::text,
          'path', un.path::text, 'name', un.name, 'level', un.level) ORDER BY b.id), '[]'::json)
        FROM role_binding b JOIN unit un ON un.id = b.unit_id WHERE b.user_id = s.user_id) AS bindings,
      (SELECT version::text FROM reference_version) AS reference_version
    FROM session s JOIN app_user u ON u.id = s.user_id
    WHERE s.id = ${id}`.execute(db)).rows[0];
  if (!row) return null;
  const now = ctx.clock.now().getTime();
  const idleLimit = ctx.config.sessionIdleMinutes * 60_000;
  if (row.expires_at.getTime() <= now || row.last_seen_at.getTime() + idleLimit <= now) {
    await db.deleteFrom('session').where('id', '=', id).execute();
    return null;
  }
  if (now - row.last_seen_at.getTime() > 60_000) {
    await db.updateTable('session').set({ last_seen_at: new Date(now) }).where('id', '=', id).execute();
  }
  const session: LiveSession = { id, userId: row.user_id, mfaPending: row.mfa_pending };
  if (row.mfa_pending || !row.is_active) return { session, actor: null };
  const bindings: RoleBindingView[] = row.bindings.flatMap((b) =>
    isRole(b.role) ? [{ id: b.id, role: b.role, unitId: b.unit_id, unitPath: b.path, unitName: b.name, unitLevel: b.level }] : []);
  return { session, actor: new Actor(row.user_id, row.username, row.display_name, row.unit_path, row.locale as Locale, bindings, ctx.permissions, row.reference_version) };
}
