import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fieldLabel, isMessageKey, pickLocale, translate } from '../../src/shared/i18n/index.js';

type Area = { 'zh-CN': Record<string, string>; en: Record<string, string> };
const I18N_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/shared/i18n');

/** Every area file of the catalogue (each exports one { 'zh-CN', en } object), found on disk. */
async function loadAreas(): Promise<Record<string, Area>> {
  const out: Record<string, Area> = {};
  for (const file of fs.readdirSync(I18N_DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts').sort()) {
    const mod = (await import(path.join(I18N_DIR, file))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (value && typeof value === 'object' && 'zh-CN' in value && 'en' in value) out[`${file}:${name}`] = value as Area;
    }
  }
  return out;
}

describe('pickLocale', () => {
  it('defaults to zh-CN', () => {
    expect(pickLocale(undefined)).toBe('zh-CN');
    expect(pickLocale(null)).toBe('zh-CN');
    expect(pickLocale('')).toBe('zh-CN');
    expect(pickLocale('fr-FR, de;q=0.8')).toBe('zh-CN');
    expect(pickLocale('*')).toBe('zh-CN');
  });

  it('picks English when English ranks first', () => {
    expect(pickLocale('en')).toBe('en');
    expect(pickLocale('en-US,en;q=0.9,zh-CN;q=0.8')).toBe('en');
    expect(pickLocale('zh-CN;q=0.5, en-GB;q=0.9')).toBe('en');
    expect(pickLocale('fr, EN-gb;q=0.7')).toBe('en');
  });

  it('picks Chinese for any zh tag ranked first', () => {
    expect(pickLocale('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(pickLocale('zh-TW')).toBe('zh-CN');
    expect(pickLocale('en;q=0.1, zh-Hans')).toBe('zh-CN');
  });
});

describe('translate', () => {
  it('fills placeholders in either language', () => {
    expect(translate('zh-CN', 'auth.locked', { minutes: 5 })).toBe('登录失败次数过多，账号已锁定，请 5 分钟后再试');
    expect(translate('en', 'auth.locked', { minutes: 5 })).toBe('Too many failed sign-ins; the account is locked, try again in 5 minutes');
    expect(translate('en', 'error.route_not_found', { method: 'GET', url: '/api/x' })).toBe('No such endpoint: GET /api/x');
  });

  it('leaves a placeholder without a parameter as it is, and text without params untouched', () => {
    expect(translate('en', 'auth.locked', {})).toContain('{minutes}');
    expect(translate('zh-CN', 'error.unauthenticated')).toBe('请先登录');
  });

  it('translates a parameter that is itself a catalogue key, like level.grid', () => {
    expect(translate('zh-CN', 'unit.level_mismatch', { child: 'level.grid', parent: 'level.community' })).toBe('网格只能建在社区之下');
    expect(translate('en', 'unit.level_mismatch', { child: 'level.microgrid', parent: 'level.grid' })).toBe('A micro-grid can only be created under a grid');
    // A value that merely looks like a key stays as it is.
    expect(translate('en', 'unit.code_taken', { code: 'level.nothing' })).toBe('The code level.nothing is already in use');
    expect(translate('en', 'unit.code_taken', { code: '420105' })).toBe('The code 420105 is already in use');
  });

  it('isMessageKey and fieldLabel', () => {
    expect(isMessageKey('level.grid')).toBe(true);
    expect(isMessageKey('level.planet')).toBe(false);
    expect(fieldLabel('zh-CN', 'newPassword')).toBe('新密码');
    expect(fieldLabel('en', 'bindings.0.role')).toBe('Role');
    expect(fieldLabel('en', 'somethingElse')).toBe('somethingElse');
  });
});

describe('the catalogue', () => {
  const placeholders = (s: string) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();

  it('has every key in both languages, with the same placeholders, and no empty text', async () => {
    const areas = await loadAreas();
    expect(Object.keys(areas).length).toBeGreaterThanOrEqual(5);
    for (const [name, area] of Object.entries(areas)) {
      expect(Object.keys(area.en).sort(), name).toEqual(Object.keys(area['zh-CN']).sort());
      for (const [key, zh] of Object.entries(area['zh-CN'])) {
        const en = area.en[key]!;
        expect(zh.trim(), `${name} ${key}`).not.toBe('');
        expect(en.trim(), `${name} ${key}`).not.toBe('');
        expect(placeholders(en), `${name} ${key}`).toEqual(placeholders(zh));
      }
    }
  });

  it('no key is defined by two areas, and every key reaches the merged catalogue', async () => {
    const areas = await loadAreas();
    const seen = new Map<string, string>();
    for (const [name, area] of Object.entries(areas)) {
      for (const key of Object.keys(area['zh-CN'])) {
        expect(seen.get(key), `${key} in ${name}`).toBeUndefined();
        seen.set(key, name);
        expect(isMessageKey(key), `${key} of ${name} is not merged in i18n/index.ts`).toBe(true);
      }
    }
  });
});
