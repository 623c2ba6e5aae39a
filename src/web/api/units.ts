import type { z } from 'zod';
import type * as S from '../../shared/hierarchy.schemas.js';
import type { UnitLevel } from '../../shared/roles.js';
import { http } from './client.js';

export type UnitView = S.UnitView;
export type UnitDetail = z.infer<typeof S.UnitDetail>;
export type UnitRef = z.infer<typeof S.UnitRef>;
export type Boundary = S.Boundary;
export type CreateUnitInput = z.infer<typeof S.CreateUnitInput>;
export type UpdateUnitInput = z.infer<typeof S.UpdateUnitInput>;

export const unitsApi = {
  roots: () => http.get<{ items: UnitView[] }>('/api/units/roots').then((r) => r.items),
  children: (id: string) => http.get<{ items: UnitView[] }>(`/api/units/${id}/children`).then((r) => r.items),
  search: (q: { q?: string; level?: UnitLevel; limit?: number }) => http.get<{ items: UnitView[] }>('/api/units', q).then((r) => r.items),
  detail: (id: string) => http.get<UnitDetail>(`/api/units/${id}`),
  create: (input: CreateUnitInput) => http.post<UnitDetail>('/api/units', input),
  update: (id: string, input: UpdateUnitInput) => http.patch<UnitDetail>(`/api/units/${id}`, input),
  move: (id: string, parentId: string) => http.post<UnitDetail>(`/api/units/${id}/move`, { parentId }),
  remove: (id: string) => http.delete(`/api/units/${id}`),
};

/** Query keys, so that pages refresh exactly what a change touched. */
export const unitKeys = {
  all: ['units'] as const,
  roots: ['units', 'roots'] as const,
  detail: (id: string) => ['units', 'detail', id] as const,
  children: (id: string) => ['units', 'children', id] as const,
  search: (q: string, level?: string) => ['units', 'search', q, level ?? ''] as const,
};
