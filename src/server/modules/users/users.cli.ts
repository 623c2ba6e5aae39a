import { sql } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { checkPassword, hashPassword } from '../../core/auth/password.js';
import { policyForRoles } from '../../core/auth/auth.service.js';
import { writeAudit } from '../../core/audit/audit.js';
import { isRole } from '../../../shared/roles.js';
import { translate } from '../../../shared/i18n/index.js';
import { insertUser } from './users.service.js';

const CLI_AUDIT = { actorId: null, actorUsername: 'cli', ip: null };

/** `linli create-user`: an operator at the server's console, so no caller scope — but the same rules for the data. */
export async function createUserFromCli(
  ctx: AppContext, input: { username: string; displayName: string; unitCode: string; role: string; password: string },
): Promise<void> {
  if (!isRole(input.role)) throw new Error(`Unknown role "${input.role}"`);
  const unit = await ctx.db.selectFrom('unit').select(['id', 'path']).where('code', '=', input.unitCode).executeTakeFirst();
  if (!unit) throw new Error(`No unit has the code ${input.unitCode}`);
  const taken = await ctx.db.selectFrom('app_user').select('id').where(sql`lower(username)`, '=', input.username.toLowerCase()).executeTakeFirst();
  if (taken) throw new Error(`The username ${input.username} is taken`);
  const problem = checkPassword(input.password, input.username, policyForRoles(ctx, [input.role]));
  if (problem) throw new Error(translate('en', problem.key, problem.params));
  await ctx.db.transaction().execute(async (trx) => {
    const id = await insertUser(trx, ctx, {
      username: input.username, displayName: input.displayName, password: input.password, unitId: unit.id,
      bindings: [{ role: input.role as never, unitId: unit.id }],
    });
    await writeAudit(trx, CLI_AUDIT, { action: 'user.create', resourceType: 'user', resourceId: id, unitPath: unit.path, detail: { role: input.role, via: 'cli' } });
  });
}

/** `linli reset-password`: a new password, the lockout lifted, every session of the account ended. */
export async function resetPasswordFromCli(ctx: AppContext, username: string, password: string): Promise<void> {
  const user = await ctx.db.selectFrom('app_user').select(['id', 'username', 'unit_path']).where(sql`lower(username)`, '=', username.toLowerCase()).executeTakeFirst();
  if (!user) throw new Error(`No account ${username}`);
  const roles = (await ctx.db.selectFrom('role_binding').select('role').where('user_id', '=', user.id).execute()).map((r) => r.role);
  const problem = checkPassword(password, user.username, policyForRoles(ctx, roles));
  if (problem) throw new Error(translate('en', problem.key, problem.params));
  const hash = await hashPassword(password, ctx.config.scryptLogN);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('app_user').set({ password_hash: hash, failed_logins: 0, locked_until: null, password_changed_at: ctx.clock.now() }).where('id', '=', user.id).execute();
    await trx.deleteFrom('session').where('user_id', '=', user.id).execute();
    await writeAudit(trx, CLI_AUDIT, { action: 'user.reset_password', resourceType: 'user', resourceId: user.id, unitPath: user.unit_path, detail: { via: 'cli' } });
  });
}
