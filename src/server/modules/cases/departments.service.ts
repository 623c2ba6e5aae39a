import type { Executor } from '../../core/db/index.js';

/**
 * The functional departments (职能部门) a district usually has, by the codes the case categories name
 * as responsible. A district or street gets them with ensureStandardDepartments; a deployment adds,
 * renames or deactivates its own.
 */
export const STANDARD_DEPARTMENTS: { code: string; zh: string; en: string }[] = [
  { code: 'urban_management', zh: '城市管理执法局', en: 'Urban Management and Law Enforcement Bureau' },
  { code: 'housing', zh: '住房和城市更新局', en: 'Housing and Urban Renewal Bureau' },
  { code: 'market_regulation', zh: '市场监督管理局', en: 'Market Regulation Bureau' },
  { code: 'ecology', zh: '生态环境分局', en: 'Ecology and Environment Sub-bureau' },
  { code: 'emergency', zh: '应急管理局', en: 'Emergency Management Bureau' },
  { code: 'public_security', zh: '公安分局', en: 'Public Security Sub-bureau' },
  { code: 'traffic_police', zh: '交通警察大队', en: 'Traffic Police Brigade' },
  { code: 'justice', zh: '司法局', en: 'Justice Bureau' },
  { code: 'civil_affairs', zh: '民政局', en: 'Civil Affairs Bureau' },
  { code: 'human_resources', zh: '人力资源和社会保障局', en: 'Human Resources and Social Security Bureau' },
  { code: 'water', zh: '水务和湖泊局', en: 'Water and Lakes Bureau' },
  { code: 'landscaping', zh: '园林和林业局', en: 'Parks and Forestry Bureau' },
];

/** Create the standard departments serving a district or street (those it lacks); their ids by code. */
export async function ensureStandardDepartments(db: Executor, unit: { id: string; path: string; region_code: string }): Promise<Record<string, string>> {
  await db.insertInto('department')
    .values(STANDARD_DEPARTMENTS.map((d) => ({
      code: d.code, name_zh: d.zh, name_en: d.en, unit_id: unit.id, unit_path: unit.path, region_code: unit.region_code,
    })))
    .onConflict((oc) => oc.constraint('department_code_unique').doNothing())
    .execute();
  const rows = await db.selectFrom('department').select(['id', 'code']).where('unit_id', '=', unit.id).execute();
  return Object.fromEntries(rows.map((r) => [r.code, r.id]));
}

/** Make an account a member of a department: it receives the work orders dispatched there. */
export async function addDepartmentMember(db: Executor, departmentId: string, userId: string): Promise<void> {
  await db.insertInto('department_member').values({ department_id: departmentId, user_id: userId })
    .onConflict((oc) => oc.columns(['department_id', 'user_id']).doNothing()).execute();
}
