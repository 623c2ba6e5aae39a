import { describe, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpFor, verifyTotp } from './totp.js';

const at = new Date('2026-11-20T01:00:00Z');
const code = (secret: string, when: Date) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: when.getTime() });
const step = (when: Date) => Math.floor(when.getTime() / 30_000);

describe('TOTP', () => {
  it('makes a 160-bit base32 secret and a standard otpauth URI', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const uri = totpFor(secret, 'admin').toString();
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    expect(uri).toContain(`secret=${secret}`);
    expect(uri).toContain('algorithm=SHA1');
    expect(uri).toContain('digits=6');
    expect(uri).toContain('period=30');
  });

  it('accepts the current code and one step of drift either way, and returns its step', () => {
    const secret = newTotpSecret();
    expect(verifyTotp(secret, code(secret, at), at, null)).toBe(step(at));
    const before = new Date(at.getTime() - 30_000);
    const after = new Date(at.getTime() + 30_000);
    expect(verifyTotp(secret, code(secret, before), at, null)).toBe(step(before));
    expect(verifyTotp(secret, code(secret, after), at, null)).toBe(step(after));
    const stale = new Date(at.getTime() - 90_000);
    if (code(secret, stale) !== code(secret, at)) expect(verifyTotp(secret, code(secret, stale), at, null)).toBeNull();
  });

  it('refuses a code of a step already used (replay) or an earlier one', () => {
    const secret = newTotpSecret();
    const c = code(secret, at);
    expect(verifyTotp(secret, c, at, step(at))).toBeNull();
    expect(verifyTotp(secret, c, at, step(at) + 1)).toBeNull();
    expect(verifyTotp(secret, c, at, step(at) - 1)).toBe(step(at));
  });

  it('refuses anything that is not six digits, and another secret’s code', () => {
    const secret = newTotpSecret();
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 123456']) expect(verifyTotp(secret, bad, at, null)).toBeNull();
    const other = newTotpSecret();
    const c = code(other, at);
    const window = [-1, 0, 1].map((d) => code(secret, new Date(at.getTime() + d * 30_000)));
    if (!window.includes(c)) expect(verifyTotp(secret, c, at, null)).toBeNull();
  });
});

describe('recovery codes', () => {
  it('are ten distinct groups of hex', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/);
  });

  it('hash the same however they are typed', () => {
    const h = hashRecoveryCode('ab12-cd34-ef56-7890');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode('AB12CD34EF567890')).toBe(h);
    expect(hashRecoveryCode(' ab12 cd34 ef56 7890 ')).toBe(h);
    expect(hashRecoveryCode('ab12-cd34-ef56-7891')).not.toBe(h);
  });
});
