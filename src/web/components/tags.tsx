import { Tag } from 'antd';
import type { MessageKey } from '../../shared/i18n/index.js';
import type { Role, UnitLevel } from '../../shared/roles.js';
import { useT } from '../app/i18n.js';

export const LEVEL_COLORS: Record<UnitLevel, string> = {
  province: 'purple',
  city: 'geekblue',
  district: 'magenta',
  street: 'orange',
  community: 'blue',
  grid: 'green',
  microgrid: 'cyan',
};

export const levelKey = (level: UnitLevel): MessageKey => `level.${level}`;
export const roleKey = (role: Role): MessageKey => `ui.role.${role}`;

/** A unit's level as a coloured tag with its translated name. */
export function LevelTag({ level }: { level: UnitLevel }) {
  const t = useT();
  return <Tag color={LEVEL_COLORS[level]} style={{ marginInlineEnd: 4 }}>{t(levelKey(level))}</Tag>;
}

const ROLE_COLORS: Partial<Record<Role, string>> = {
  system_admin: 'red',
  security_admin: 'volcano',
  auditor: 'gold',
};

export function RoleTag({ role }: { role: Role }) {
  const t = useT();
  return <Tag color={ROLE_COLORS[role] ?? 'blue'}>{t(roleKey(role))}</Tag>;
}
