import type { AppContext } from '../../core/context.js';
import type { Actor } from '../../core/access/actor.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../../core/http/errors.js';
import type { CreateCategoryInput, CreateDepartmentInput, UpdateCategoryInput, UpdateDepartmentInput } from '../../../shared/case-settings.schemas.js';
import { isUniqueViolation } from '../cases/cases.service.js';
import { P } from './case-settings.policy.js';
import * as Q from './case-settings.queries.js';

/** Categories are one catalogue for the deployment: only a holder of the permission at a root edits them. */
export function mayEditCategories(actor: Actor): boolean {
  return actor.scopesFor(P.manageCategories).some((s) => !s.includes('.'));
}

function requireCategoryEditor(actor: Actor): void {
  if (!mayEditCategories(actor)) throw forbidden();
}

const limitJson = (l: { unit: string; amount: number }) => JSON.stringify({ unit: l.unit, amount: l.amount });

/** Add a category (a subcategory copies its parent's limits, level and department unless given). */
export async function createCategory(ctx: AppContext, actor: Actor, audit: AuditContext, input: CreateCategoryInput): Promise<string> {
  requireCategoryEditor(actor);
  return ctx.db.transaction().execute(async (trx) => {
    const parent = input.parentCode ? await Q.categoryByCode(trx, input.parentCode) : undefined;
    if (input.parentCode && !parent) throw new AppError(404, 'not_found', 'case_settings.parent_unknown', undefined, 'parentCode');
    if (parent?.parent_id) throw invalid('parentCode', 'case_settings.parent_too_deep');
    if (!parent && !input.limits) throw invalid('limits', 'case_settings.limits_required');
    const code = parent ? `${parent.code}.${input.code}` : input.code;
    const limits = input.limits;
    try {
      await trx.insertInto('case_category').values({
        code,
        parent_id: parent?.id ?? null,
        name_zh: input.nameZh,
        name_en: input.nameEn,
        accept_limit: limits ? limitJson(limits.accept) : JSON.stringify(parent!.accept_limit),
        handle_limit: limits ? limitJson(limits.handle) : JSON.stringify(parent!.handle_limit),
        verify_limit: limits ? limitJson(limits.verify) : JSON.stringify(parent!.verify_limit),
        urgent_handle_limit: limits ? limitJson(limits.urgentHandle) : JSON.stringify(parent!.urgent_handle_limit),
        default_level: input.defaultLevel ?? parent?.default_level ?? 'grid',
        department_code: input.departmentCode === undefined ? (parent?.department_code ?? null) : input.departmentCode,
        sort_order: input.sortOrder ?? 0,
      }).execute();
    } catch (e) {
      if (isUniqueViolation(e, 'case_category_code_key')) throw conflict('duplicate', 'case_settings.category_code_taken', { code }, 'code');
      throw e;
    }
    await writeAudit(trx, audit, { action: 'case_category.create', resourceType: 'case_category', resourceId: code, detail: { code, parent: parent?.code ?? null } });
    return code;
  });
}

/**
 * Edit a category. New limits apply to stages that start from now on: a running stage keeps the
 * deadline it was given. Deactivating a top class deactivates its subcategories; nothing is deleted
 * (closed cases keep their category).
 */
export async function updateCategory(ctx: AppContext, actor: Actor, audit: AuditContext, code: string, input: UpdateCategoryInput): Promise<void> {
  requireCategoryEditor(actor);
  await ctx.db.transaction().execute(async (trx) => {
    const c = await Q.categoryByCode(trx, code, { lock: true });
    if (!c) throw notFound();
    const set: Record<string, unknown> = {};
    const changed: string[] = [];
    if (input.nameZh !== undefined) { set.name_zh = input.nameZh; changed.push('nameZh'); }
    if (input.nameEn !== undefined) { set.name_en = input.nameEn; changed.push('nameEn'); }
    if (input.defaultLevel !== undefined) { set.default_level = input.defaultLevel; changed.push('defaultLevel'); }
    if (input.departmentCode !== undefined) { set.department_code = input.departmentCode; changed.push('departmentCode'); }
    if (input.sortOrder !== undefined) { set.sort_order = input.sortOrder; changed.push('sortOrder'); }
    if (input.isActive !== undefined) { set.is_active = input.isActive; changed.push('isActive'); }
    const columns = { accept: 'accept_limit', handle: 'handle_limit', verify: 'verify_limit', urgentHandle: 'urgent_handle_limit' } as const;
    for (const [k, column] of Object.entries(columns) as [keyof typeof columns, string][]) {
      const l = input.limits?.[k];
      if (l) { set[column] = limitJson(l); changed.push(`limits.${k}`); }
    }
    if (input.isActive === true && c.parent_id) {
      const parent = await trx.selectFrom('case_category').select('is_active').where('id', '=', c.parent_id).executeTakeFirstOrThrow();
      if (!parent.is_active) throw invalid('isActive', 'case_settings.parent_inactive');
    }
    if (changed.length === 0) return;
    await trx.updateTable('case_category').set(set).where('id', '=', c.id).execute();
    if (input.isActive === false) await trx.updateTable('case_category').set({ is_active: false }).where('parent_id', '=', c.id).execute();
    await writeAudit(trx, audit, { action: 'case_category.update', resourceType: 'case_category', resourceId: c.code, detail: { code: c.code, changed } });
  });
}

/** A department serving a district or street in the caller's scope. */
export async function createDepartment(ctx: AppContext, actor: Actor, audit: AuditContext, input: CreateDepartmentInput): Promise<string> {
  return ctx.db.transaction().execute(async (trx) => {
    const unit = await trx.selectFrom('unit').select(['id', 'path', 'level', 'region_code']).where('id', '=', input.unitId).executeTakeFirst();
    if (!unit || !actor.can(P.manageDepartments, unit.path)) throw new AppError(404, 'not_found', 'case_settings.unit_unknown', undefined, 'unitId');
    const kind = input.kind ?? 'department';
    if (kind === 'department' && unit.level !== 'district' && unit.level !== 'street') throw invalid('unitId', 'case_settings.department_level');
    if (kind === 'partner' && unit.level !== 'street' && unit.level !== 'community') throw invalid('unitId', 'case_settings.partner_level');
    if (input.organisationId && kind !== 'partner') throw invalid('organisationId', 'case_settings.organisation_only_partner');
    if (input.organisationId) {
      const org = await trx.selectFrom('organisation').select(['id', 'unit_path']).where('id', '=', input.organisationId).executeTakeFirst();
      if (!org || !actor.can(P.manageDepartments, org.unit_path)) throw new AppError(404, 'not_found', 'case_settings.organisation_unknown', undefined, 'organisationId');
    }
    try {
      const { id } = await trx.insertInto('department').values({
        code: input.code, name_zh: input.nameZh, name_en: input.nameEn, unit_id: unit.id, unit_path: unit.path, region_code: unit.region_code,
        kind, organisation_id: input.organisationId ?? null,
      }).returning('id').executeTakeFirstOrThrow();
      await writeAudit(trx, audit, { action: 'department.create', resourceType: 'department', resourceId: id, unitPath: unit.path, detail: { code: input.code, kind } });
      return id;
    } catch (e) {
      if (isUniqueViolation(e, 'department_code_unique')) throw conflict('duplicate', 'case_settings.department_code_taken', { code: input.code }, 'code');
      throw e;
    }
  });
}

/** Rename or (de)activate a department; one with open work orders cannot be deactivated. */
export async function updateDepartment(ctx: AppContext, actor: Actor, audit: AuditContext, id: string, input: UpdateDepartmentInput): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const d = await Q.departmentInScope(trx, actor, id, { lock: true });
    if (!d) throw notFound();
    if (input.isActive === false && d.is_active) {
      const open = await trx.selectFrom('work_order').select('id').where('assignee_department_id', '=', d.id)
        .where('state', 'in', ['dispatched', 'claimed']).limit(1).executeTakeFirst();
      if (open) throw conflict('has_open_orders', 'case_settings.department_has_open_orders', undefined, 'isActive');
    }
    const set: Record<string, unknown> = {};
    if (input.nameZh !== undefined) set.name_zh = input.nameZh;
    if (input.nameEn !== undefined) set.name_en = input.nameEn;
    if (input.isActive !== undefined) set.is_active = input.isActive;
    if (Object.keys(set).length === 0) return;
    await trx.updateTable('department').set(set).where('id', '=', d.id).execute();
    await writeAudit(trx, audit, { action: 'department.update', resourceType: 'department', resourceId: d.id, unitPath: d.unit_path, detail: { changed: Object.keys(input) } });
  });
}

/** Name a department handler account (in scope) a member: it then receives the department's work orders. */
export async function addMember(ctx: AppContext, actor: Actor, audit: AuditContext, id: string, userId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const d = await Q.departmentInScope(trx, actor, id);
    if (!d) throw notFound();
    const user = await Q.handlerAccountInScope(trx, actor, userId);
    if (!user) throw new AppError(404, 'not_found', 'case_settings.user_unknown', undefined, 'userId');
    if (!user.is_handler) throw invalid('userId', 'case_settings.user_not_handler');
    const added = await trx.insertInto('department_member').values({ department_id: d.id, user_id: user.id })
      .onConflict((oc) => oc.columns(['department_id', 'user_id']).doNothing()).returning('user_id').executeTakeFirst();
    if (!added) return;
    await writeAudit(trx, audit, { action: 'department.member_add', resourceType: 'department', resourceId: d.id, unitPath: d.unit_path, detail: { userId: user.id, username: user.username } });
  });
}

export async function removeMember(ctx: AppContext, actor: Actor, audit: AuditContext, id: string, userId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const d = await Q.departmentInScope(trx, actor, id);
    if (!d) throw notFound();
    const gone = await trx.deleteFrom('department_member').where('department_id', '=', d.id).where('user_id', '=', userId).returning('user_id').executeTakeFirst();
    if (!gone) throw notFound();
    await writeAudit(trx, audit, { action: 'department.member_remove', resourceType: 'department', resourceId: d.id, unitPath: d.unit_path, detail: { userId } });
  });
}
