import { sql, type Expression, type SqlBool } from 'kysely';
import type { Selectable } from 'kysely';
import { prepared, type Executor, type CaseEventTable, type CaseTimeLimit, type HandlingLevel, type UnitLevel } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import type { AppContext } from '../../core/context.js';
import { referenceOf } from '../../core/reference.js';
import { inScope, inSubtree, reachesLevel } from '../../core/access/scope.js';
import type { CaseList, CaseListQuery } from '../../../shared/cases.schemas.js';
import { OPEN_STATES } from './case.machine.js';
import { P } from './cases.policy.js';

export interface CategoryRow {
  id: string;
  code: string;
  parent_id: string | null;
  name_zh: string;
  name_en: string;
  accept_limit: CaseTimeLimit;
  handle_limit: CaseTimeLimit;
  verify_limit: CaseTimeLimit;
  urgent_handle_limit: CaseTimeLimit;
  default_level: 'grid' | 'community' | 'street';
  department_code: string | null;
  is_active: boolean;
  sort_order: number;
}

export function findActiveCategory(db: Executor, code: string): Promise<CategoryRow | undefined> {
  return db.selectFrom('case_category').selectAll().where('code', '=', code).where('is_active', '=', true).executeTakeFirst();
}

/** The active categories by code, from the process's copy at least as new as `version` (core/reference.ts). */
export function activeCategories(ctx: Pick<AppContext, 'db'>, version: string | null): Promise<Map<string, CategoryRow>> {
  return referenceOf(ctx).get('cases.active_categories', version, async (db) =>
    new Map((await db.selectFrom('case_category').selectAll().where('is_active', '=', true).execute()).map((c) => [c.code, c])));
}

export function categoryById(db: Executor, id: string): Promise<CategoryRow> {
  return db.selectFrom('case_category').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export function listCategories(db: Executor): Promise<(CategoryRow & { parent_code: string | null })[]> {
  return db.selectFrom('case_category as c').leftJoin('case_category as p', 'p.id', 'c.parent_id')
    .selectAll('c').select('p.code as parent_code')
    .where('c.is_active', '=', true)
    .orderBy(sql`coalesce(p.sort_order, c.sort_order)`).orderBy(sql`c.parent_id nulls first`).orderBy('c.sort_order').orderBy('c.id')
    .execute();
}

export interface UnitRef { id: string; name: string; level: UnitLevel; code: string; path: string; region_code: string }

const unitCols = ['id', 'name', 'level', 'code', 'path', 'region_code'] as const;

export function unitById(db: Executor, id: string): Promise<UnitRef | undefined> {
  return db.selectFrom('unit').select(unitCols).where('id', '=', id).executeTakeFirst();
}

/** The ancestor-or-self of the unit at `path` at `level`. */
export function ancestorAt(db: Executor, path: string, level: UnitLevel): Promise<UnitRef | undefined> {
  return db.selectFrom('unit').select(unitCols)
    .where(sql<SqlBool>`path @> ${path}::ltree`).where('level', '=', level).executeTakeFirst();
}

/** The departments the caller receives work orders for: only with case.department_handle. */
export async function departmentIdsOf(db: Executor, actor: Actor): Promise<string[]> {
  if (!actor.can(P.departmentHandle)) return [];
  const rows = await db.selectFrom('department_member').innerJoin('department', 'department.id', 'department_member.department_id')
    .select('department.id').where('department_member.user_id', '=', actor.userId).where('department.is_active', '=', true).execute();
  return rows.map((r) => r.id);
}

export interface DepartmentRow { id: string; code: string; name_zh: string; name_en: string; unit_id: string; unit_path: string; unit_name: string; unit_level: UnitLevel; unit_code: string }

/** Active departments serving the place at `path` (their unit is it or above it). */
export function departmentsServing(db: Executor, path: string, ids?: string[]): Promise<DepartmentRow[]> {
  let q = db.selectFrom('department').innerJoin('unit', 'unit.id', 'department.unit_id')
    .select(['department.id', 'department.code', 'department.name_zh', 'department.name_en', 'department.unit_id', 'department.unit_path',
      'unit.name as unit_name', 'unit.level as unit_level', 'unit.code as unit_code'])
    .where('department.is_active', '=', true)
    .where(sql<SqlBool>`department.unit_path @> ${path}::ltree`);
  if (ids) q = q.where('department.id', 'in', ids.length ? ids : ['0']);
  return q.orderBy(sql`nlevel(department.unit_path)`, 'desc').orderBy('department.code').execute();
}

/**
 * Who sees a case: it happened or is handled in their case.read scope, or it was dispatched to a
 * unit in their case.handle scope or to one of their departments, or they reported it.
 */
export function visibleTo(actor: Actor, departmentIds: string[]): Expression<SqlBool> {
  const parts = [
    inScope(actor, P.read, 'cases.unit_path'),
    inScope(actor, P.read, 'cases.handling_path'),
    sql<SqlBool>`cases.reporter_user_id = ${actor.userId}`,
  ];
  // `offset 0` keeps each EXISTS a probe of the case's own orders (work_order_case_idx): without it the
  // planner may hash every order of the caller's subtree first (a street's 250 000 at district scale)
  // to answer for the few rows a page or a capped count looks at.
  if (actor.can(P.handle)) {
    parts.push(sql<SqlBool>`exists (select 1 from work_order w where w.case_id = cases.id and ${inScope(actor, P.handle, 'w.assignee_unit_path')} offset 0)`);
  }
  if (departmentIds.length) {
    parts.push(sql<SqlBool>`exists (select 1 from work_order w where w.case_id = cases.id and w.assignee_department_id in (${sql.join(departmentIds)}) offset 0)`);
  }
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/**
 * The same cases as visibleTo, as ids: each arm on its own index (paths, reporter, work orders),
 * for callers in a community or a grid, whose few thousand cases an OR with the work-order EXISTS
 * would look for through the whole table (every count did). A street or wider sees enough of the
 * table that walking an index in the list's order, or the open cases, is cheaper than collecting.
 *
 * `openOnly`: only the open ones among them (for the lists of open cases: to accept, overdue …), each
 * arm from the partial indexes on open cases (0019), instead of every case of three years first.
 */
function visibleIds(actor: Actor, departmentIds: string[], openOnly: boolean): Expression<SqlBool> {
  const open = openOnly ? sql` and c.state in (${sql.join(OPEN)})` : sql``;
  const openOrder = openOnly ? sql` and w.case_id in (select oc.id from cases oc where oc.state in (${sql.join(OPEN)}))` : sql``;
  const parts = [
    sql`select c.id from cases c where ${inScope(actor, P.read, 'c.unit_path')}${open}`,
    sql`select c.id from cases c where ${inScope(actor, P.read, 'c.handling_path')}${open}`,
    sql`select c.id from cases c where c.reporter_user_id = ${actor.userId}${open}`,
  ];
  if (actor.can(P.handle)) parts.push(sql`select w.case_id from work_order w where ${inScope(actor, P.handle, 'w.assignee_unit_path')}${openOrder}`);
  if (departmentIds.length) parts.push(sql`select w.case_id from work_order w where w.assignee_department_id in (${sql.join(departmentIds)})${openOrder}`);
  return sql<SqlBool>`cases.id in (${sql.join(parts, sql` union all `)})`;
}

/** The lists whose cases are all open (their predicate says so). */
const OPEN_LISTS: ReadonlySet<CaseList> = new Set<CaseList>(['to_accept', 'to_dispatch', 'to_verify', 'overdue', 'supervised']);
/** The lists whose predicate already implies visibleTo: mine (orders to the caller's own units or departments) and reported_by_me. */
const SELF_VISIBLE_LISTS: ReadonlySet<CaseList> = new Set<CaseList>(['mine', 'reported_by_me']);

/** visibleTo, written for the breadth of the caller's scope (see reachesLevel) and for the list asked for. */
async function visibility(db: Executor, actor: Actor, departmentIds: string[], list: CaseList = 'all'): Promise<Expression<SqlBool>> {
  if (SELF_VISIBLE_LISTS.has(list)) return sql<SqlBool>`true`;
  const wide = await reachesLevel(db, [...actor.scopesFor(P.read), ...actor.scopesFor(P.handle)], 'street', actor.bindings);
  return wide ? visibleTo(actor, departmentIds) : visibleIds(actor, departmentIds, OPEN_LISTS.has(list));
}

function casesWithUnits(db: Executor) {
  return db.selectFrom('cases')
    .innerJoin('unit as u', 'u.id', 'cases.unit_id')
    .innerJoin('unit as hu', 'hu.id', 'cases.handling_unit_id')
    .innerJoin('case_category as cat', 'cat.id', 'cases.category_id');
}

export const caseColumns = [
  'cases.id', 'cases.number', 'cases.category_id', 'cases.description', 'cases.source', 'cases.urgency', 'cases.state',
  'cases.lng', 'cases.lat', 'cases.address', 'cases.unit_id', 'cases.unit_path', 'cases.region_code',
  'cases.handling_unit_id', 'cases.handling_path', 'cases.handling_level', 'cases.reporter_user_id', 'cases.reporter_name',
  'cases.reporter_phone_enc', 'cases.stage', 'cases.stage_started_at', 'cases.stage_deadline', 'cases.stage_limit_unit',
  'cases.overdue_level', 'cases.supervision', 'cases.reopen_count', 'cases.rating', 'cases.rating_comment', 'cases.rated_at',
  'cases.merged_into', 'cases.hotline_order_no', 'cases.hotline_deadline', 'cases.closed_at', 'cases.version',
  'cases.created_at', 'cases.updated_at',
  'u.name as unit_name', 'u.level as unit_level', 'u.code as unit_code',
  'hu.name as handling_unit_name', 'hu.level as handling_unit_level', 'hu.code as handling_unit_code',
  'cat.code as category_code', 'cat.name_zh as category_name_zh', 'cat.name_en as category_name_en',
] as const;

export type CaseRow = {
  id: string; number: string; category_id: string; description: string;
  source: 'patrol' | 'resident' | 'captain' | 'hotline' | 'phone' | 'api' | 'open311';
  urgency: 'normal' | 'urgent' | 'critical';
  state: 'reported' | 'accepted' | 'dispatched' | 'in_progress' | 'handled' | 'verified' | 'closed' | 'rejected' | 'merged';
  lng: number; lat: number; address: string | null; unit_id: string; unit_path: string; region_code: string;
  handling_unit_id: string; handling_path: string; handling_level: HandlingLevel; reporter_user_id: string;
  reporter_name: string | null; reporter_phone_enc: string | null;
  stage: 'accept' | 'handle' | 'verify' | 'rate' | null; stage_started_at: Date | null; stage_deadline: Date | null;
  stage_limit_unit: CaseTimeLimit['unit'] | null; overdue_level: 'green' | 'yellow' | 'red'; supervision: 'yellow' | 'red' | null;
  reopen_count: number; rating: 'satisfied' | 'basic' | 'dissatisfied' | null; rating_comment: string | null; rated_at: Date | null;
  merged_into: string | null; hotline_order_no: string | null; hotline_deadline: Date | null; closed_at: Date | null;
  version: number; created_at: Date; updated_at: Date;
  unit_name: string; unit_level: UnitLevel; unit_code: string;
  handling_unit_name: string; handling_unit_level: UnitLevel; handling_unit_code: string;
  category_code: string; category_name_zh: string; category_name_en: string;
};

/** A case the caller can see, by id; `lock` holds its row for the transaction. */
export function findVisibleCase(db: Executor, actor: Actor, departmentIds: string[], id: string, opts: { lock?: boolean } = {}): Promise<CaseRow | undefined> {
  let q = casesWithUnits(db).select(caseColumns).where('cases.id', '=', id).where(visibleTo(actor, departmentIds));
  if (opts.lock) q = q.forUpdate('cases');
  return q.executeTakeFirst() as Promise<CaseRow | undefined>;
}

/** The case a caller already reported under this idempotency key. */
export function findByIdempotencyKey(db: Executor, userId: string, key: string) {
  return db.selectFrom('cases').select(['id', 'request_hash']).where('reporter_user_id', '=', userId).where('idempotency_key', '=', key).executeTakeFirst();
}

export interface OrderRow {
  id: string;
  assignee_kind: 'unit' | 'department';
  assignee_unit_id: string | null;
  assignee_unit_path: string | null;
  assignee_department_id: string | null;
  lead: boolean;
  state: 'dispatched' | 'claimed' | 'done' | 'returned' | 'cancelled';
  claimed_by: string | null;
  finished_by: string | null;
}

export function ordersOf(db: Executor, caseId: string): Promise<OrderRow[]> {
  return db.selectFrom('work_order')
    .select(['id', 'assignee_kind', 'assignee_unit_id', 'assignee_unit_path', 'assignee_department_id', 'lead', 'state', 'claimed_by', 'finished_by'])
    .where('case_id', '=', caseId).orderBy('id').execute();
}

export function pendingExtension(db: Executor, caseId: string) {
  return db.selectFrom('extension_request').select(['id', 'amount', 'limit_unit']).where('case_id', '=', caseId).where('state', '=', 'pending').executeTakeFirst();
}

/** The timeline, work orders and extension requests of a case, for its page. */
/** A step of a case's timeline, as stored. */
export type EventRow = Selectable<CaseEventTable>;

export async function caseDetails(db: Executor, caseId: string) {
  const [timeline, orders, extensions] = await Promise.all([
    db.selectFrom('case_event').selectAll().where('case_id', '=', caseId).orderBy('occurred_at').orderBy('id').execute(),
    db.selectFrom('work_order')
      .leftJoin('unit', 'unit.id', 'work_order.assignee_unit_id')
      .leftJoin('department', 'department.id', 'work_order.assignee_department_id')
      .leftJoin('app_user as d', 'd.id', 'work_order.dispatched_by')
      .leftJoin('app_user as c', 'c.id', 'work_order.claimed_by')
      .select([
        'work_order.id', 'work_order.assignee_kind', 'work_order.lead', 'work_order.state', 'work_order.dispatched_at', 'work_order.claimed_at',
        'work_order.assignee_unit_id', 'work_order.assignee_unit_path', 'work_order.assignee_department_id', 'work_order.claimed_by', 'work_order.finished_by',
        'work_order.finished_at', 'work_order.note', 'unit.id as unit_id', 'unit.name as unit_name', 'unit.level as unit_level', 'unit.code as unit_code',
        'department.id as department_id', 'department.code as department_code', 'department.name_zh as department_name_zh',
        'department.name_en as department_name_en', 'd.display_name as dispatched_by_name', 'c.display_name as claimed_by_name',
      ])
      .where('work_order.case_id', '=', caseId).orderBy('work_order.id').execute(),
    db.selectFrom('extension_request').selectAll().where('case_id', '=', caseId).orderBy('id').execute(),
  ]);
  return { timeline, orders, extensions };
}

export function caseNumberOf(db: Executor, id: string) {
  return db.selectFrom('cases').select(['id', 'number']).where('id', '=', id).executeTakeFirst();
}

const OPEN = [...OPEN_STATES];

/** The predicate of a work list, for this caller. */
function listPredicate(actor: Actor, departmentIds: string[], list: CaseList, now: Date): Expression<SqlBool> {
  switch (list) {
    case 'to_accept':
      return sql<SqlBool>`(cases.state = 'reported' and ${inScope(actor, P.dispatch, 'cases.handling_path')})`;
    case 'to_dispatch':
      return sql<SqlBool>`(cases.state = 'accepted' and ${inScope(actor, P.dispatch, 'cases.handling_path')})`;
    case 'mine': {
      // Orders to the very units the caller works at (not every unit below), or to their departments.
      const roots = actor.scopesFor(P.handle);
      const parts: Expression<SqlBool>[] = [];
      if (roots.length) parts.push(sql<SqlBool>`w.assignee_unit_path in (${sql.join(roots.map((r) => sql`${r}::ltree`))})`);
      if (departmentIds.length) parts.push(sql<SqlBool>`w.assignee_department_id in (${sql.join(departmentIds)})`);
      if (!parts.length) return sql<SqlBool>`false`;
      return sql<SqlBool>`exists (select 1 from work_order w where w.case_id = cases.id and w.state in ('dispatched','claimed') and (${sql.join(parts, sql` or `)}))`;
    }
    case 'to_verify':
      return sql<SqlBool>`(cases.state = 'handled' and ${inScope(actor, P.verify, 'cases.unit_path')})`;
    case 'overdue':
      return sql<SqlBool>`(cases.state in (${sql.join(OPEN)}) and (cases.stage_deadline < ${now} or cases.overdue_level <> 'green'))`;
    case 'supervised':
      return sql<SqlBool>`(cases.state in (${sql.join(OPEN)}) and cases.supervision is not null)`;
    case 'reported_by_me':
      return sql<SqlBool>`cases.reporter_user_id = ${actor.userId}`;
    case 'all':
      return sql<SqlBool>`true`;
  }
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/**
 * Totals of lists and menu counts stop here: past it a number tells a person nothing more ("1 000+"),
 * and counting a street's or the district's hundreds of thousands of cases exactly took seconds.
 */
export const LIST_TOTAL_CAP = 1_000;

/** A page of a work list, filtered and sorted, with its total (counted up to `cap`; `capped` says there are more). */
export async function listCases(
  db: Executor, actor: Actor, departmentIds: string[], f: CaseListQuery, subtree: string | null, now: Date, cap = LIST_TOTAL_CAP,
): Promise<{ rows: CaseRow[]; total: number; capped: boolean }> {
  // The matching cases on the cases table alone: the page's ids and the count are found without
  // joining units and categories (a join the planner, misjudging the OR of visibleTo, ran for every row).
  let base = db.selectFrom('cases').where(await visibility(db, actor, departmentIds, f.list)).where(listPredicate(actor, departmentIds, f.list, now));
  if (subtree) base = base.where(inSubtree('cases.unit_path', subtree));
  if (f.state) base = base.where('cases.state', '=', f.state);
  if (f.categoryCode) {
    const code = f.categoryCode;
    base = base.where('cases.category_id', 'in', db.selectFrom('case_category').select('id').where((eb) => eb.or([eb('code', '=', code), eb('code', 'like', `${escapeLike(code)}.%`)])));
  }
  if (f.urgency) base = base.where('cases.urgency', '=', f.urgency);
  if (f.source) base = base.where('cases.source', '=', f.source);
  if (f.from) base = base.where('cases.created_at', '>=', new Date(f.from));
  if (f.to) base = base.where('cases.created_at', '<', new Date(f.to));
  if (f.q) {
    const q = f.q;
    base = base.where((eb) => eb.or([eb('cases.number', '=', q.toUpperCase()), eb('cases.description', 'ilike', `%${escapeLike(q)}%`)]));
  }
  const byDeadline = f.sort === 'deadline';
  const ordered = <Q extends { orderBy: (...a: any[]) => Q }>(q: Q): Q => (byDeadline
    ? q.orderBy(sql`cases.stage_deadline asc nulls last`).orderBy('cases.id')
    : q.orderBy('cases.created_at', 'desc').orderBy('cases.id', 'desc'));
  // One walk gives both the page and the total: the first cap + 1 matches in the list's order hold the
  // page (for the first cap / limit pages) and say whether there are more than the cap. Past them, the
  // page and a capped count are asked for separately.
  let pageIds: { id: string }[];
  let total: number;
  if (f.offset + f.limit <= cap + 1) {
    const found = await ordered(base.select('cases.id')).limit(cap + 1).execute();
    pageIds = found.slice(f.offset, f.offset + f.limit);
    total = found.length;
  } else {
    const [page, count] = await Promise.all([
      ordered(base.select('cases.id')).limit(f.limit).offset(f.offset).execute(),
      db.selectFrom(base.select(sql`1`.as('one')).limit(cap + 1).as('matching')).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
    ]);
    pageIds = page;
    total = Number(count.n);
  }
  // The page's rows by their ids: a statement of one shape for every list and caller, kept prepared
  // (planning it cost PostgreSQL as much as running it, ≈ 1.2 ms a request).
  const rows = pageIds.length
    ? await ordered(casesWithUnits(db).select(caseColumns).where(sql<SqlBool>`cases.id = ANY(${pageIds.map((r) => r.id)}::bigint[])`))
      .modifyEnd(prepared).execute()
    : [];
  return { rows: rows as CaseRow[], total: Math.min(total, cap), capped: total > cap };
}

/**
 * How many cases each work list holds for this caller (the menu counts), each counted up to `cap`:
 * one capped subquery per list, so each stops at the cap instead of every list filtering every visible case.
 */
export async function countLists(
  db: Executor, actor: Actor, departmentIds: string[], lists: readonly CaseList[], now: Date, cap = LIST_TOTAL_CAP,
): Promise<Record<string, number>> {
  if (lists.length === 0) return {};
  const selections = await Promise.all(lists.map(async (l) => sql<string>`(select count(*) from (select 1 from cases where ${await visibility(db, actor, departmentIds, l)} and ${listPredicate(actor, departmentIds, l, now)} limit ${cap}) as matching)`.as(l)));
  const row = await db.selectNoFrom(selections).executeTakeFirstOrThrow();
  return Object.fromEntries(lists.map((l) => [l, Number((row as Record<string, string>)[l])]));
}
