import type { Locale } from '../../shared/i18n/index.js';

/** A date-time for people: 2025-03-01 14:05:09 in Chinese, 1 Mar 2025, 14:05:09 in English. */
export function formatDateTime(iso: string, locale: Locale): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return locale === 'en'
    ? d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })
    : d.toLocaleString('zh-CN', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export function formatBytes(n: number, locale: Locale): string {
  const fmt = (x: number, d: number) => x.toLocaleString(locale === 'en' ? 'en-GB' : 'zh-CN', { maximumFractionDigits: d });
  if (n < 1024) return `${fmt(n, 0)} B`;
  if (n < 1024 * 1024) return `${fmt(n / 1024, 1)} KB`;
  return `${fmt(n / 1024 / 1024, 1)} MB`;
}
