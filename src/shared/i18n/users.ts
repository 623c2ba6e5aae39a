/** users messages (server and web). The keys user.* of core.ts are reused, not repeated here. */
const zh = {
  'user.username_format': '须为 3–64 位字母、数字或 _ . @ -',
  'user.unit_not_found': '单元不存在',
  'user.binding_not_found': '角色绑定不存在',
  'user.cannot_reset_own_password': '不能在这里重置自己的密码，请在个人设置中修改',
  'user.cannot_reset_own_mfa': '不能重置自己的双因素认证',

  'field.isActive': '启用状态',
  'field.status': '状态',
  'field.bindingId': '角色绑定',
};

const en: Record<keyof typeof zh, string> = {
  'user.username_format': 'must be 3–64 letters, digits or _ . @ -',
  'user.unit_not_found': 'The unit does not exist',
  'user.binding_not_found': 'The role binding does not exist',
  'user.cannot_reset_own_password': 'You cannot reset your own password here; change it in your own settings',
  'user.cannot_reset_own_mfa': 'You cannot reset your own two-factor sign-in',

  'field.isActive': 'Active',
  'field.status': 'Status',
  'field.bindingId': 'Role binding',
};

export const users = { 'zh-CN': zh, en };
