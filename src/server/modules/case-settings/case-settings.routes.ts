import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf, auditContext } from '../../core/http/request-context.js';
import { notFound } from '../../core/http/errors.js';
import * as S from '../../../shared/case-settings.schemas.js';
import { P } from './case-settings.policy.js';
import * as Q from './case-settings.queries.js';
import { addMember, createCategory, createDepartment, mayEditCategories, removeMember, updateCategory, updateDepartment } from './case-settings.service.js';

const num = (v: string | number | null | undefined) => Number(v ?? 0);

export function caseSettingsRoutes(api: Api, ctx: AppContext): void {
  const tags = ['case settings'];

  const categories = async () => (await Q.allCategories(ctx.db)).map((c): S.CategoryAdminView => ({
    code: c.code,
    parentCode: c.parent_code,
    nameZh: c.name_zh,
    nameEn: c.name_en,
    limits: { accept: c.accept_limit, handle: c.handle_limit, verify: c.verify_limit, urgentHandle: c.urgent_handle_limit },
    defaultLevel: c.default_level,
    departmentCode: c.department_code,
    isActive: c.is_active,
    sortOrder: c.sort_order,
    caseCount: num(c.case_count),
  }));

  api.get('/case-settings/categories', {
    config: { permission: P.manageDepartments },
    schema: { tags, summary: 'Every case category, active or not, with its time limits and how many cases it holds', response: { 200: S.CategoryAdminList } },
  }, async (req) => ({ items: await categories(), editable: mayEditCategories(actorOf(req)) }));

  api.post('/case-settings/categories', {
    config: { permission: P.manageCategories },
    schema: { tags, summary: 'Add a category or subcategory (at a root unit only)', body: S.CreateCategoryInput, response: { 201: S.CategoryAdminView } },
  }, async (req, reply) => {
    const code = await createCategory(ctx, actorOf(req), auditContext(req), req.body);
    return reply.status(201).send((await categories()).find((c) => c.code === code)!);
  });

  api.patch('/case-settings/categories/:code', {
    config: { permission: P.manageCategories },
    schema: { tags, summary: 'Edit a category: names, time limits (for stages starting from now), level, department, active', params: S.CategoryCodeParam, body: S.UpdateCategoryInput, response: { 200: S.CategoryAdminView } },
  }, async (req) => {
    await updateCategory(ctx, actorOf(req), auditContext(req), req.params.code, req.body);
    return (await categories()).find((c) => c.code === req.params.code)!;
  });

  const presentDepartment = (d: Q.DepartmentRow): S.DepartmentView => ({
    id: d.id, code: d.code, nameZh: d.name_zh, nameEn: d.name_en,
    unit: { id: d.unit_id, name: d.unit_name, level: d.unit_level, code: d.unit_code },
    kind: d.kind,
    organisation: d.organisation_id ? { id: d.organisation_id, name: d.organisation_name ?? '' } : null,
    isActive: d.is_active, memberCount: num(d.member_count), openOrders: num(d.open_orders),
  });

  const departmentView = async (req: Parameters<typeof actorOf>[0], id: string) => {
    const rows = await Q.departmentsInScope(ctx.db, actorOf(req), null);
    const d = rows.find((r) => r.id === id);
    if (!d) throw notFound();
    return presentDepartment(d);
  };

  api.get('/case-settings/departments', {
    config: { permission: P.manageDepartments },
    schema: { tags, summary: 'The departments serving units in scope, with members and open work orders', querystring: S.DepartmentQuery, response: { 200: S.DepartmentList } },
  }, async (req) => {
    const actor = actorOf(req);
    let subtree: string | null = null;
    if (req.query.unitId) {
      const unit = await ctx.db.selectFrom('unit').select('path').where('id', '=', req.query.unitId).executeTakeFirst();
      if (!unit || !actor.can(P.manageDepartments, unit.path)) throw notFound();
      subtree = unit.path;
    }
    return { items: (await Q.departmentsInScope(ctx.db, actor, subtree)).map(presentDepartment) };
  });

  api.post('/case-settings/departments', {
    config: { permission: P.manageDepartments },
    schema: { tags, summary: 'Create a department serving a district or street', body: S.CreateDepartmentInput, response: { 201: S.DepartmentView } },
  }, async (req, reply) => {
    const id = await createDepartment(ctx, actorOf(req), auditContext(req), req.body);
    return reply.status(201).send(await departmentView(req, id));
  });

  api.patch('/case-settings/departments/:id', {
    config: { permission: P.manageDepartments },
    schema: { tags, summary: 'Rename or (de)activate a department', params: S.DepartmentIdParam, body: S.UpdateDepartmentInput, response: { 200: S.DepartmentView } },
  }, async (req) => {
    await updateDepartment(ctx, actorOf(req), auditContext(req), req.params.id, req.body);
    return departmentView(req, req.params.id);
  });

  api.get('/case-settings/departments/:id/members', {
    config: { permission: P.manageDepartments },
    schema: { tags, summary: 'The accounts that receive a department’s work orders', params: S.DepartmentIdParam, response: { 200: S.DepartmentMemberList } },
  }, async (req) => {
    const d = await Q.departmentInScope(ctx.db, actorOf(req), req.params.id);
    if (!d) throw notFound();
    const rows = await Q.membersOf(ctx.db, d.id);
    return { items: rows.map((m) => ({ userId: m.id, username: m.username, displayName: m.display_name, unitName: m.unit_name, isActive: m.is_active })) };
  });

  api.get('/case-settings/departments/:id/candidates', {
    config: { permission: P.manageDepartments },
    schema: { tags, summary: 'Department handler accounts in scope that could join the department (20 at most, by username)', params: S.DepartmentIdParam, querystring: S.MemberCandidateQuery, response: { 200: S.MemberCandidateList } },
  }, async (req) => {
    const actor = actorOf(req);
    const d = await Q.departmentInScope(ctx.db, actor, req.params.id);
    if (!d) throw notFound();
    const rows = await Q.handlerCandidates(ctx.db, actor, d.id, req.query.q || undefined);
    return { items: rows.map((m) => ({ userId: m.id, username: m.username, displayName: m.display_name, unitName: m.unit_name, isActive: m.is_active, isMember: !!m.is_member })) };
  });

  api.post('/case-settings/departments/:id/members', {
    config: { permission: P.manageDepartments },
    schema: { tags, summary: 'Add a department handler account to a department', params: S.DepartmentIdParam, body: S.AddMemberInput },
  }, async (req, reply) => {
    await addMember(ctx, actorOf(req), auditContext(req), req.params.id, req.body.userId);
    return reply.status(204).send();
  });

  api.delete('/case-settings/departments/:id/members/:userId', {
    config: { permission: P.manageDepartments },
    schema: { tags, summary: 'Remove an account from a department', params: S.DepartmentMemberParam },
  }, async (req, reply) => {
    await removeMember(ctx, actorOf(req), auditContext(req), req.params.id, req.params.userId);
    return reply.status(204).send();
  });
}
