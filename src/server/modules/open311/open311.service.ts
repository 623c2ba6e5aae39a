import crypto from 'node:crypto';
import type { AppContext } from '../../core/context.js';
import { Actor } from '../../core/access/actor.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError } from '../../core/http/errors.js';
import type { UnitLevel } from '../../core/db/index.js';
import type { ReportCaseInput } from '../../../shared/cases.schemas.js';
import { reportCase } from '../cases/cases.service.js';
import * as Q from './open311.queries.js';

/** The SHA-256 of an api key, hex: all that is stored of it. */
export function keyHash(apiKey: string): string {
  return crypto.createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

export interface NewPartner {
  name: string;
  /** The unit whose area the partner may report into (its subtree). */
  unitId: string;
}

/**
 * Register an Open311 partner and hand out its api key — shown this once; only its SHA-256 is
 * kept. The partner reports through a service account of its own that can never sign in (no usable
 * password, inactive), so its cases have a reporter, their own idempotency keys and the partner's
 * name in the timeline.
 */
export async function createPartnerKey(ctx: AppContext, audit: AuditContext, input: NewPartner): Promise<{ partnerId: string; userId: string; apiKey: string }> {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) throw new AppError(400, 'invalid', 'open311.partner_name_required', undefined, 'name');
  const apiKey = crypto.randomBytes(32).toString('base64url');
  return ctx.db.transaction().execute(async (trx) => {
    const unit = await trx.selectFrom('unit').select(['id', 'path', 'region_code']).where('id', '=', input.unitId).executeTakeFirst();
    if (!unit) throw new AppError(404, 'not_found', 'open311.partner_unit_unknown', undefined, 'unitId');
    const { id: userId } = await trx.insertInto('app_user').values({
      username: `open311-${crypto.randomBytes(6).toString('hex')}`,
      display_name: name,
      // Not a scrypt hash: no password ever verifies against it.
      password_hash: '!open311-partner',
      unit_id: unit.id, unit_path: unit.path, region_code: unit.region_code,
      is_active: false,
    }).returning('id').executeTakeFirstOrThrow();
    const { id: partnerId } = await trx.insertInto('open311_partner').values({
      name, key_hash: keyHash(apiKey), unit_id: unit.id, unit_path: unit.path, region_code: unit.region_code, user_id: userId,
    }).returning('id').executeTakeFirstOrThrow();
    await writeAudit(trx, audit, {
      action: 'open311.partner_create', resourceType: 'open311_partner', resourceId: partnerId, unitPath: unit.path,
      detail: { name, userId },
    });
    return { partnerId, userId, apiKey };
  });
}

/** The active partner holding this api key, or null. */
export async function partnerByKey(ctx: AppContext, apiKey: string | undefined): Promise<Q.PartnerRow | null> {
  if (!apiKey || apiKey.length > 200) return null;
  return (await Q.partnerByKeyHash(ctx.db, keyHash(apiKey))) ?? null;
}

/**
 * The partner as the cases service's caller: its service account, reporting (with case.report and
 * case.read, as staff entering a report do) into the partner's unit and nowhere else. Only held in
 * memory for one report; nothing is bound in role_binding.
 */
function partnerActor(ctx: AppContext, p: Q.PartnerRow): Actor {
  return new Actor(p.user_id, p.username, p.name, p.unit_path, 'zh-CN', [
    { id: `open311-${p.id}`, role: 'grid_worker', unitId: p.unit_id, unitPath: p.unit_path, unitName: p.unit_name, unitLevel: p.unit_level as UnitLevel },
  ], ctx.permissions);
}

export interface SubmitInput {
  serviceCode: string;
  description: string;
  lng: number;
  lat: number;
  address?: string;
  reporterName?: string;
  reporterPhone?: string;
}

/**
 * Report a partner's service request through the cases service (source open311: placed in its
 * grid, the accept clock running, the timeline and audit written as for any case) and give it a
 * token. The same Idempotency-Key and body answer the same request and token.
 */
export async function submitRequest(
  ctx: AppContext, partner: Q.PartnerRow, ip: string, input: SubmitInput, idempotencyKey: string | null,
): Promise<{ serviceRequestId: string; token: string }> {
  const report = {
    categoryCode: input.serviceCode,
    description: input.description,
    lng: input.lng,
    lat: input.lat,
    ...(input.address ? { address: input.address } : {}),
    // open311 is kept from the public /api/cases schema; this endpoint is the one that uses it.
    source: 'open311' as unknown as ReportCaseInput['source'],
    urgency: 'normal',
    ...(input.reporterName ? { reporterName: input.reporterName } : {}),
    ...(input.reporterPhone ? { reporterPhone: input.reporterPhone } : {}),
  } satisfies ReportCaseInput;
  const audit: AuditContext = { actorId: partner.user_id, actorUsername: partner.username, ip };
  const { id } = await reportCase(ctx, partnerActor(ctx, partner), audit, report, idempotencyKey);
  await ctx.db.insertInto('open311_token')
    .values({ token: crypto.randomBytes(18).toString('base64url'), partner_id: partner.id, case_id: id, created_at: ctx.clock.now() })
    .onConflict((oc) => oc.column('case_id').doNothing()).execute();
  const [{ token }, { number }] = await Promise.all([
    Q.tokenOfCase(ctx.db, id).then((t) => t!),
    Q.caseNumber(ctx.db, id),
  ]);
  return { serviceRequestId: number, token };
}
