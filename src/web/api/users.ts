import type { z } from 'zod';
import type * as S from '../../shared/users.schemas.js';
import type { Role } from '../../shared/roles.js';
import { http } from './client.js';

export type UserView = S.UserView;
export type BindingView = S.BindingView;
export type UserListQuery = Partial<S.UserListQuery>;
export type RoleInfo = z.infer<typeof S.RoleInfo>;

export const usersApi = {
  list: (q: UserListQuery) => http.get<{ items: UserView[]; total: number }>('/api/users', q),
  get: (id: string) => http.get<UserView>(`/api/users/${id}`),
  create: (input: S.CreateUserInput) => http.post<UserView>('/api/users', input),
  update: (id: string, input: S.UpdateUserInput) => http.patch<UserView>(`/api/users/${id}`, input),
  resetPassword: (id: string, newPassword: string) => http.post<{ ok: true }>(`/api/users/${id}/password`, { newPassword }),
  unlock: (id: string) => http.post<UserView>(`/api/users/${id}/unlock`),
  resetMfa: (id: string) => http.post<UserView>(`/api/users/${id}/mfa/reset`),
  addBinding: (id: string, input: { role: Role; unitId: string }) => http.post<BindingView>(`/api/users/${id}/bindings`, input),
  removeBinding: (id: string, bindingId: string) => http.delete(`/api/users/${id}/bindings/${bindingId}`),
  roles: () => http.get<{ items: RoleInfo[] }>('/api/roles').then((r) => r.items),
};

export const userKeys = {
  all: ['users'] as const,
  list: (q: UserListQuery) => ['users', 'list', q] as const,
  roles: ['roles'] as const,
};
