/**
 * Unified social credit codes (统一社会信用代码), GB 32100-2015: 18 characters from the 31-character
 * set 0-9 A-H J-N P-R T U W-Y (no I, O, Z, S, V); the last is a check character, weights 3^i mod 31.
 */
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CHARSET.indexOf(first17[i]!);
    if (v < 0) throw new Error('not a USCC character');
    sum += v * WEIGHTS[i]!;
  }
  return CHARSET[(31 - (sum % 31)) % 31]!;
}

export type UsccProblem = 'format' | 'check_digit';

export function parseUscc(raw: string): { ok: true; normalized: string } | { ok: false; problem: UsccProblem } {
  const code = raw.trim().replace(/\s+/g, '').toUpperCase();
  if (!/^[0-9A-HJ-NPQRTUW-Y]{2}\d{6}[0-9A-HJ-NPQRTUW-Y]{10}$/.test(code)) return { ok: false, problem: 'format' };
  if (usccCheckChar(code.slice(0, 17)) !== code[17]) return { ok: false, problem: 'check_digit' };
  return { ok: true, normalized: code };
}
