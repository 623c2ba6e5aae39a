import crypto from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/** TOTP (RFC 6238, SHA-1, 6 digits, 30 s): what every authenticator app speaks. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpFor(secretBase32: string, label: string): TOTP {
  return new TOTP({ issuer: 'Linli 邻里', label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
}

/**
 * Check a code, allowing one step of clock drift either way. Returns the time step the code
 * belongs to (so a code cannot be used twice), or null.
 */
export function verifyTotp(secretBase32: string, code: string, now: Date, lastStep: number | null): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = totpFor(secretBase32, 'x');
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: 1 });
  if (delta === null) return null;
  const step = Math.floor(now.getTime() / 30_000) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}

/** Ten one-time recovery codes, shown once; only their hashes are kept. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: 10 }, () => {
    const raw = crypto.randomBytes(8).toString('hex');
    return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}-${raw.slice(12, 16)}`;
  });
}

export function hashRecoveryCode(code: string): string {
  return crypto.createHash('sha256').update(code.trim().toLowerCase().replace(/[^0-9a-f]/g, '')).digest('hex');
}
