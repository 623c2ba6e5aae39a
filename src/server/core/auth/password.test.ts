import { describe, expect, it } from 'vitest';
import { checkPassword, hashPassword, RESIDENT_POLICY, verifyPassword } from './password.js';

const STAFF = { minLength: 10, minClasses: 3 };

describe('hashPassword / verifyPassword', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('Correct-Horse-9', 10);
    expect(hash).toMatch(/^scrypt\$10\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('Correct-Horse-9', hash)).toBe(true);
    expect(await verifyPassword('correct-horse-9', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same-Passw0rd', 10), hashPassword('same-Passw0rd', 10)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same-Passw0rd', a)).toBe(true);
    expect(await verifyPassword('same-Passw0rd', b)).toBe(true);
  });

  it('keeps the cost with the hash, so an older cost still verifies', async () => {
    const cheap = await hashPassword('Old-Passw0rd!', 8);
    expect(cheap.split('$')[1]).toBe('8');
    expect(await verifyPassword('Old-Passw0rd!', cheap)).toBe(true);
  });

  it('normalises Unicode (NFKC) before hashing', async () => {
    const hash = await hashPassword('Ｐａｓｓ１２３！', 10); // full-width, as an IME may type it
    expect(await verifyPassword('Pass123!', hash)).toBe(true);
  });

  it('refuses a malformed stored hash instead of throwing', async () => {
    expect(await verifyPassword('x', '')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$2b$10$abc')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$10$8$1$$')).toBe(false);
  });
});

describe('checkPassword', () => {
  it('accepts a password that meets the policy', () => {
    expect(checkPassword('Harbour-Light-7', 'zhangsan', STAFF)).toBeNull();
    expect(checkPassword('abcdefgh12', 'zhangsan', { minLength: 10, minClasses: 2 })).toBeNull();
  });

  it('counts characters, not bytes or UTF-16 units', () => {
    expect(checkPassword('密码密码密码密码1A', 'zhangsan', STAFF)).toBeNull(); // 10 characters; Chinese counts as a symbol
    expect(checkPassword('😀😀😀😀1Aa', 'zhangsan', STAFF)).toEqual({ key: 'password.too_short', params: { min: 10 } });
  });

  it('reports too short first, then too few classes, then the username', () => {
    expect(checkPassword('Ab1!', 'zhangsan', STAFF)).toEqual({ key: 'password.too_short', params: { min: 10 } });
    expect(checkPassword('alllowercaseletters', 'zhangsan', STAFF)).toEqual({ key: 'password.too_few_classes', params: { min: 3 } });
    expect(checkPassword('lowercase123456', 'zhangsan', STAFF)).toEqual({ key: 'password.too_few_classes', params: { min: 3 } });
    expect(checkPassword('Xx1-ZhangSan-2026', 'zhangsan', STAFF)).toEqual({ key: 'password.contains_username' });
  });

  it('ignores very short usernames for the username rule', () => {
    expect(checkPassword('Ab1-Ab1-Ab1', 'ab', STAFF)).toBeNull();
  });

  it('the resident policy is lighter: 8 characters of 2 classes', () => {
    expect(checkPassword('garden42', 'resident1', RESIDENT_POLICY)).toBeNull();
    expect(checkPassword('garden4', 'resident1', RESIDENT_POLICY)).toEqual({ key: 'password.too_short', params: { min: 8 } });
    expect(checkPassword('gardenss', 'resident1', RESIDENT_POLICY)).toEqual({ key: 'password.too_few_classes', params: { min: 2 } });
    expect(checkPassword('garden42', 'resident1', STAFF)).not.toBeNull();
  });
});
