import { core } from './core.js';
import { web } from './web.js';
import { hierarchy } from './hierarchy.js';
import { users } from './users.js';
import { audit } from './audit.js';
import { registry } from './registry.js';
import { buildings } from './buildings.js';
import { importExport } from './import-export.js';
import { webRegistry } from './web-registry.js';
import { notifications } from './notifications.js';
import { open311 } from './open311.js';
import { webCases } from './web-cases.js';
import { cases } from './cases.js';
import { attachments } from './attachments.js';
import { caseSuggestions } from './case-suggestions.js';
import { caseSettings } from './case-settings.js';
import { hotline } from './hotline.js';
import { pwa } from './pwa.js';
import { fieldwork } from './fieldwork.js';
import { cockpit } from './cockpit.js';

/**
 * The i18n catalogue. Each area keeps its own file with a zh-CN and an en half; the en half is
 * typed against the zh-CN one, so a missing translation fails the type check.
 * Placeholders are {name}.
 */
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

const catalogues = {
  'zh-CN': { ...core['zh-CN'], ...hierarchy['zh-CN'], ...users['zh-CN'], ...audit['zh-CN'], ...registry['zh-CN'], ...buildings['zh-CN'], ...importExport['zh-CN'], ...web['zh-CN'], ...webRegistry['zh-CN'], ...cases['zh-CN'], ...notifications['zh-CN'], ...open311['zh-CN'], ...webCases['zh-CN'], ...attachments['zh-CN'], ...caseSettings['zh-CN'], ...caseSuggestions['zh-CN'], ...hotline['zh-CN'], ...pwa['zh-CN'], ...fieldwork['zh-CN'], ...cockpit['zh-CN'] },
  en: { ...core.en, ...hierarchy.en, ...users.en, ...audit.en, ...registry.en, ...buildings.en, ...importExport.en, ...web.en, ...webRegistry.en, ...cases.en, ...notifications.en, ...open311.en, ...webCases.en, ...attachments.en, ...caseSettings.en, ...caseSuggestions.en, ...hotline.en, ...pwa.en, ...fieldwork.en, ...cockpit.en },
};
export type MessageKey = keyof (typeof catalogues)['zh-CN'];
export type Params = Record<string, string | number>;

export function isMessageKey(key: string): key is MessageKey {
  return key in catalogues['zh-CN'];
}

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const text: string = catalogues[locale][key] ?? catalogues[DEFAULT_LOCALE][key] ?? key;
  if (!params) return text;
  // A parameter that is itself a catalogue key (e.g. 'level.grid') is translated too.
  return text.replace(/\{(\w+)\}/g, (m, name: string) => {
    if (!(name in params)) return m;
    const v = String(params[name]);
    return isMessageKey(v) && v.includes('.') ? translate(locale, v) : v;
  });
}

/** Pick a locale from an Accept-Language header (or a stored preference): English when asked for first. */
export function pickLocale(header: string | undefined | null): Locale {
  if (!header) return DEFAULT_LOCALE;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.find((r) => r.trim().startsWith('q='));
      return { tag: (tag ?? '').toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return DEFAULT_LOCALE;
}

/** Translate a field name for an error message: "field.<name>" when the catalogue has it. */
export function fieldLabel(locale: Locale, field: string): string {
  const last = field.split('.').filter((p) => !/^\d+$/.test(p)).pop() ?? field;
  const key = `field.${last}`;
  return isMessageKey(key) ? translate(locale, key) : field;
}
