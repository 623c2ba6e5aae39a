import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, Executor, UnitLevel } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import type { Permission } from '../../core/access/permissions.js';
import { inScope } from '../../core/access/scope.js';
import type { UserListQuery } from '../../../shared/users.schemas.js';
import { P } from './users.policy.js';

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  locale: string;
  unit_id: string;
  unit_path: string;
  is_active: boolean;
  locked_until: Date | null;
  mfa_enabled: boolean;
  created_at: Date;
  unit_name: string;
  unit_level: UnitLevel;
  unit_code: string;
}

export interface BindingRow {
  id: string;
  user_id: string;
  role: string;
  unit_id: string;
  unit_path: string;
  unit_name: string;
  unit_level: UnitLevel;
  unit_code: string;
  created_at: Date;
}

/** Accounts joined with their unit, cut to the caller's scope for `permission`. */
function usersIn(db: Executor, actor: Actor, permission: Permission) {
  return db
    .selectFrom('app_user')
    .innerJoin('unit', 'unit.id', 'app_user.unit_id')
    .where(inScope(actor, permission, 'app_user.unit_path'));
}

const userColumns = [
  'app_user.id', 'app_user.username', 'app_user.display_name', 'app_user.locale', 'app_user.unit_id',
  'app_user.unit_path', 'app_user.is_active', 'app_user.locked_until', 'app_user.mfa_enabled', 'app_user.created_at',
  'unit.name as unit_name', 'unit.level as unit_level', 'unit.code as unit_code',
] as const;

/** An account by id, only if its unit lies in the caller's scope for `permission`. */
export function findUserInScope(db: Executor, actor: Actor, id: string, permission: Permission = P.read): Promise<UserRow | undefined> {
  return usersIn(db, actor, permission).select(userColumns).where('app_user.id', '=', id).executeTakeFirst();
}

/** The same, locking the account's row for the rest of the transaction. */
export function lockUserInScope(db: Executor, actor: Actor, id: string): Promise<UserRow | undefined> {
  return usersIn(db, actor, P.read).select(userColumns).where('app_user.id', '=', id).forUpdate('app_user').executeTakeFirst();
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

function listConditions(
  eb: ExpressionBuilder<Database, 'app_user' | 'unit'>, actor: Actor, f: UserListQuery, now: Date,
): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [];
  if (f.q) {
    const like = `%${escapeLike(f.q)}%`;
    parts.push(eb.or([eb('app_user.username', 'ilike', like), eb('app_user.display_name', 'ilike', like)]));
  }
  if (f.unitId) {
    parts.push(eb('app_user.unit_path', '<@', eb.selectFrom('unit as sub').select('sub.path').where('sub.id', '=', f.unitId)));
  }
  if (f.role) {
    // Who holds which role is for those who may read role bindings there.
    parts.push(inScope(actor, P.bindingRead, 'app_user.unit_path'));
    parts.push(eb.exists(eb.selectFrom('role_binding').select(sql.lit(1).as('one'))
      .whereRef('role_binding.user_id', '=', 'app_user.id').where('role_binding.role', '=', f.role)));
  }
  if (f.status === 'disabled') parts.push(eb('app_user.is_active', '=', false));
  if (f.status === 'locked') parts.push(eb('app_user.locked_until', '>', now));
  if (f.status === 'active') {
    parts.push(eb('app_user.is_active', '=', true));
    parts.push(eb.or([eb('app_user.locked_until', 'is', null), eb('app_user.locked_until', '<=', now)]));
  }
  return eb.and(parts);
}

/** A page of the accounts in the caller's scope, and how many match in all. */
export async function listUsers(db: Executor, actor: Actor, f: UserListQuery, now: Date): Promise<{ rows: UserRow[]; total: number }> {
  const base = usersIn(db, actor, P.read).where((eb) => listConditions(eb, actor, f, now));
  const [rows, count] = await Promise.all([
    base.select(userColumns).orderBy(sql`lower(app_user.username)`).orderBy('app_user.id').limit(f.limit).offset(f.offset).execute(),
    base.select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** The role bindings of these accounts, with their units. */
export function bindingsOf(db: Executor, userIds: string[]): Promise<BindingRow[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('role_binding')
    .innerJoin('unit', 'unit.id', 'role_binding.unit_id')
    .select([
      'role_binding.id', 'role_binding.user_id', 'role_binding.role', 'role_binding.unit_id', 'role_binding.created_at',
      'unit.path as unit_path', 'unit.name as unit_name', 'unit.level as unit_level', 'unit.code as unit_code',
    ])
    .where('role_binding.user_id', 'in', userIds)
    .orderBy('role_binding.id')
    .execute();
}

/** The roles an account holds anywhere. */
export async function rolesOf(db: Executor, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('role_binding').select('role').distinct().where('user_id', '=', userId).execute();
  return rows.map((r) => r.role);
}

/** A unit where the caller holds `permission` (e.g. where a new account or a binding may go). */
export function findUnitInScope(db: Executor, actor: Actor, id: string, permission: Permission) {
  return db.selectFrom('unit').select(['id', 'path', 'region_code', 'name', 'level', 'code'])
    .where('id', '=', id).where(inScope(actor, permission, 'unit.path')).executeTakeFirst();
}

export async function usernameTaken(db: Executor, username: string): Promise<boolean> {
  const row = await db.selectFrom('app_user').select('id').where(sql`lower(username)`, '=', username.toLowerCase()).executeTakeFirst();
  return row !== undefined;
}

/** One binding of one account (undefined when the id belongs to someone else). */
export function findBinding(db: Executor, userId: string, bindingId: string) {
  return db.selectFrom('role_binding').innerJoin('unit', 'unit.id', 'role_binding.unit_id')
    .select(['role_binding.id', 'role_binding.role', 'role_binding.unit_id', 'unit.path as unit_path'])
    .where('role_binding.id', '=', bindingId).where('role_binding.user_id', '=', userId).executeTakeFirst();
}

export async function bindingExists(db: Executor, userId: string, role: string, unitId: string): Promise<boolean> {
  const row = await db.selectFrom('role_binding').select('id')
    .where('user_id', '=', userId).where('role', '=', role).where('unit_id', '=', unitId).executeTakeFirst();
  return row !== undefined;
}
