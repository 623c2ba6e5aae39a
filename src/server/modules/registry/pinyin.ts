import { pinyin } from 'pinyin-pro';

/**
 * Pinyin keys of a name for search: initials ("zs" for 张三) and the full syllables ("zhangsan"),
 * with surnames read as surnames (单 → shan, 曾 → zeng). Latin letters in a name are kept.
 */
export function nameKeys(name: string): { initials: string; full: string } {
  const opts = { mode: 'surname', toneType: 'none', type: 'array', nonZh: 'consecutive', v: true } as const;
  const syllables = pinyin(name, opts).map((s) => s.toLowerCase().replace(/[^a-z]/g, '')).filter(Boolean);
  return {
    initials: syllables.map((s) => s[0]).join(''),
    full: syllables.join(''),
  };
}

/** Is a search text pinyin (letters only), as opposed to hanzi? */
export function looksLikePinyin(q: string): boolean {
  return /^[a-zA-Z]+$/.test(q);
}
