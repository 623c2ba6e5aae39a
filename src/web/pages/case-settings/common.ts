import type { Locale, MessageKey } from '../../../shared/i18n/index.js';
import type { TIME_LIMIT_UNITS } from '../../../shared/case-settings.schemas.js';
import type { Translate } from '../../app/i18n.js';
import type { TimeLimit } from '../../api/case-settings.js';

export type LimitUnit = (typeof TIME_LIMIT_UNITS)[number];
export const LIMIT_KEYS = ['accept', 'handle', 'verify', 'urgentHandle'] as const;
export type LimitKey = (typeof LIMIT_KEYS)[number];

export const limitLabel: Record<LimitKey, MessageKey> = {
  accept: 'ui.case_settings.limit_accept',
  handle: 'ui.case_settings.limit_handle',
  verify: 'ui.case_settings.limit_verify',
  urgentHandle: 'ui.case_settings.limit_urgent',
};

export const unitLabel = (unit: LimitUnit): MessageKey => `ui.case_settings.unit.${unit}`;

/** "2 工作小时" / "3 working days". */
export function formatLimit(t: Translate, l: TimeLimit): string {
  return `${l.amount} ${t(unitLabel(l.unit))}`;
}

/** A record's name in the interface language. */
export const nameIn = (locale: Locale, r: { nameZh: string; nameEn: string }) => (locale === 'en' ? r.nameEn : r.nameZh);
