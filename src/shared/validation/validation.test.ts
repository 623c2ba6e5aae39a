import { describe, expect, it } from 'vitest';
import { idCheckChar, parseIdNumber } from './id-number.js';
import { parseUscc, usccCheckChar } from './uscc.js';
import { maskIdNumber, maskPhone } from './mask.js';

describe('GB 11643 ID numbers', () => {
  it('accepts the standard example and computes its check character', () => {
    // The worked example of GB 11643-1999.
    expect(idCheckChar('11010519491231002')).toBe('X');
    const r = parseIdNumber('11010519491231002x');
    expect(r).toEqual({ ok: true, info: { normalized: '11010519491231002X', regionCode: '110105', birthDate: '1949-12-31', gender: 'female' } });
  });
  it('names what is wrong', () => {
    expect(parseIdNumber('11010519491231002')).toEqual({ ok: false, problem: 'format' });
    expect(parseIdNumber('110105194912310021')).toEqual({ ok: false, problem: 'check_digit' });
    expect(parseIdNumber('110105194902300020')).toEqual({ ok: false, problem: 'birth_date' });
    const future = '4201052099010100' + '1';
    expect(parseIdNumber(future + idCheckChar(future), new Date('2026-11-21'))).toEqual({ ok: false, problem: 'birth_date' });
  });
  it('reads gender from the parity of the sequence', () => {
    const male = '42010519900101001';
    expect(parseIdNumber(male + idCheckChar(male))).toMatchObject({ ok: true, info: { gender: 'male' } });
  });
});

describe('GB 32100 unified social credit codes', () => {
  it('verifies the check character of real registered codes', () => {
    // 华为技术有限公司, 中国石油天然气集团, 深圳市腾讯计算机系统有限公司
    for (const code of ['914403001922038216', '91110000100010433L', '9144030071526726XG']) {
      expect(parseUscc(code)).toEqual({ ok: true, normalized: code });
      expect(usccCheckChar(code.slice(0, 17))).toBe(code[17]);
    }
    expect(parseUscc(' 9144030071526726xg ')).toEqual({ ok: true, normalized: '9144030071526726XG' });
  });
  it('names what is wrong', () => {
    expect(parseUscc('914403001922038217')).toEqual({ ok: false, problem: 'check_digit' });
    expect(parseUscc('91440300192203821')).toEqual({ ok: false, problem: 'format' });
    expect(parseUscc('9144030019220382IO')).toEqual({ ok: false, problem: 'format' });
  });
});

describe('masking', () => {
  it('keeps the region and the last four of an ID number', () => {
    expect(maskIdNumber('420105199001011234')).toBe('420105********1234');
  });
  it('keeps the carrier prefix and last four of a mobile number', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('027-84561234')).toBe('********1234');
  });
});
