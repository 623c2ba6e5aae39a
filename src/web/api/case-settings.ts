import type { z } from 'zod';
import type * as S from '../../shared/case-settings.schemas.js';
import { http } from './client.js';

export type CategoryAdminView = S.CategoryAdminView;
export type CategoryAdminList = z.infer<typeof S.CategoryAdminList>;
export type TimeLimit = CategoryAdminView['limits']['accept'];
export type DepartmentView = S.DepartmentView;
export type DepartmentMember = z.infer<typeof S.DepartmentMember>;
export type MemberCandidate = z.infer<typeof S.MemberCandidate>;

const department = (id: string) => `/api/case-settings/departments/${id}`;

/** 事件设置: the category tree with its time limits, the departments and their members. */
export const caseSettingsApi = {
  categories: () => http.get<CategoryAdminList>('/api/case-settings/categories'),
  createCategory: (input: S.CreateCategoryInput) => http.post<CategoryAdminView>('/api/case-settings/categories', input),
  updateCategory: (code: string, input: S.UpdateCategoryInput) => http.patch<CategoryAdminView>(`/api/case-settings/categories/${code}`, input),
  departments: (q: { unitId?: string } = {}) => http.get<{ items: DepartmentView[] }>('/api/case-settings/departments', q).then((r) => r.items),
  createDepartment: (input: S.CreateDepartmentInput) => http.post<DepartmentView>('/api/case-settings/departments', input),
  updateDepartment: (id: string, input: S.UpdateDepartmentInput) => http.patch<DepartmentView>(department(id), input),
  members: (id: string) => http.get<{ items: DepartmentMember[] }>(`${department(id)}/members`).then((r) => r.items),
  candidates: (id: string, q?: string) => http.get<{ items: MemberCandidate[] }>(`${department(id)}/candidates`, { q }).then((r) => r.items),
  addMember: (id: string, userId: string) => http.post<void>(`${department(id)}/members`, { userId }),
  removeMember: (id: string, userId: string) => http.delete(`${department(id)}/members/${userId}`),
};

export const caseSettingsKeys = {
  all: ['case-settings'] as const,
  categories: ['case-settings', 'categories'] as const,
  departments: ['case-settings', 'departments'] as const,
  members: (id: string) => ['case-settings', 'departments', id, 'members'] as const,
  candidates: (id: string, q: string) => ['case-settings', 'departments', id, 'candidates', q] as const,
};
