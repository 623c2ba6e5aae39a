import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { LOCALES, translate, type Locale, type MessageKey, type Params } from '../../../shared/i18n/index.js';
import { GENDERS, POLITICAL_STATUSES, RELATIONS, RESIDENCE_TYPES } from '../../../shared/registry/residents.schemas.js';
import { IMPORT_COLUMNS, type ImportColumnKey } from '../../../shared/registry/import.schemas.js';
import { checkResidentFields, type Problem } from './residents.validation.js';

/**
 * The 居民 workbook: its columns, the words it uses for the registry's codes (男 ↔ male), reading a
 * row into checked values, writing the template, and a first look inside an uploaded file.
 * Everything here is pure or touches only the file; the registry lookups live in import.service.ts.
 */

// ---------------------------------------------------------------------------------------------
// Columns and values

export type ChoiceColumn = 'gender' | 'relation' | 'politicalStatus' | 'residenceType';

export const CHOICES: Record<ChoiceColumn, readonly string[]> = {
  gender: GENDERS,
  relation: RELATIONS,
  politicalStatus: POLITICAL_STATUSES,
  residenceType: RESIDENCE_TYPES,
};

/** Other words people write in these columns (seen in community ledgers), beside the catalogue's. */
const SYNONYMS: Record<ChoiceColumn, Record<string, string>> = {
  gender: { 男性: 'male', 女性: 'female', m: 'male', f: 'female' },
  relation: {
    本人: 'head', 户主本人: 'head', 妻: 'spouse', 夫: 'spouse', 妻子: 'spouse', 丈夫: 'spouse',
    子: 'child', 女: 'child', 儿子: 'child', 女儿: 'child', 长子: 'child', 长女: 'child', 次子: 'child', 次女: 'child',
    父亲: 'parent', 母亲: 'parent', 孙子: 'grandchild', 孙女: 'grandchild', 外孙子: 'grandchild', 外孙女: 'grandchild',
    兄: 'sibling', 弟: 'sibling', 姐: 'sibling', 妹: 'sibling', 哥哥: 'sibling', 弟弟: 'sibling', 姐姐: 'sibling', 妹妹: 'sibling',
    租客: 'tenant', 承租人: 'tenant',
  },
  politicalStatus: { 党员: 'cpc_member', 预备党员: 'cpc_probationary', 团员: 'cyl_member', 共青团员: 'cyl_member' },
  residenceType: { 户籍人口: 'registered', 常住: 'registered', 流动人口: 'floating', 外来: 'floating', 境外人员: 'overseas', 境外人口: 'overseas' },
};

const TEXT_LIMITS: Partial<Record<ImportColumnKey, number>> = { name: 50, ethnicity: 20, building: 100, entrance: 50, room: 20, tags: 600 };
const DATE_COLUMNS: ImportColumnKey[] = ['birthDate', 'movedInOn'];
/** Columns kept as text in the workbook, so that 0302 or an ID number stays as typed. */
const TEXT_FORMAT_COLUMNS: ImportColumnKey[] = ['idNumber', 'phone', 'building', 'entrance', 'room'];
const WIDTHS: Record<ImportColumnKey, number> = {
  name: 12, idNumber: 22, gender: 7, birthDate: 12, phone: 15, ethnicity: 8, politicalStatus: 14, relation: 11,
  residenceType: 10, building: 14, entrance: 9, room: 9, movedInOn: 12, tags: 26,
};

/** Text that NFKC, dropping spaces and lower-casing leave as it is. */
const FOLDED = /^[\u4e00-\u9fff0-9a-z_-]*$/;

/** Matching text typed by people: full-width forms folded (１栋 = 1栋), spaces dropped, case ignored. */
export function foldText(s: string): string {
  // Most cells are already folded (汉字 of the unified block, digits, lower-case letters): nothing to do.
  if (FOLDED.test(s)) return s;
  return s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

export function columnLabel(locale: Locale, key: ImportColumnKey): string {
  return translate(locale, `import.col.${key}` as MessageKey);
}

export function choiceLabel(locale: Locale, column: ChoiceColumn, code: string): string {
  return translate(locale, `import.value.${column}.${code}` as MessageKey);
}

let choiceIndex: Map<ChoiceColumn, Map<string, string>> | null = null;

/** The code for a word in a choice column (男, Male, male, 男性 → male), or null. */
export function parseChoice(column: ChoiceColumn, text: string): string | null {
  if (!choiceIndex) {
    choiceIndex = new Map();
    for (const col of Object.keys(CHOICES) as ChoiceColumn[]) {
      const m = new Map<string, string>();
      for (const code of CHOICES[col]) {
        m.set(foldText(code), code);
        for (const locale of LOCALES) m.set(foldText(choiceLabel(locale, col, code)), code);
      }
      for (const [word, code] of Object.entries(SYNONYMS[col])) m.set(foldText(word), code);
      choiceIndex.set(col, m);
    }
  }
  return choiceIndex.get(column)!.get(foldText(text)) ?? null;
}

/** Tag names in one cell: separated by 、 , ， ; ； or line breaks, without repeats. */
export function splitTags(text: string): string[] {
  return [...new Set(text.split(/[、,，;；\r\n]+/).map((s) => s.trim()).filter(Boolean))];
}

/** Does a name cell mark the template's example row ("【示例】张三")? */
export function isExampleName(text: string): boolean {
  const folded = foldText(text);
  exampleMarks ??= LOCALES.map((l) => foldText(translate(l, 'import.template.example_mark')));
  return exampleMarks.some((mark) => folded.startsWith(mark));
}

let exampleMarks: string[] | null = null;

// ---------------------------------------------------------------------------------------------
// Cells

export type Cell =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'date'; value: Date }
  | { kind: 'error'; value: string };

const EMPTY: Cell = { kind: 'empty' };

/** What exceljs hands over for a cell (text, number, date, rich text, formula, hyperlink, error) as one of a few kinds. */
export function normalizeCell(v: unknown): Cell {
  if (v === null || v === undefined) return EMPTY;
  if (typeof v === 'string') {
    const text = v.replace(/[\u200b\ufeff]/g, '').trim();
    return text ? { kind: 'text', text } : EMPTY;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? { kind: 'number', value: v } : EMPTY;
  if (typeof v === 'boolean') return { kind: 'text', text: v ? 'TRUE' : 'FALSE' };
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? EMPTY : { kind: 'date', value: v };
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return normalizeCell((o.richText as { text?: string }[]).map((r) => r.text ?? '').join(''));
    if ('error' in o) return { kind: 'error', value: String(o.error) };
    if ('formula' in o || 'sharedFormula' in o) return normalizeCell(o.result);
    if ('text' in o) return normalizeCell(o.text);
    if ('sharedString' in o) return EMPTY;
  }
  return EMPTY;
}

/** A number as a person typed it: 302, not 302.0000000001. */
function numberText(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(15)));
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** An Excel serial day number as a date (1900 or 1904 date system). */
export function excelSerialToIso(serial: number, date1904 = false): string | null {
  if (!(serial >= 1 && serial < 2958466)) return null;
  const ms = Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000);
  return isoDate(new Date(ms));
}

/** A date typed as text: 2020-01-31, 2020/1/31, 2020.1.31, 2020年1月31日, 20200131. */
export function parseDateText(text: string): string | null {
  const t = text.normalize('NFKC').trim();
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(t);
  if (!m) m = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return isoDate(date);
}

function cellDisplay(c: Cell): string {
  switch (c.kind) {
    case 'text': return c.text;
    case 'number': return numberText(c.value);
    case 'date': return isoDate(c.value);
    case 'error': return c.value;
    default: return '';
  }
}

// ---------------------------------------------------------------------------------------------
// The header row

/** Header text → column, for headers in either language, with or without the required mark (*). */
let headerIndex: Map<string, ImportColumnKey> | null = null;

export function headerColumn(text: string): ImportColumnKey | null {
  if (!headerIndex) {
    headerIndex = new Map();
    for (const c of IMPORT_COLUMNS) for (const l of LOCALES) headerIndex.set(foldText(columnLabel(l, c.key)), c.key);
  }
  return headerIndex.get(foldText(text).replace(/[*＊]/g, '')) ?? null;
}

export type HeaderResult =
  | { ok: true; columns: Map<number, ImportColumnKey> }
  | { ok: false; key: MessageKey; params: Params };

/**
 * Read a header row (cells indexed by column number). Null when the row is not a header at all
 * (neither 姓名 nor 身份证号码 in it); otherwise the columns, or what is wrong with them.
 */
export function readHeader(values: readonly unknown[]): HeaderResult | null {
  const columns = new Map<number, ImportColumnKey>();
  const seen = new Set<ImportColumnKey>();
  let duplicate: ImportColumnKey | null = null;
  values.forEach((v, i) => {
    const cell = normalizeCell(v);
    if (cell.kind !== 'text') return;
    const key = headerColumn(cell.text);
    if (!key) return;
    if (seen.has(key)) duplicate ??= key;
    seen.add(key);
    columns.set(i, key);
  });
  if (!seen.has('name') && !seen.has('idNumber')) return null;
  // Column keys, not labels: the message is worded in the reader's language when shown.
  if (duplicate) return { ok: false, key: 'import.failed.column_duplicate', params: { column: duplicate } };
  const missing = IMPORT_COLUMNS.filter((c) => c.required && !seen.has(c.key)).map((c) => c.key);
  if (missing.length) return { ok: false, key: 'import.failed.columns_missing', params: { columns: missing.join(',') } };
  return { ok: true, columns };
}

// ---------------------------------------------------------------------------------------------
// A data row

/** A row's values once read and checked on their own (before the registry is asked anything). */
export interface ParsedRow {
  name?: string;
  /** Normalised: 18 characters, upper-case X. */
  idNumber?: string;
  gender?: 'male' | 'female';
  birthDate?: string;
  phone?: string;
  ethnicity?: string;
  politicalStatus?: string;
  relation?: string;
  residenceType?: string;
  building?: string;
  entrance?: string;
  room?: string;
  movedInOn?: string;
  /** Tag names as written; undefined when the cell is empty (the person's tags stay as they are). */
  tags?: string[];
}

export interface RowProblem extends Problem {
  field: ImportColumnKey;
}

export type RowRead = { kind: 'blank' } | { kind: 'example' } | { kind: 'data'; values: ParsedRow; problems: RowProblem[] };

/**
 * The cells of one row being read, and the problems found so far: reading a cell as text, a date
 * or a choice notes what is wrong with it. (A class, not closures made for each row: cheaper for
 * the hundred thousand rows of a large import.)
 */
class RowCells {
  readonly problems: RowProblem[] = [];

  constructor(private readonly cells: Map<ImportColumnKey, Cell>, private readonly date1904: boolean) {}

  problem(field: ImportColumnKey, key: MessageKey, params?: Params): void {
    this.problems.push({ field, key, ...(params ? { params } : {}) });
  }

  text(key: ImportColumnKey): string | undefined {
    const c = this.cells.get(key);
    if (!c) return undefined;
    if (c.kind === 'error') {
      this.problem(key, 'import.issue.cell_error', { value: c.value });
      return undefined;
    }
    const s = cellDisplay(c).trim();
    const max = TEXT_LIMITS[key];
    // Characters, not UTF-16 units: counted only when the units could exceed the limit.
    if (max && s.length > max && [...s].length > max) {
      this.problem(key, 'validation.too_long_string', { maximum: max });
      return undefined;
    }
    return s || undefined;
  }

  date(key: ImportColumnKey): string | undefined {
    const c = this.cells.get(key);
    if (!c) return undefined;
    let iso: string | null = null;
    if (c.kind === 'date') iso = isoDate(c.value);
    else if (c.kind === 'number') iso = Number.isInteger(c.value) && c.value > 19_000_000 ? parseDateText(String(c.value)) : excelSerialToIso(c.value, this.date1904);
    else if (c.kind === 'text') iso = parseDateText(c.text);
    else if (c.kind === 'error') {
      this.problem(key, 'import.issue.cell_error', { value: c.value });
      return undefined;
    }
    if (!iso) this.problem(key, 'import.issue.date_format', { value: cellDisplay(c) });
    return iso ?? undefined;
  }

  choice(key: ChoiceColumn): string | undefined {
    const s = this.text(key);
    if (s === undefined) return undefined;
    const code = parseChoice(key, s);
    // `choices` names the column: the report lists its words in the reader's language.
    if (!code) this.problem(key, 'import.issue.value_not_allowed', { value: s, choices: key });
    return code ?? undefined;
  }
}

/**
 * Read one data row: blank rows and the template's example row are skipped; every cell is turned
 * into text or a date, choice words into codes, and the personal fields go through
 * checkResidentFields — the same check as the form and the API. All problems are returned.
 */
export function readRow(
  values: readonly unknown[], columns: Map<number, ImportColumnKey>, today: Date, date1904 = false,
): RowRead {
  const cells = new Map<ImportColumnKey, Cell>();
  for (const [i, key] of columns) {
    const c = normalizeCell(values[i]);
    if (c.kind !== 'empty') cells.set(key, c);
  }
  if (cells.size === 0) return { kind: 'blank' };
  const nameCell = cells.get('name');
  if (nameCell?.kind === 'text' && isExampleName(nameCell.text)) return { kind: 'example' };

  const row = new RowCells(cells, date1904);
  const problems = row.problems;
  const out: ParsedRow = {};

  out.name = row.text('name');
  if (out.name === undefined && !problems.some((p) => p.field === 'name')) row.problem('name', 'validation.required');

  const idCell = cells.get('idNumber');
  let idText: string | undefined;
  if (idCell?.kind === 'number') row.problem('idNumber', 'import.issue.id_number_as_number');
  else {
    idText = row.text('idNumber');
    if (idText === undefined && !problems.some((p) => p.field === 'idNumber')) row.problem('idNumber', 'validation.required');
    else if (idText?.includes('*')) {
      row.problem('idNumber', 'import.issue.masked');
      idText = undefined;
    }
  }
  const gender = row.choice('gender') as ParsedRow['gender'];
  const birthDate = row.date('birthDate');
  let phone = row.text('phone');
  if (phone?.includes('*')) {
    row.problem('phone', 'import.issue.masked');
    phone = undefined;
  }
  const movedInOn = row.date('movedInOn');

  const fields: Parameters<typeof checkResidentFields>[0] = {};
  if (out.name !== undefined) fields.name = out.name;
  if (idText !== undefined) fields.idNumber = idText;
  if (gender !== undefined) fields.gender = gender;
  if (birthDate !== undefined) fields.birthDate = birthDate;
  if (phone !== undefined) fields.phone = phone;
  if (movedInOn !== undefined) fields.movedInOn = movedInOn;
  const checked = checkResidentFields(fields, today);
  for (const p of checked.problems) problems.push({ ...p, field: p.field as ImportColumnKey });
  if (checked.values.idNumber) out.idNumber = checked.values.idNumber;
  if (checked.values.gender) out.gender = checked.values.gender;
  if (checked.values.birthDate) out.birthDate = checked.values.birthDate;
  if (checked.values.phone) out.phone = checked.values.phone;
  if (movedInOn !== undefined) out.movedInOn = movedInOn;

  const ethnicity = row.text('ethnicity');
  if (ethnicity !== undefined) out.ethnicity = ethnicity;
  for (const key of ['politicalStatus', 'relation', 'residenceType'] as const) {
    const code = row.choice(key);
    if (code !== undefined) out[key] = code;
  }
  for (const key of ['building', 'entrance', 'room'] as const) {
    const v = row.text(key);
    if (v !== undefined) out[key] = v;
  }
  const tags = row.text('tags');
  if (tags !== undefined) {
    const names = splitTags(tags);
    if (names.length) out.tags = names;
  }
  return { kind: 'data', values: out, problems };
}

// ---------------------------------------------------------------------------------------------
// Writing the resident sheet (template and export share it, so an export can be imported again)

export interface ResidentSheetRow {
  name: string;
  idNumber: string | null;
  gender: string | null;
  birthDate: string | null;
  phone: string | null;
  ethnicity: string | null;
  politicalStatus: string | null;
  relation: string | null;
  residenceType: string | null;
  building: string | null;
  entrance: string | null;
  room: string | null;
  movedInOn: string | null;
  tags: string[];
}

const dateCell = (iso: string | null): Date | null => (iso ? new Date(`${iso}T00:00:00Z`) : null);

/** The sheet columns for exceljs: header in the caller's language (required ones marked * in the template), width, format. */
export function residentSheetColumns(locale: Locale, opts: { markRequired: boolean }): Partial<ExcelJS.Column>[] {
  return IMPORT_COLUMNS.map((c) => ({
    key: c.key,
    header: columnLabel(locale, c.key) + (opts.markRequired && c.required ? '*' : ''),
    width: WIDTHS[c.key],
    ...(DATE_COLUMNS.includes(c.key) ? { style: { numFmt: 'yyyy-mm-dd' } } : TEXT_FORMAT_COLUMNS.includes(c.key) ? { style: { numFmt: '@' } } : {}),
  }));
}

/** One resident as the sheet's cells: codes as words, dates as dates, tags joined with 、. */
export function residentSheetCells(locale: Locale, r: ResidentSheetRow): unknown[] {
  const word = (col: ChoiceColumn, code: string | null) => (code && CHOICES[col].includes(code) ? choiceLabel(locale, col, code) : code);
  return [
    r.name, r.idNumber, word('gender', r.gender), dateCell(r.birthDate), r.phone, r.ethnicity,
    word('politicalStatus', r.politicalStatus), word('relation', r.relation), word('residenceType', r.residenceType),
    r.building, r.entrance, r.room, dateCell(r.movedInOn), r.tags.join('、'),
  ];
}

export const XLSX_EXAMPLE_ID = '11010519491231002X';

/**
 * The import template: sheet 居民 with the header, an example row in a lighter style and drop-down
 * lists for the choice columns; sheet 说明 explaining every column and listing the tags the caller may use.
 */
export async function buildTemplate(locale: Locale, tagNames: string[]): Promise<Buffer> {
  const t = (key: MessageKey, params?: Params) => translate(locale, key, params);
  const sep = locale === 'en' ? ', ' : '、';
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Linli 邻里';
  const ws = wb.addWorksheet(t('import.sheet.residents'), { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = residentSheetColumns(locale, { markRequired: true });
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center' };
  header.eachCell((cell, col) => {
    const required = IMPORT_COLUMNS[col - 1]?.required;
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: required ? 'FFFFE7BA' : 'FFE6F4FF' } };
  });
  const example = ws.addRow(residentSheetCells(locale, {
    name: `${t('import.template.example_mark')}${locale === 'en' ? 'Zhang San' : '张三'}`,
    idNumber: XLSX_EXAMPLE_ID, gender: 'female', birthDate: '1949-12-31', phone: '13812345678', ethnicity: '汉族',
    politicalStatus: 'masses', relation: 'head', residenceType: 'registered', building: '1栋', entrance: '1单元', room: '0302',
    movedInOn: '2015-03-01', tags: tagNames.slice(0, 2),
  }));
  example.font = { italic: true, color: { argb: 'FF8C8C8C' } };

  const last = 1 + 100_000;
  IMPORT_COLUMNS.forEach((c, i) => {
    if (!(c.key in CHOICES)) return;
    const col = c.key as ChoiceColumn;
    const letter = ws.getColumn(i + 1).letter;
    const words = CHOICES[col].map((code) => choiceLabel(locale, col, code));
    (ws as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }).dataValidations.add(`${letter}2:${letter}${last}`, {
      type: 'list', allowBlank: true, formulae: [`"${words.join(',')}"`],
      showErrorMessage: true, errorStyle: 'stop', error: t(`import.help.${col}` as MessageKey, { values: words.join(sep) }),
    });
  });
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: IMPORT_COLUMNS.length } };

  const notes = wb.addWorksheet(t('import.sheet.notes'));
  notes.columns = [
    { header: t('import.notes.col.column'), key: 'column', width: 14 },
    { header: t('import.notes.col.required'), key: 'required', width: 14 },
    { header: t('import.notes.col.help'), key: 'help', width: 90 },
  ];
  notes.getRow(1).font = { bold: true };
  const values = (col: ChoiceColumn) => CHOICES[col].map((code) => choiceLabel(locale, col, code)).join(sep);
  for (const c of IMPORT_COLUMNS) {
    const required = c.key === 'name' || c.key === 'idNumber' ? 'import.notes.required.yes' : c.required ? 'import.notes.required.new' : 'import.notes.required.no';
    const params: Params = c.key in CHOICES ? { values: values(c.key as ChoiceColumn) } : c.key === 'tags' ? { values: tagNames.join(sep) } : {};
    const row = notes.addRow([columnLabel(locale, c.key), t(required as MessageKey), t(`import.help.${c.key}` as MessageKey, params)]);
    row.alignment = { wrapText: true, vertical: 'top' };
  }
  notes.addRow([]);
  notes.addRow([t('import.notes.general')]).font = { bold: true };
  for (const rule of ['example', 'header', 'update', 'preview', 'privacy']) {
    const row = notes.addRow([t(`import.notes.rule.${rule}` as MessageKey)]);
    notes.mergeCells(row.number, 1, row.number, 3);
    row.alignment = { wrapText: true, vertical: 'top' };
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

// ---------------------------------------------------------------------------------------------
// A first look inside an upload: is it a workbook, which sheets, how many rows

export class WorkbookProblem extends Error {
  constructor(readonly key: MessageKey, readonly params: Params = {}) {
    super(key);
  }
}

const notXlsx = () => new WorkbookProblem('import.failed.not_xlsx');

interface ZipEntry { name: string; method: number; compressedSize: number; offset: number }

/** The zip's central directory (names, sizes, offsets); not a zip → not_xlsx. */
async function zipEntries(fh: fsp.FileHandle, fileSize: number): Promise<Map<string, ZipEntry>> {
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tail = Buffer.alloc(tailLength);
  await fh.read(tail, 0, tailLength, fileSize - tailLength);
  let eocd = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw notXlsx();
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdOffset + cdSize > fileSize) throw notXlsx();
  const cd = Buffer.alloc(cdSize);
  await fh.read(cd, 0, cdSize, cdOffset);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw notXlsx();
    const nameLength = cd.readUInt16LE(p + 28);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLength);
    entries.set(name, { name, method: cd.readUInt16LE(p + 10), compressedSize: cd.readUInt32LE(p + 20), offset: cd.readUInt32LE(p + 42) });
    p += 46 + nameLength + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
  }
  return entries;
}

async function entryStream(file: string, fh: fsp.FileHandle, e: ZipEntry): Promise<Readable> {
  const head = Buffer.alloc(30);
  await fh.read(head, 0, 30, e.offset);
  if (head.readUInt32LE(0) !== 0x04034b50) throw notXlsx();
  const start = e.offset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
  if (e.compressedSize === 0) return Readable.from([]);
  const raw = fs.createReadStream(file, { start, end: start + e.compressedSize - 1 });
  if (e.method === 0) return raw;
  if (e.method !== 8) throw notXlsx();
  const inflate = zlib.createInflateRaw();
  raw.on('error', (err) => inflate.destroy(err));
  return raw.pipe(inflate);
}

/** Stream an entry through `each` chunk by chunk, refusing more than `max` unpacked bytes (zip bombs). */
async function scanEntry(file: string, fh: fsp.FileHandle, e: ZipEntry, max: number, each: (chunk: Buffer) => void): Promise<void> {
  const stream = await entryStream(file, fh, e);
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > max) throw new WorkbookProblem('import.failed.too_large');
      each(chunk);
    }
  } catch (err) {
    if (err instanceof WorkbookProblem) throw err;
    throw new WorkbookProblem('import.failed.unreadable');
  } finally {
    stream.destroy();
  }
}

async function entryText(file: string, fh: fsp.FileHandle, e: ZipEntry): Promise<string> {
  const parts: Buffer[] = [];
  await scanEntry(file, fh, e, 16 * 1024 * 1024, (c) => parts.push(c));
  return Buffer.concat(parts).toString('utf8');
}

function xmlDecode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, ent: string) => {
    const e = ent.toLowerCase();
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e]!;
  });
}

function attr(tag: string, name: RegExp): string | undefined {
  const m = new RegExp(`\\s${name.source}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(tag);
  return m ? xmlDecode(m[2] ?? m[3] ?? '') : undefined;
}

/** Count the <row> elements of a sheet as it streams by (the progress bar's total). */
function rowCounter(): { feed(chunk: Buffer): void; done(): number } {
  const pattern = /<(?:[A-Za-z_][\w.-]*:)?row[\s>/]/g;
  const keep = 32;
  let carry = '';
  let n = 0;
  return {
    feed(chunk) {
      const s = carry + chunk.toString('latin1');
      pattern.lastIndex = 0;
      for (let m = pattern.exec(s); m; m = pattern.exec(s)) if (m.index < s.length - keep) n++;
      carry = s.slice(Math.max(0, s.length - keep));
    },
    done() {
      pattern.lastIndex = 0;
      return n + (carry.match(pattern)?.length ?? 0);
    },
  };
}

export interface WorkbookOutline {
  /** The sheets by name, in workbook order, with the part that holds each (xl/worksheets/sheetN.xml). */
  sheets: { name: string; path: string | undefined }[];
  /** Rows (<row> elements, the header included) of each wanted sheet the reader can stream, by name. */
  rows: Map<string, number>;
}

/** At most this many unpacked bytes for the shared strings and for one sheet. */
export const UNPACKED_LIMITS = { sharedStrings: 256 * 1024 * 1024, sheet: 2 * 1024 * 1024 * 1024 };

/**
 * Look inside an upload before reading it: a zip with xl/workbook.xml (else not_xlsx), its sheet
 * names, and the row count of the sheet `wanted` (found by `isWanted`). Unpacked sizes are bounded.
 */
export async function outlineWorkbook(file: string, isWanted: (sheetName: string) => boolean, limits = UNPACKED_LIMITS): Promise<WorkbookOutline> {
  const fh = await fsp.open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size < 22) throw notXlsx();
    const entries = await zipEntries(fh, size);
    const workbook = entries.get('xl/workbook.xml');
    if (!workbook) throw notXlsx();
    const workbookXml = await entryText(file, fh, workbook);
    const relsEntry = entries.get('xl/_rels/workbook.xml.rels');
    const relsXml = relsEntry ? await entryText(file, fh, relsEntry) : '';
    const targets = new Map<string, string>();
    for (const m of relsXml.matchAll(/<(?:\w+:)?Relationship\b[^>]*>/g)) {
      const id = attr(m[0], /Id/);
      const target = attr(m[0], /Target/);
      if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`);
    }
    const sheets: { name: string; path: string | undefined }[] = [];
    for (const m of workbookXml.matchAll(/<(?:\w+:)?sheet\b[^>]*>/g)) {
      const name = attr(m[0], /name/);
      const rid = attr(m[0], /(?:\w+:)?id/);
      if (name !== undefined) sheets.push({ name, path: rid ? targets.get(rid) : undefined });
    }
    if (sheets.length === 0) throw notXlsx();
    const shared = entries.get('xl/sharedStrings.xml');
    if (shared) await scanEntry(file, fh, shared, limits.sharedStrings, () => {});
    const rows = new Map<string, number>();
    for (const s of sheets) {
      if (!isWanted(s.name) || !s.path || !/^xl\/worksheets\/sheet\d+\.xml$/.test(s.path)) continue;
      const entry = entries.get(s.path);
      if (!entry) continue;
      const counter = rowCounter();
      await scanEntry(file, fh, entry, limits.sheet, (c) => counter.feed(c));
      rows.set(s.name, counter.done());
    }
    return { sheets, rows };
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Streaming the rows of one sheet

export interface SheetRow {
  /** The row number as the spreadsheet shows it. */
  number: number;
  /** Cell values indexed by column number (1 = A). */
  values: unknown[];
  /** The workbook counts days from 1904 (old Mac Excel). */
  date1904: boolean;
}

/**
 * The rows of the sheet stored at `sheetPath` (xl/worksheets/sheetN.xml, as outlineWorkbook found
 * it), one at a time, memory flat whatever the file's length: nothing of the sheet is kept but the
 * row being read, and the shared strings are kept off the JavaScript heap (SharedStrings), their size
 * bounded by outlineWorkbook.
 *
 * Both the shared strings and the sheet are read by the small streaming readers below — exceljs's
 * readers build a full model (styles, addresses, rich-text runs with their fonts) for every cell and
 * string through a general XML parser: most of the time of a large import's check, and its cached
 * shared strings were 15 MB of heap for a 100 000-row sheet (each a slice keeping its parser chunk
 * alive). The zip parts are taken from the central directory rather than through exceljs's own zip
 * walk: that walk (unzipper's Parse) ends when the input ends, which can be before the last parts are
 * parsed — seen here dropping xl/workbook.xml, and Excel stores sharedStrings.xml near the end, whose
 * loss would silently empty every text cell.
 */
export async function* sheetRows(file: string, sheetPath: string): AsyncGenerator<SheetRow> {
  if (!/^xl\/worksheets\/sheet\d+\.xml$/.test(sheetPath)) throw new WorkbookProblem('import.failed.unreadable');
  const fh = await fsp.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const entries = await zipEntries(fh, size);
    const sheet = entries.get(sheetPath);
    const workbook = entries.get('xl/workbook.xml');
    if (!sheet || !workbook) throw new WorkbookProblem('import.failed.unreadable');
    const date1904 = /<(?:\w+:)?workbookPr\b[^>]*\sdate1904\s*=\s*["'](?:1|true)["']/.test(await entryText(file, fh, workbook));
    const sharedEntry = entries.get('xl/sharedStrings.xml');
    let shared = new SharedStrings();
    if (sharedEntry) {
      const strings = await entryStream(file, fh, sharedEntry);
      try {
        shared = await readSharedStrings(strings as AsyncIterable<Buffer>);
      } finally {
        strings.destroy();
      }
    }
    const stream = await entryStream(file, fh, sheet);
    try {
      for await (const row of readSheetXml(stream as AsyncIterable<Buffer>, shared)) yield { number: row.number, values: row.values, date1904 };
    } finally {
      stream.destroy();
    }
  } finally {
    await fh.close();
  }
}

/** What the sheet reader needs of the shared strings: the one at an index (an array will do). */
export interface SharedStringsLookup {
  at(index: number): unknown;
}

/**
 * A workbook's shared strings as one UTF-8 buffer and where each ends: off the JavaScript heap (the
 * collector neither traces it nor grows the heap for it) and about the size of their text — the
 * 210 000 ID numbers, phone numbers and names of a 100 000-row sheet take 3.5 MB here against 15 MB
 * as strings. A string is decoded when a cell asks for it.
 */
/** Text appended as UTF-8 into one buffer that doubles when full: bytes off the JavaScript heap. */
export class Utf8Bytes {
  private buf = Buffer.alloc(0);
  private used = 0;

  constructor(private readonly firstSize: number) {}

  /** Append `text`; returns the length in bytes afterwards. */
  append(text: string): number {
    const need = Buffer.byteLength(text, 'utf8');
    if (this.used + need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.firstSize, 2 * this.buf.length, this.used + need));
      this.buf.copy(grown, 0, 0, this.used);
      this.buf = grown;
    }
    this.used += this.buf.write(text, this.used, 'utf8');
    return this.used;
  }

  get capacity(): number {
    return this.buf.length;
  }

  /** The bytes written (a view, valid until the next append or clear). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  toString(start: number, end: number): string {
    return this.buf.toString('utf8', start, end);
  }

  /** Empty again, keeping the memory. */
  clear(): void {
    this.used = 0;
  }
}

export class SharedStrings implements SharedStringsLookup {
  private readonly text = new Utf8Bytes(64 * 1024);
  private ends = new Uint32Array(0);
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Bytes held (text and index). */
  get byteLength(): number {
    return this.text.capacity + this.ends.byteLength;
  }

  push(text: string): void {
    const end = this.text.append(text);
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(Math.max(1024, 2 * this.ends.length));
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.count++] = end;
  }

  at(index: number): string | undefined {
    if (!(index >= 0 && index < this.count)) return undefined;
    return this.text.toString(index === 0 ? 0 : this.ends[index - 1]!, this.ends[index]!);
  }
}

/** An <si> element no longer than this: else the shared strings are unreadable. */
const MAX_SI_CHARS = 16 * 1024 * 1024;

/**
 * The shared strings of a workbook (xl/sharedStrings.xml) as they stream by: each <si>'s text — its
 * <t>, or the <t> of its rich-text runs joined (the runs' fonts dropped, as normalizeCell would), the
 * phonetic guide (<rPh>) left out.
 */
export async function readSharedStrings(chunks: AsyncIterable<Buffer>): Promise<SharedStrings> {
  const out = new SharedStrings();
  for await (const si of elementsOf(chunks, 'si', MAX_SI_CHARS)) out.push(runsText(si.inner));
  return out;
}

/**
 * The complete <name> elements (any namespace prefix) of an XML stream, in order: each one's opening
 * tag and inner XML ('' when self-closing). Text between them is dropped as it is passed; an element
 * still open when more than `maxChars` are waiting makes the file unreadable.
 */
async function* elementsOf(chunks: AsyncIterable<Buffer>, name: string, maxChars: number): AsyncGenerator<{ open: string; inner: string }> {
  const decoder = new StringDecoder('utf8');
  const start = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}\\b`, 'g');
  let buf = '';
  const complete = function* (final: boolean) {
    let at = 0;
    for (;;) {
      start.lastIndex = at;
      const m = start.exec(buf);
      if (!m) {
        // Keep a tail that may hold the start of a tag cut by the chunk.
        at = Math.max(at, buf.length - 64);
        break;
      }
      const tagEnd = buf.indexOf('>', m.index);
      if (tagEnd < 0) { at = m.index; break; }
      const open = buf.slice(m.index, tagEnd + 1);
      if (open.endsWith('/>')) {
        yield { open, inner: '' };
        at = tagEnd + 1;
        continue;
      }
      const close = `</${m[0].slice(1)}>`;
      const closeAt = buf.indexOf(close, tagEnd);
      if (closeAt < 0) { at = m.index; break; }
      yield { open, inner: buf.slice(tagEnd + 1, closeAt) };
      at = closeAt + close.length;
    }
    if (final) at = buf.length;
    buf = buf.slice(at);
  };
  for await (const chunk of chunks) {
    buf += decoder.write(chunk);
    yield* complete(false);
    if (buf.length > maxChars) throw new WorkbookProblem('import.failed.unreadable');
  }
  buf += decoder.end();
  yield* complete(true);
}

/** A row element no longer than this (a full row of 16 384 long cells is far less): else the sheet is unreadable. */
const MAX_ROW_CHARS = 64 * 1024 * 1024;

/**
 * The <row> elements of a worksheet's XML as it streams by: each row's number and its cell values by
 * column number (1 = A), as exceljs gives them with styles ignored — shared and inline strings as
 * text (shared ones as the shared-strings reader left them, rich text included), numbers (dates too:
 * serial days) as numbers, booleans, errors as { error }, formulas as { formula, result }. Missing
 * row and cell references count on from the previous one, as Excel reads them.
 */
export async function* readSheetXml(chunks: AsyncIterable<Buffer>, shared: SharedStringsLookup): AsyncGenerator<{ number: number; values: unknown[] }> {
  let last = 0;
  for await (const row of elementsOf(chunks, 'row', MAX_ROW_CHARS)) {
    const r = /\sr\s*=\s*["'](\d+)["']/.exec(row.open);
    last = r ? Number(r[1]) : last + 1;
    yield { number: last, values: rowValues(row.inner, shared) };
  }
}

const CELL = /<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/(?:[A-Za-z_][\w.-]*:)?c>)/g;
const CELL_REF = /\sr\s*=\s*["']([A-Za-z]{1,3})\d*["']/;
const CELL_TYPE = /\st\s*=\s*["'](\w+)["']/;
const V = /<(?:[A-Za-z_][\w.-]*:)?v\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:[A-Za-z_][\w.-]*:)?v>)/;
const F = /<(?:[A-Za-z_][\w.-]*:)?f\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:[A-Za-z_][\w.-]*:)?f>)/;
const IS = /<(?:[A-Za-z_][\w.-]*:)?is\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:[A-Za-z_][\w.-]*:)?is>)/;
const PHONETIC = /<(?:[A-Za-z_][\w.-]*:)?rPh\b[\s\S]*?<\/(?:[A-Za-z_][\w.-]*:)?rPh>/g;
const T = /<(?:[A-Za-z_][\w.-]*:)?t\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:[A-Za-z_][\w.-]*:)?t>)/g;

/** The text of a string item (<is> or <si>): its <t>, or its runs' <t> joined, without the phonetic guide (<rPh>). */
function runsText(xml: string): string {
  let text = '';
  for (const t of xml.replace(PHONETIC, '').matchAll(T)) text += t[1] ?? '';
  return xmlDecode(text);
}

function columnNumber(letters: string): number {
  let n = 0;
  for (let i = 0; i < letters.length; i++) n = n * 26 + ((letters.charCodeAt(i) | 0x20) - 96);
  return n;
}

/** The cells of one row's XML, by column number. */
function rowValues(xml: string, shared: SharedStringsLookup): unknown[] {
  const values: unknown[] = [];
  let col = 0;
  CELL.lastIndex = 0;
  for (let m = CELL.exec(xml); m; m = CELL.exec(xml)) {
    const attrs = m[1]!;
    const ref = CELL_REF.exec(attrs);
    col = ref ? columnNumber(ref[1]!) : col + 1;
    const body = m[2];
    if (!body) continue;
    const value = cellValue(CELL_TYPE.exec(attrs)?.[1], body, shared);
    if (value !== undefined) values[col] = value;
  }
  return values;
}

function cellValue(type: string | undefined, body: string, shared: SharedStringsLookup): unknown {
  if (type === 'inlineStr') {
    const is = IS.exec(body);
    if (is) return runsText(is[1] ?? '');
  }
  const v = V.exec(body)?.[1];
  const f = F.exec(body);
  if (f) {
    const formula = xmlDecode(f[1] ?? '');
    if (v === undefined) return { formula };
    return { formula, result: type === 'str' ? xmlDecode(v) : parseFloat(v) };
  }
  if (v === undefined || v === '') return undefined;
  switch (type) {
    case 's': {
      const i = parseInt(v, 10);
      return i >= 0 ? shared.at(i) ?? undefined : undefined;
    }
    case 'inlineStr':
    case 'str': return xmlDecode(v);
    case 'e': return { error: xmlDecode(v) };
    case 'b': return parseInt(v, 10) !== 0;
    case 'd': {
      const d = new Date(xmlDecode(v));
      return Number.isNaN(d.getTime()) ? xmlDecode(v) : d;
    }
    default: {
      const n = parseFloat(v);
      return Number.isNaN(n) ? undefined : n;
    }
  }
}
