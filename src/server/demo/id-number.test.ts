import { describe, expect, it } from 'vitest';
import { makeIdNumber, makePhone, MOBILE_PREFIXES } from './id-number.js';
import { PeopleFactory } from './people.js';
import { Random } from './random.js';

/**
 * GB 11643-1999 written out independently of the code under test: the weight of position i
 * (1-based from the left, 1…17) is 2^(18-i) mod 11; the check value is (12 − Σ mod 11) mod 11,
 * written X when it is 10.
 */
function gb11643Valid(id: string): boolean {
  if (!/^\d{17}[0-9X]$/.test(id)) return false;
  let sum = 0;
  for (let i = 1; i <= 17; i++) sum += Number(id[i - 1]) * (2 ** (18 - i) % 11);
  const check = (12 - (sum % 11)) % 11;
  return id[17] === (check === 10 ? 'X' : String(check));
}

describe('demo ID numbers', () => {
  it('reproduces the example of the standard', () => {
    // GB 11643-1999, appendix: 11010519491231002X, a woman born on 31 December 1949.
    expect(makeIdNumber('110105', '1949-12-31', 'female', 1)).toBe('11010519491231002X');
    expect(gb11643Valid('11010519491231002X')).toBe(true);
    expect(gb11643Valid('110105194912310021')).toBe(false);
  });

  it('encodes address, birth date and gender, with a valid check character', () => {
    const rnd = new Random(7);
    for (let i = 0; i < 2000; i++) {
      const gender = rnd.chance(0.5) ? 'male' : 'female';
      const birth = `${rnd.int(1920, 2025)}-${String(rnd.int(1, 12)).padStart(2, '0')}-${String(rnd.int(1, 28)).padStart(2, '0')}`;
      const id = makeIdNumber('420105', birth, gender, rnd.int(0, 499));
      expect(gb11643Valid(id), id).toBe(true);
      expect(id.slice(0, 6)).toBe('420105');
      expect(id.slice(6, 14)).toBe(birth.replaceAll('-', ''));
      expect(Number(id[16]) % 2).toBe(gender === 'male' ? 1 : 0);
    }
  });

  it('refuses malformed input', () => {
    expect(() => makeIdNumber('4201', '1990-01-01', 'male', 1)).toThrow();
    expect(() => makeIdNumber('420105', '19900101', 'male', 1)).toThrow();
    expect(() => makeIdNumber('420105', '1990-01-01', 'male', 500)).toThrow();
  });

  it('gives every planned resident a unique, valid ID number matching their birth date and gender', () => {
    const people = new PeopleFactory(new Random(42), '420105');
    const seen = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      for (const p of people.household(i % 10 === 0 ? 'rented' : 'owner_occupied')) {
        expect(gb11643Valid(p.idNumber), p.idNumber).toBe(true);
        expect(p.idNumber.slice(6, 14)).toBe(p.birthDate.replaceAll('-', ''));
        expect(Number(p.idNumber[16]) % 2 === 1 ? 'male' : 'female').toBe(p.gender);
        expect(seen.has(p.idNumber)).toBe(false);
        seen.add(p.idNumber);
        if (p.phone) expect(p.phone).toMatch(/^1[358]\d{9}$/);
      }
    }
    expect(seen.size).toBeGreaterThan(2000);
    expect(people.household('vacant')).toEqual([]);
  });
});

describe('demo phones', () => {
  it('are 11 digits in the 13x / 15x / 18x ranges', () => {
    expect(makePhone('138', 1234)).toBe('13800001234');
    for (const prefix of MOBILE_PREFIXES) expect(prefix).toMatch(/^1[358]\d$/);
    expect(() => makePhone('138', 100_000_000)).toThrow();
  });
});
