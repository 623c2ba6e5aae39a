import { sql } from 'kysely';
import type { Executor } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import { P } from './case-settings.policy.js';

/** Every category, active or not, with the number of cases filed under it. */
export function allCategories(db: Executor) {
  return db.selectFrom('case_category as c').leftJoin('case_category as p', 'p.id', 'c.parent_id')
    .selectAll('c').select('p.code as parent_code')
    .select((eb) => eb.selectFrom('cases').whereRef('cases.category_id', '=', 'c.id').select(sql<string>`count(*)`.as('n')).as('case_count'))
    .orderBy(sql`coalesce(p.sort_order, c.sort_order)`).orderBy(sql`c.parent_id nulls first`).orderBy('c.sort_order').orderBy('c.id')
    .execute();
}

export function categoryByCode(db: Executor, code: string, opts: { lock?: boolean } = {}) {
  let q = db.selectFrom('case_category').selectAll().where('code', '=', code);
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

const departmentCols = [
  'd.id', 'd.code', 'd.name_zh', 'd.name_en', 'd.unit_id', 'd.unit_path', 'd.is_active', 'd.kind', 'd.organisation_id', 'o.name as organisation_name',
  'u.name as unit_name', 'u.level as unit_level', 'u.code as unit_code',
] as const;

/** The departments serving units in the caller's department.manage scope (optionally one subtree). */
export function departmentsInScope(db: Executor, actor: Actor, subtree: string | null) {
  let q = db.selectFrom('department as d').innerJoin('unit as u', 'u.id', 'd.unit_id').leftJoin('organisation as o', 'o.id', 'd.organisation_id')
    .select(departmentCols)
    .select((eb) => [
      eb.selectFrom('department_member as m').whereRef('m.department_id', '=', 'd.id').select(sql<string>`count(*)`.as('n')).as('member_count'),
      eb.selectFrom('work_order as w').whereRef('w.assignee_department_id', '=', 'd.id').where('w.state', 'in', ['dispatched', 'claimed'])
        .select(sql<string>`count(*)`.as('n')).as('open_orders'),
    ])
    .where(inScope(actor, P.manageDepartments, 'd.unit_path'));
  if (subtree) q = q.where(sql<boolean>`d.unit_path <@ ${subtree}::ltree`);
  return q.orderBy('u.path').orderBy('d.code').execute();
}

export type DepartmentRow = Awaited<ReturnType<typeof departmentsInScope>>[number];

export async function departmentInScope(db: Executor, actor: Actor, id: string, opts: { lock?: boolean } = {}) {
  let q = db.selectFrom('department as d').selectAll('d').where('d.id', '=', id).where(inScope(actor, P.manageDepartments, 'd.unit_path'));
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

export function membersOf(db: Executor, departmentId: string) {
  return db.selectFrom('department_member as m').innerJoin('app_user as a', 'a.id', 'm.user_id').innerJoin('unit as u', 'u.id', 'a.unit_id')
    .select(['a.id', 'a.username', 'a.display_name', 'a.is_active', 'u.name as unit_name'])
    .where('m.department_id', '=', departmentId).orderBy('a.username').execute();
}

/** An account in the caller's scope holding the department handler role somewhere. */
export function handlerAccountInScope(db: Executor, actor: Actor, userId: string) {
  return db.selectFrom('app_user as a').select(['a.id', 'a.username', 'a.unit_path'])
    .where('a.id', '=', userId)
    .where(inScope(actor, P.manageDepartments, 'a.unit_path'))
    .select((eb) => eb.exists(eb.selectFrom('role_binding as b').whereRef('b.user_id', '=', 'a.id').where('b.role', '=', 'department_handler').select('b.id')).as('is_handler'))
    .executeTakeFirst();
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/** Accounts in the caller's scope holding the department handler role, matching `q`: who may join a department. */
export function handlerCandidates(db: Executor, actor: Actor, departmentId: string, q: string | undefined) {
  let query = db.selectFrom('app_user as a').innerJoin('unit as u', 'u.id', 'a.unit_id')
    .select(['a.id', 'a.username', 'a.display_name', 'a.is_active', 'u.name as unit_name'])
    .select((eb) => eb.exists(eb.selectFrom('department_member as m').whereRef('m.user_id', '=', 'a.id').where('m.department_id', '=', departmentId).select('m.user_id')).as('is_member'))
    .where(inScope(actor, P.manageDepartments, 'a.unit_path'))
    .where((eb) => eb.exists(eb.selectFrom('role_binding as b').whereRef('b.user_id', '=', 'a.id').where('b.role', '=', 'department_handler').select('b.id')));
  if (q) {
    const like = `%${escapeLike(q)}%`;
    query = query.where((eb) => eb.or([eb('a.username', 'ilike', like), eb('a.display_name', 'ilike', like)]));
  }
  return query.orderBy('a.username').limit(20).execute();
}
