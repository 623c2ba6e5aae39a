import { describe, expect, it } from 'vitest';
import { looksLikePinyin, nameKeys } from './pinyin.js';

describe('pinyin keys of names', () => {
  it('gives initials and full pinyin', () => {
    expect(nameKeys('张三')).toEqual({ initials: 'zs', full: 'zhangsan' });
    expect(nameKeys('黄艳娇')).toEqual({ initials: 'hyj', full: 'huangyanjiao' });
  });
  it('reads polyphonic surnames as surnames', () => {
    expect(nameKeys('单田芳').initials).toBe('stf');
    expect(nameKeys('曾小贤').full).toBe('zengxiaoxian');
    expect(nameKeys('解缙').full).toBe('xiejin');
    expect(nameKeys('欧阳娜娜').initials).toBe('oynn');
  });
  it('keeps ü as v and latin letters', () => {
    expect(nameKeys('吕布').full).toBe('lvbu');
    expect(nameKeys('阿依古丽·Ann').initials.startsWith('aygl')).toBe(true);
  });
  it('tells pinyin queries from hanzi', () => {
    expect(looksLikePinyin('zs')).toBe(true);
    expect(looksLikePinyin('张')).toBe(false);
    expect(looksLikePinyin('z s')).toBe(false);
  });
});
