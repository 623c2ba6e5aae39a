import type { z } from 'zod';
import type * as S from '../../shared/auth.schemas.js';
import type { Locale } from '../../shared/i18n/index.js';
import { ApiError, http } from './client.js';

export type Me = S.Me;
export type LoginStatus = z.infer<typeof S.LoginResult>['status'];
export type MfaSetup = z.infer<typeof S.MfaSetup>;
export type OwnBinding = z.infer<typeof S.RoleBindingView>;

export const authApi = {
  /** The signed-in user, or null when nobody is (401). */
  me: async (): Promise<Me | null> => {
    try {
      return await http.get<Me>('/api/auth/me');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  },
  login: (input: z.infer<typeof S.LoginInput>) => http.post<{ status: LoginStatus }>('/api/auth/login', input),
  logout: () => http.post<{ ok: true }>('/api/auth/logout'),
  verifyMfa: (input: z.infer<typeof S.MfaVerifyInput>) => http.post<{ status: LoginStatus }>('/api/auth/mfa/verify', input),
  setupMfa: () => http.post<MfaSetup>('/api/auth/mfa/setup'),
  enableMfa: (code: string) => http.post<{ recoveryCodes: string[] }>('/api/auth/mfa/enable', { code }),
  disableMfa: (password: string) => http.post<{ ok: true }>('/api/auth/mfa/disable', { password }),
  changePassword: (input: z.infer<typeof S.ChangePasswordInput>) => http.post<{ ok: true }>('/api/auth/password', input),
  setLocale: (locale: Locale) => http.put<{ ok: true }>('/api/auth/locale', { locale }),
};
