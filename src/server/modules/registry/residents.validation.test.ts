import { describe, expect, it } from 'vitest';
import { idCheckChar } from '../../../shared/validation/id-number.js';
import { checkResidentFields } from './residents.validation.js';

const today = new Date('2026-11-21T00:00:00Z');
const id = (first17: string) => first17 + idCheckChar(first17);
const woman1990 = id('42010519900315002'); // sequence 002: even → female

describe('resident field checks', () => {
  it('derives gender and birth date from a valid ID number', () => {
    const r = checkResidentFields({ idNumber: ` ${woman1990.toLowerCase()} ` }, today);
    expect(r.problems).toEqual([]);
    expect(r.values).toEqual({ idNumber: woman1990, gender: 'female', birthDate: '1990-03-15' });
  });
  it('reports each problem with its field', () => {
    const r = checkResidentFields({ idNumber: woman1990.slice(0, 17) + (woman1990[17] === '1' ? '2' : '1'), phone: '12345', birthDate: '2030-01-01' }, today);
    expect(r.problems.map((p) => [p.field, p.key])).toEqual([
      ['birthDate', 'registry.date_in_future'],
      ['idNumber', 'registry.id_number_check_digit'],
      ['phone', 'registry.phone_format'],
    ]);
  });
  it('refuses a gender or birth date that contradicts the ID number', () => {
    const r = checkResidentFields({ idNumber: woman1990, gender: 'male', birthDate: '1990-03-16' }, today);
    expect(r.problems.map((p) => p.key)).toEqual(['registry.gender_mismatch', 'registry.birth_date_mismatch']);
  });
  it('refuses an ID number born in the future and impossible dates', () => {
    expect(checkResidentFields({ idNumber: id('42010520270101001') }, today).problems[0]!.key).toBe('registry.id_number_birth_date');
    expect(checkResidentFields({ birthDate: '2001-02-29' }, today).problems[0]!.key).toBe('validation.invalid_format');
  });
  it("judges 'today' by Beijing's date, not UTC's", () => {
    // 2026-11-21 06:00 in Beijing is still 2026-11-20 in UTC: a birth or move-in today is not in the future.
    const early = new Date('2026-11-21T06:00:00+08:00');
    expect(checkResidentFields({ movedInOn: '2026-11-21' }, early).problems).toEqual([]);
    const born = id('42010520261121002');
    expect(checkResidentFields({ idNumber: born }, early).problems).toEqual([]);
    expect(checkResidentFields({ movedInOn: '2026-11-22' }, early).problems[0]!.key).toBe('registry.date_in_future');
  });
  it('normalises phones', () => {
    expect(checkResidentFields({ phone: '+86 138 1234 5678' }, today).values.phone).toBe('13812345678');
    expect(checkResidentFields({ phone: '027-84561234' }, today).problems).toEqual([]);
  });
  it('refuses digits in a name and a move-in before birth', () => {
    const r = checkResidentFields({ name: '张3', birthDate: '1990-01-01', movedInOn: '1980-01-01' }, today);
    expect(r.problems.map((p) => p.key)).toEqual(['registry.name_format', 'registry.date_before_birth']);
  });
});
