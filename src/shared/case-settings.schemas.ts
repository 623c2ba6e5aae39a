import { z } from 'zod';
import { Id } from './registry/common.schemas.js';
import { UnitLevel } from './hierarchy.schemas.js';

/**
 * Case settings: the category tree with its time limits (事件分类与时限) and the functional departments
 * (职能部门) with their members. Categories are one catalogue for the whole deployment; departments
 * serve a district or a street.
 */

export const TIME_LIMIT_UNITS = ['working_hours', 'working_days', 'clock_hours'] as const;
export const TimeLimitInput = z.strictObject({
  unit: z.enum(TIME_LIMIT_UNITS),
  amount: z.number().positive().max(1000),
});
export const HANDLING_LEVELS = ['grid', 'community', 'street'] as const;
const Slug = z.string().regex(/^[a-z][a-z0-9_]{1,40}$/);
const Name = (max: number) => z.string().trim().min(1).max(max);

export const CategoryLimits = z.strictObject({
  accept: TimeLimitInput, handle: TimeLimitInput, verify: TimeLimitInput, urgentHandle: TimeLimitInput,
});

/** A new category: top level, or a subcategory of `parentCode` (its code becomes `<parent>.<code>`). */
export const CreateCategoryInput = z.strictObject({
  parentCode: Slug.optional(),
  code: Slug,
  nameZh: Name(40),
  nameEn: Name(80),
  /** Omitted in a subcategory: the parent's limits. */
  limits: CategoryLimits.optional(),
  defaultLevel: z.enum(HANDLING_LEVELS).optional(),
  departmentCode: Slug.nullable().optional(),
  sortOrder: z.number().int().min(0).max(100000).optional(),
});
export type CreateCategoryInput = z.infer<typeof CreateCategoryInput>;

export const UpdateCategoryInput = z.strictObject({
  nameZh: Name(40).optional(),
  nameEn: Name(80).optional(),
  limits: CategoryLimits.partial().optional(),
  defaultLevel: z.enum(HANDLING_LEVELS).optional(),
  departmentCode: Slug.nullable().optional(),
  isActive: z.boolean().optional(),
  sortOrder: z.number().int().min(0).max(100000).optional(),
});
export type UpdateCategoryInput = z.infer<typeof UpdateCategoryInput>;

const TimeLimitView = z.object({ unit: z.enum(TIME_LIMIT_UNITS), amount: z.number() });
export const CategoryAdminView = z.object({
  code: z.string(),
  parentCode: z.string().nullable(),
  nameZh: z.string(),
  nameEn: z.string(),
  limits: z.object({ accept: TimeLimitView, handle: TimeLimitView, verify: TimeLimitView, urgentHandle: TimeLimitView }),
  defaultLevel: z.enum(HANDLING_LEVELS),
  departmentCode: z.string().nullable(),
  isActive: z.boolean(),
  sortOrder: z.number(),
  caseCount: z.number(),
});
export type CategoryAdminView = z.infer<typeof CategoryAdminView>;
export const CategoryAdminList = z.object({ items: z.array(CategoryAdminView), editable: z.boolean() });
export const CategoryCodeParam = z.object({ code: z.string().regex(/^[a-z][a-z0-9_]{1,40}(\.[a-z][a-z0-9_]{1,40})?$/) });

const UnitRef = z.object({ id: z.string(), name: z.string(), level: UnitLevel, code: z.string() });

export const DepartmentView = z.object({
  id: z.string(),
  code: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  unit: UnitRef,
  /** A functional department (职能部门) or a partner organisation (共建单位). */
  kind: z.enum(['department', 'partner']),
  /** The registry's organisation a partner is, when named. */
  organisation: z.object({ id: z.string(), name: z.string() }).nullable(),
  isActive: z.boolean(),
  memberCount: z.number(),
  openOrders: z.number(),
});
export type DepartmentView = z.infer<typeof DepartmentView>;
export const DepartmentList = z.object({ items: z.array(DepartmentView) });
export const DepartmentQuery = z.strictObject({ unitId: Id.optional() });
export const DepartmentIdParam = z.object({ id: Id });
export const DepartmentMemberParam = z.object({ id: Id, userId: Id });

export const CreateDepartmentInput = z.strictObject({
  unitId: Id,
  code: Slug,
  nameZh: Name(60),
  nameEn: Name(100),
  /** Departments serve a district or street; partner organisations a street or community. */
  kind: z.enum(['department', 'partner']).default('department'),
  organisationId: Id.optional(),
});
export type CreateDepartmentInput = z.infer<typeof CreateDepartmentInput>;
export const UpdateDepartmentInput = z.strictObject({
  nameZh: Name(60).optional(),
  nameEn: Name(100).optional(),
  isActive: z.boolean().optional(),
});
export type UpdateDepartmentInput = z.infer<typeof UpdateDepartmentInput>;

export const DepartmentMember = z.object({ userId: z.string(), username: z.string(), displayName: z.string(), unitName: z.string(), isActive: z.boolean() });
export const DepartmentMemberList = z.object({ items: z.array(DepartmentMember) });
export const AddMemberInput = z.strictObject({ userId: Id });
/** Department handler accounts in scope that could join a department (matching `q` by username or name). */
export const MemberCandidateQuery = z.strictObject({ q: z.string().trim().max(64).optional() });
export const MemberCandidate = DepartmentMember.extend({ isMember: z.boolean() });
export const MemberCandidateList = z.object({ items: z.array(MemberCandidate) });
