import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { MessageKey, Params } from '../../../shared/i18n/index.js';

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike, salt: crypto.BinaryLike, keylen: number, options: crypto.ScryptOptions,
) => Promise<Buffer>;

/**
 * Memory-hard password hashing with scrypt (Node's own): "scrypt$<logN>$<r>$<p>$<salt>$<hash>".
 * The cost is stored with each hash, so raising it later keeps old hashes verifiable.
 */
export async function hashPassword(password: string, logN = 15): Promise<string> {
  const salt = crypto.randomBytes(16);
  const r = 8, p = 1;
  const hash = await scrypt(password.normalize('NFKC'), salt, 32, { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 });
  return `scrypt$${logN}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, logNText, rText, pText, saltText, hashText] = stored.split('$');
  if (alg !== 'scrypt' || !saltText || !hashText) return false;
  const logN = Number(logNText), r = Number(rText), p = Number(pText);
  const expected = Buffer.from(hashText, 'base64url');
  const actual = await scrypt(password.normalize('NFKC'), Buffer.from(saltText, 'base64url'), expected.length, {
    N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024,
  });
  return crypto.timingSafeEqual(actual, expected);
}

export interface PasswordPolicy {
  minLength: number;
  minClasses: number;
}

/** Check a new password against the policy: the first problem, or null when it passes. */
export function checkPassword(
  password: string, username: string, policy: PasswordPolicy,
): { key: MessageKey; params?: Params } | null {
  if ([...password].length < policy.minLength) return { key: 'password.too_short', params: { min: policy.minLength } };
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < policy.minClasses) return { key: 'password.too_few_classes', params: { min: policy.minClasses } };
  if (username.length >= 3 && password.toLowerCase().includes(username.toLowerCase())) {
    return { key: 'password.contains_username' };
  }
  return null;
}

/** The policy for residents and volunteers is lighter than for staff. */
export const RESIDENT_POLICY: PasswordPolicy = { minLength: 8, minClasses: 2 };
