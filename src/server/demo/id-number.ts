import { idCheckChar } from '../../shared/validation/id-number.js';

/**
 * Citizen ID numbers (公民身份号码, GB 11643-1999) and mobile numbers for the demo residents.
 * They are format-valid — address code, birth date, sequence code whose parity gives the gender,
 * ISO 7064 MOD 11-2 check character — but drawn at random: they are nobody's.
 */

export type Gender = 'male' | 'female';

/**
 * An 18-character ID number: 6-digit address code, birth date YYYYMMDD, a 3-digit sequence code
 * (odd for men, even for women), the check character. `sequence` (0–499) picks the sequence code
 * of the right parity: 2 × sequence + 1 for a man, 2 × sequence for a woman.
 */
export function makeIdNumber(addressCode: string, birthDate: string, gender: Gender, sequence: number): string {
  if (!/^\d{6}$/.test(addressCode)) throw new Error('an address code is 6 digits');
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!m) throw new Error('a birth date is YYYY-MM-DD');
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 499) throw new Error('the sequence is 0–499');
  const code = 2 * sequence + (gender === 'male' ? 1 : 0);
  const first17 = `${addressCode}${m[1]}${m[2]}${m[3]}${String(code).padStart(3, '0')}`;
  return first17 + idCheckChar(first17);
}

/** Mobile prefixes of the 13x / 15x / 18x ranges. */
export const MOBILE_PREFIXES = [
  '130', '131', '132', '133', '135', '136', '137', '138', '139',
  '150', '151', '152', '153', '155', '156', '157', '158', '159',
  '180', '181', '182', '183', '185', '186', '187', '188', '189',
] as const;

/** An 11-digit mobile number: one of the prefixes and an 8-digit subscriber number. */
export function makePhone(prefix: (typeof MOBILE_PREFIXES)[number], subscriber: number): string {
  if (!Number.isInteger(subscriber) || subscriber < 0 || subscriber > 99_999_999) throw new Error('the subscriber number is 8 digits');
  return prefix + String(subscriber).padStart(8, '0');
}
