import { z } from 'zod';
import { ROLES } from './roles.js';

export const LoginInput = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});

export const LoginResult = z.object({
  status: z.enum(['ok', 'mfa_required', 'mfa_enrollment_required']),
});

export const MfaVerifyInput = z.strictObject({
  code: z.string().max(10).optional(),
  recoveryCode: z.string().max(40).optional(),
});

export const MfaEnableInput = z.strictObject({ code: z.string().min(6).max(10) });
export const MfaDisableInput = z.strictObject({ password: z.string().min(1).max(256) });

export const ChangePasswordInput = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: z.string().min(1).max(256),
});

export const LocaleInput = z.strictObject({ locale: z.enum(['zh-CN', 'en']) });

export const RoleBindingView = z.object({
  id: z.string(),
  role: z.enum(ROLES),
  unitId: z.string(),
  unitPath: z.string(),
  unitName: z.string(),
  unitLevel: z.string(),
});

export const Me = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  locale: z.enum(['zh-CN', 'en']),
  bindings: z.array(RoleBindingView),
  permissions: z.array(z.string()),
  mfa: z.object({
    enabled: z.boolean(),
    required: z.boolean(),
    /** Signed in with the password, the second factor still to come. */
    pending: z.boolean(),
  }),
});
export type Me = z.infer<typeof Me>;

export const MfaSetup = z.object({ secret: z.string(), otpauthUri: z.string(), qrDataUrl: z.string() });
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()) });
export const Ok = z.object({ ok: z.literal(true) });
