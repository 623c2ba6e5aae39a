import { describe, expect, it } from 'vitest';
import { CASE_TEXT_CATEGORIES, TYPICAL_CATEGORY_WEIGHTS, caseText, caseTexts } from './case-texts.js';
import { Random } from './random.js';

describe('case texts', () => {
  it('knows the 47 subcategories of the category tree', () => {
    expect(CASE_TEXT_CATEGORIES).toHaveLength(47);
    for (const c of CASE_TEXT_CATEGORIES) expect(c).toMatch(/^[a-z_]+\.[a-z_]+$/);
    expect(Object.keys(TYPICAL_CATEGORY_WEIGHTS).sort()).toEqual([...CASE_TEXT_CATEGORIES].sort());
  });

  it('is seeded: the same seed gives the same texts, another seed others', () => {
    expect(caseTexts(7, 50)).toEqual(caseTexts(7, 50));
    expect(caseTexts(7, 50)).not.toEqual(caseTexts(8, 50));
  });

  it('writes short Chinese descriptions with no placeholder left, valid for a case', () => {
    const r = new Random(1);
    for (const code of CASE_TEXT_CATEGORIES) {
      for (let i = 0; i < 20; i++) {
        const text = caseText(r, code);
        expect(text.length).toBeGreaterThan(3);
        expect(text.length).toBeLessThanOrEqual(2000);
        expect(text).not.toMatch(/[{}]/);
        expect(text).toMatch(/\p{Script=Han}/u);
      }
    }
    expect(() => caseText(r, 'no.such')).toThrow();
  });

  it('varies: few repeats among a thousand texts, and follows the weights', () => {
    const texts = caseTexts(3, 1000, TYPICAL_CATEGORY_WEIGHTS);
    expect(new Set(texts.map((t) => t.text)).size).toBeGreaterThan(950);
    const parking = texts.filter((t) => t.code === 'eight_disorders.parking').length;
    const gas = texts.filter((t) => t.code === 'emergency.gas_leak').length;
    expect(parking).toBeGreaterThan(gas * 5);
  });
});
