import type { MessageKey, Params } from '../../../shared/i18n/index.js';
import { parseIdNumber } from '../../../shared/validation/id-number.js';
import { beijingDate } from '../../../shared/dates.js';

export interface Problem {
  field: string;
  key: MessageKey;
  params?: Params;
}

export interface ResidentFieldsIn {
  name?: string;
  gender?: 'male' | 'female' | null;
  birthDate?: string | null;
  idNumber?: string | null;
  phone?: string | null;
  movedInOn?: string | null;
}

export interface ResidentFieldsOut {
  gender?: 'male' | 'female' | null;
  birthDate?: string | null;
  /** Normalised (upper-case X, no spaces), or null to clear. */
  idNumber?: string | null;
  phone?: string | null;
}

function validDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function normalizePhone(raw: string): string {
  return raw.trim().replace(/[\s()（）]/g, '').replace(/^\+?86-?(?=1\d{10}$)/, '');
}

export function isPhone(p: string): boolean {
  return /^1[3-9]\d{9}$/.test(p) || /^0\d{2,3}-?\d{7,8}$/.test(p) || /^\d{7,8}$/.test(p);
}

/**
 * Check the personal fields of a resident the way every entry point needs them checked (form, API,
 * import): the ID number's format, birth date and GB 11643 check digit; gender and birth date taken
 * from it when left out and refused when they contradict it; no dates in the future; a phone that
 * is a phone. Returns every problem found, not just the first, so an import can report them all.
 */
export function checkResidentFields(input: ResidentFieldsIn, today: Date): { problems: Problem[]; values: ResidentFieldsOut } {
  const problems: Problem[] = [];
  const values: ResidentFieldsOut = {};
  // "Today" is Beijing's date: at 07:00 in Wuhan it is already tomorrow in UTC terms.
  const todayText = beijingDate(today);

  if (input.name !== undefined && /[0-9!@#$%^&*()_+=\[\]{};:"\\|<>/?~]/.test(input.name)) {
    problems.push({ field: 'name', key: 'registry.name_format' });
  }
  for (const field of ['birthDate', 'movedInOn'] as const) {
    const v = input[field];
    if (v && !validDate(v)) problems.push({ field, key: 'validation.invalid_format' });
    else if (v && v > todayText) problems.push({ field, key: 'registry.date_in_future' });
  }
  if (input.birthDate !== undefined) values.birthDate = input.birthDate;
  if (input.gender !== undefined) values.gender = input.gender;

  if (input.idNumber === null || input.idNumber === '') values.idNumber = null;
  else if (input.idNumber !== undefined) {
    const parsed = parseIdNumber(input.idNumber, new Date(`${todayText}T23:59:59Z`));
    if (!parsed.ok) {
      problems.push({ field: 'idNumber', key: `registry.id_number_${parsed.problem}` as MessageKey });
    } else {
      const info = parsed.info;
      values.idNumber = info.normalized;
      if (input.gender && input.gender !== info.gender) problems.push({ field: 'gender', key: 'registry.gender_mismatch' });
      if (input.birthDate && input.birthDate !== info.birthDate) problems.push({ field: 'birthDate', key: 'registry.birth_date_mismatch' });
      values.gender ??= info.gender;
      values.birthDate ??= info.birthDate;
    }
  }
  const birth = values.birthDate ?? null;
  if (birth && input.movedInOn && input.movedInOn < birth) problems.push({ field: 'movedInOn', key: 'registry.date_before_birth' });

  if (input.phone === null || input.phone === '') values.phone = null;
  else if (input.phone !== undefined) {
    const p = normalizePhone(input.phone);
    if (!isPhone(p)) problems.push({ field: 'phone', key: 'registry.phone_format' });
    else values.phone = p;
  }
  return { problems, values };
}
