import { z } from 'zod';
import { ROLES } from './roles.js';
import { UnitRef } from './hierarchy.schemas.js';
import { LOCALES } from './i18n/index.js';

const Id = z.string().regex(/^\d{1,18}$/);

export const UserIdParam = z.strictObject({ id: Id });
export const BindingIdParams = z.strictObject({ id: Id, bindingId: Id });

/** 3–64 of letters, digits and _ . @ -, unique case-insensitively (the database checks the same). */
const USERNAME = /^[A-Za-z0-9_.@-]{3,64}$/;
export const Username = z.string()
  .superRefine((v, ctx) => {
    // One message that says what a username may be, whatever is wrong with it.
    if (!USERNAME.test(v)) ctx.addIssue({ code: 'custom', messageKey: 'user.username_format', input: v });
  })
  .meta({ pattern: USERNAME.source, description: '3–64 of A–Z a–z 0–9 _ . @ -, unique case-insensitively' });
const DisplayName = z.string().trim().min(1).max(100);
const Password = z.string().min(1).max(256);
export const UserLocale = z.enum(LOCALES);
export const RoleName = z.enum(ROLES);
export const UserStatus = z.enum(['active', 'disabled', 'locked']);

export const UserListQuery = z.strictObject({
  /** Matches the username or the display name. */
  q: z.string().trim().max(64).optional(),
  /** Only accounts whose unit lies in this unit's subtree. */
  unitId: Id.optional(),
  /** Only accounts holding this role somewhere (needs role_binding.read). */
  role: RoleName.optional(),
  status: UserStatus.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
export type UserListQuery = z.infer<typeof UserListQuery>;

export const CreateUserInput = z.strictObject({
  username: Username,
  displayName: DisplayName,
  /** Checked against the staff password policy. */
  password: Password,
  unitId: Id,
  locale: UserLocale.optional(),
});
export type CreateUserInput = z.infer<typeof CreateUserInput>;

export const UpdateUserInput = z.strictObject({
  displayName: DisplayName.optional(),
  /** Move the account to another unit (its role bindings stay where they are). */
  unitId: Id.optional(),
  /** false disables the account and ends its sessions. */
  isActive: z.boolean().optional(),
  locale: UserLocale.optional(),
});
export type UpdateUserInput = z.infer<typeof UpdateUserInput>;

export const ResetPasswordInput = z.strictObject({ newPassword: Password });

export const CreateBindingInput = z.strictObject({ role: RoleName, unitId: Id });
export type CreateBindingInput = z.infer<typeof CreateBindingInput>;

export const BindingView = z.object({
  id: z.string(),
  role: RoleName,
  unit: UnitRef,
  createdAt: z.string(),
});
export type BindingView = z.infer<typeof BindingView>;

/** What the caller may do to the account: the UI hides what is false. */
export const UserAbilities = z.object({
  update: z.boolean(),
  resetPassword: z.boolean(),
  unlock: z.boolean(),
  resetMfa: z.boolean(),
  manageBindings: z.boolean(),
});
export type UserAbilities = z.infer<typeof UserAbilities>;

export const UserView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  locale: UserLocale,
  unit: UnitRef,
  isActive: z.boolean(),
  /** Set while a lockout after failed sign-ins lasts (ISO), else null. */
  lockedUntil: z.string().nullable(),
  mfaEnabled: z.boolean(),
  /** One of the account's roles requires a second factor. */
  mfaRequired: z.boolean(),
  createdAt: z.string(),
  /** Empty unless the caller holds role_binding.read at the account's unit. */
  bindings: z.array(BindingView),
  abilities: UserAbilities,
});
export type UserView = z.infer<typeof UserView>;

export const UserList = z.object({ items: z.array(UserView), total: z.number() });

export const RoleInfo = z.object({ role: RoleName, permissions: z.array(z.string()), mfaRequired: z.boolean() });
export const RoleList = z.object({ items: z.array(RoleInfo) });

export const Ok = z.object({ ok: z.literal(true) });
