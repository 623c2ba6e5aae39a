import type { AppContext } from '../../core/context.js';
import type { Executor } from '../../core/db/index.js';
import { hashPassword } from '../../core/auth/password.js';
import type { Role } from '../../../shared/roles.js';

export interface InsertUserProps {
  username: string;
  displayName: string;
  password: string;
  unitId: string;
  locale?: 'zh-CN' | 'en';
  /** Role bindings to create with the account: each role at a unit. */
  bindings?: { role: Role; unitId: string }[];
  createdBy?: string | null;
}

/**
 * Insert an account and its role bindings. No checks of the caller or of the password policy:
 * the demo seed, the CLI, the tests and the users service (which checks) use it.
 */
export async function insertUser(trx: Executor, ctx: AppContext, u: InsertUserProps): Promise<string> {
  const unit = await trx.selectFrom('unit').select(['id', 'path', 'region_code']).where('id', '=', u.unitId).executeTakeFirstOrThrow();
  const { id } = await trx.insertInto('app_user').values({
    username: u.username,
    display_name: u.displayName,
    password_hash: await hashPassword(u.password, ctx.config.scryptLogN),
    locale: u.locale ?? 'zh-CN',
    unit_id: unit.id,
    unit_path: unit.path,
    region_code: unit.region_code,
  }).returning('id').executeTakeFirstOrThrow();
  if (u.bindings?.length) {
    await trx.insertInto('role_binding')
      .values(u.bindings.map((b) => ({ user_id: id, role: b.role, unit_id: b.unitId, created_by: u.createdBy ?? null })))
      .execute();
  }
  return id;
}
