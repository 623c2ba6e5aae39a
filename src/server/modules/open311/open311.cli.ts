import type { AppContext } from '../../core/context.js';
import { writeAudit } from '../../core/audit/audit.js';
import { createPartnerKey } from './open311.service.js';

const CLI_AUDIT = { actorId: null, actorUsername: 'cli', ip: null };

/** `linli open311-partner`: register a partner reporting into a unit's area; its api key is printed once. */
export async function createPartnerFromCli(ctx: AppContext, name: string, unitCode: string): Promise<{ partnerId: string; apiKey: string; unitName: string }> {
  const unit = await ctx.db.selectFrom('unit').select(['id', 'name']).where('code', '=', unitCode).executeTakeFirst();
  if (!unit) throw new Error(`No unit has the code ${unitCode}`);
  const { partnerId, apiKey } = await createPartnerKey(ctx, CLI_AUDIT, { name, unitId: unit.id });
  return { partnerId, apiKey, unitName: unit.name };
}

/** `linli open311-partners`: every partner, its area and whether its key still works. */
export function listPartners(ctx: AppContext) {
  return ctx.db.selectFrom('open311_partner as p').innerJoin('unit as u', 'u.id', 'p.unit_id')
    .select(['p.id', 'p.name', 'p.is_active', 'p.created_at', 'u.name as unit_name', 'u.code as unit_code'])
    .select((eb) => eb.selectFrom('open311_token as t').whereRef('t.partner_id', '=', 'p.id').select(eb.fn.countAll<string>().as('n')).as('requests'))
    .orderBy('p.id').execute();
}

/** `linli open311-revoke`: the partner's key stops working at once; its requests stay. */
export async function revokePartner(ctx: AppContext, id: string): Promise<string> {
  if (!/^\d{1,18}$/.test(id)) throw new Error(`"${id}" is not a partner id`);
  return ctx.db.transaction().execute(async (trx) => {
    const p = await trx.updateTable('open311_partner').set({ is_active: false }).where('id', '=', id)
      .returning(['id', 'name', 'unit_path']).executeTakeFirst();
    if (!p) throw new Error(`No Open311 partner has the id ${id}`);
    await writeAudit(trx, CLI_AUDIT, { action: 'open311.partner_revoke', resourceType: 'open311_partner', resourceId: p.id, unitPath: p.unit_path, detail: { name: p.name, via: 'cli' } });
    return p.name;
  });
}
