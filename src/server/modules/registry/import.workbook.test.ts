import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCheckChar } from '../../../shared/validation/id-number.js';
import { IMPORT_COLUMNS } from '../../../shared/registry/import.schemas.js';
import {
  CHOICES, WorkbookProblem, XLSX_EXAMPLE_ID, buildTemplate, choiceLabel, excelSerialToIso, headerColumn, isExampleName,
  SharedStrings, outlineWorkbook, parseChoice, parseDateText, readHeader, readRow, readSharedStrings, readSheetXml, residentSheetCells, sheetRows,
  splitTags, type ChoiceColumn,
} from './import.workbook.js';
import { Readable } from 'node:stream';
import { floorFromRoom, inBatches, planChange, receiveUpload, type Staged } from './import.service.js';
import type { PersonRow } from './import.queries.js';

const TODAY = new Date('2026-11-20T01:00:00Z');
const id = (first17: string) => first17 + idCheckChar(first17);
const ZHANG = id('42010519850612003'); // male, 1985-06-12
const HEADER = [undefined, ...IMPORT_COLUMNS.map((c) => ({ name: '姓名*', idNumber: '身份证号码*', building: '楼栋*', room: '房号*' } as Record<string, string>)[c.key] ?? ({
  gender: '性别', birthDate: '出生日期', phone: '联系电话', ethnicity: '民族', politicalStatus: '政治面貌', relation: '与户主关系',
  residenceType: '户籍类型', entrance: '单元', movedInOn: '迁入日期', tags: '标签',
} as Record<string, string>)[c.key])];
const columns = () => {
  const h = readHeader(HEADER);
  if (!h?.ok) throw new Error('header');
  return h.columns;
};
/** A data row in template column order (index 1 = A). */
const row = (cells: Partial<Record<(typeof IMPORT_COLUMNS)[number]['key'], unknown>>) => [undefined, ...IMPORT_COLUMNS.map((c) => cells[c.key])];

let dir: string;
beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-wb-')); });
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

describe('Chinese words ↔ registry codes', () => {
  it('maps every code to its word and back, in both languages', () => {
    for (const col of Object.keys(CHOICES) as ChoiceColumn[]) {
      for (const code of CHOICES[col]) {
        expect(parseChoice(col, choiceLabel('zh-CN', col, code))).toBe(code);
        expect(parseChoice(col, choiceLabel('en', col, code))).toBe(code);
        expect(parseChoice(col, code)).toBe(code);
      }
    }
    expect(choiceLabel('zh-CN', 'gender', 'male')).toBe('男');
    expect(choiceLabel('zh-CN', 'relation', 'grandchild')).toBe('孙子女');
    expect(choiceLabel('zh-CN', 'politicalStatus', 'cpc_probationary')).toBe('中共预备党员');
    expect(choiceLabel('zh-CN', 'residenceType', 'overseas')).toBe('境外');
  });
  it('reads the other words ledgers use, full-width and spaced forms too', () => {
    expect(parseChoice('gender', ' 女性 ')).toBe('female');
    expect(parseChoice('relation', '本人')).toBe('head');
    expect(parseChoice('relation', '女儿')).toBe('child');
    expect(parseChoice('politicalStatus', '党员')).toBe('cpc_member');
    expect(parseChoice('residenceType', '流动人口')).toBe('floating');
    expect(parseChoice('gender', 'MALE')).toBe('male');
    expect(parseChoice('gender', '未知')).toBeNull();
    // The same word means different things in different columns.
    expect(parseChoice('gender', '女')).toBe('female');
    expect(parseChoice('relation', '女')).toBe('child');
  });
});

describe('cells', () => {
  it('splits tag names on 、 , ， ; and line breaks, without repeats', () => {
    expect(splitTags('独居、高龄, 残疾；空巢\n独居')).toEqual(['独居', '高龄', '残疾', '空巢']);
    expect(splitTags(' 、 ')).toEqual([]);
  });
  it('reads dates typed in the usual ways, and Excel serial days', () => {
    expect(parseDateText('2020-01-31')).toBe('2020-01-31');
    expect(parseDateText('2020/1/5')).toBe('2020-01-05');
    expect(parseDateText('2020.1.5')).toBe('2020-01-05');
    expect(parseDateText('2020年1月5日')).toBe('2020-01-05');
    expect(parseDateText('20200105')).toBe('2020-01-05');
    expect(parseDateText('2020-02-30')).toBeNull();
    expect(parseDateText('yesterday')).toBeNull();
    expect(excelSerialToIso(43831)).toBe('2020-01-01');
    expect(excelSerialToIso(42369, true)).toBe('2020-01-01');
    expect(excelSerialToIso(-3)).toBeNull();
  });
  it('recognises headers in either language, with or without the required mark', () => {
    expect(headerColumn('姓名*')).toBe('name');
    expect(headerColumn(' 身份证号码 ')).toBe('idNumber');
    expect(headerColumn('ID number')).toBe('idNumber');
    expect(headerColumn('备注')).toBeNull();
  });
  it('knows the example row', () => {
    expect(isExampleName('【示例】张三')).toBe(true);
    expect(isExampleName('[Example] Zhang San')).toBe(true);
    expect(isExampleName('张三')).toBe(false);
  });
});

describe('the header row', () => {
  it('finds the columns wherever they are; extra columns are ignored', () => {
    const h = readHeader([undefined, '备注', '身份证号码', '姓名', '房号', '楼栋']);
    expect(h).toEqual({ ok: true, columns: new Map([[2, 'idNumber'], [3, 'name'], [4, 'room'], [5, 'building']]) });
  });
  it('is not a header without 姓名 or 身份证号码 (a title row)', () => {
    expect(readHeader([undefined, '钟家村社区居民信息登记表'])).toBeNull();
  });
  it('names missing required columns and repeated ones by column key', () => {
    expect(readHeader([undefined, '姓名', '身份证号码'])).toEqual({ ok: false, key: 'import.failed.columns_missing', params: { columns: 'building,room' } });
    expect(readHeader([undefined, '姓名', '身份证号码', '楼栋', '房号', 'Name'])).toEqual({ ok: false, key: 'import.failed.column_duplicate', params: { column: 'name' } });
  });
});

describe('a data row', () => {
  it('turns cells into checked values: words into codes, gender and birth date from the ID number', () => {
    const r = readRow(row({
      name: '张三', idNumber: ZHANG.toLowerCase(), phone: 13812345678, ethnicity: '汉族', politicalStatus: '中共党员', relation: '户主',
      residenceType: '户籍', building: '1栋', entrance: '1单元', room: '0302', movedInOn: new Date(Date.UTC(2015, 2, 1)), tags: '独居、高龄',
    }), columns(), TODAY);
    expect(r).toEqual({
      kind: 'data', problems: [],
      values: {
        name: '张三', idNumber: ZHANG, gender: 'male', birthDate: '1985-06-12', phone: '13812345678', ethnicity: '汉族',
        politicalStatus: 'cpc_member', relation: 'head', residenceType: 'registered', building: '1栋', entrance: '1单元', room: '0302',
        movedInOn: '2015-03-01', tags: ['独居', '高龄'],
      },
    });
  });
  it('reports every problem with its column', () => {
    const badCheck = ZHANG.slice(0, 17) + (ZHANG[17] === '0' ? '1' : '0');
    const r = readRow(row({ name: '张3', idNumber: badCheck, gender: '未知', movedInOn: '2099-01-01', birthDate: '31/01/1985', phone: '12', building: '1栋', room: '1' }), columns(), TODAY);
    expect(r.kind).toBe('data');
    if (r.kind !== 'data') return;
    expect(r.problems.map((p) => [p.field, p.key])).toEqual(expect.arrayContaining([
      ['name', 'registry.name_format'],
      ['idNumber', 'registry.id_number_check_digit'],
      ['gender', 'import.issue.value_not_allowed'],
      ['birthDate', 'import.issue.date_format'],
      ['movedInOn', 'registry.date_in_future'],
      ['phone', 'registry.phone_format'],
    ]));
    expect(r.problems.find((p) => p.field === 'gender')!.params).toEqual({ value: '未知', choices: 'gender' });
  });
  it('refuses an ID number stored as a number, masked values and contradictions with the ID number', () => {
    const asNumber = readRow(row({ name: '张三', idNumber: 420105198506120000 }), columns(), TODAY);
    expect(asNumber.kind === 'data' && asNumber.problems.map((p) => p.key)).toContain('import.issue.id_number_as_number');
    const masked = readRow(row({ name: '张三', idNumber: '420105********1234', phone: '138****5678' }), columns(), TODAY);
    expect(masked.kind === 'data' && masked.problems.map((p) => [p.field, p.key])).toEqual([['idNumber', 'import.issue.masked'], ['phone', 'import.issue.masked']]);
    const mismatch = readRow(row({ name: '张三', idNumber: ZHANG, gender: '女', birthDate: '1985-06-13' }), columns(), TODAY);
    expect(mismatch.kind === 'data' && mismatch.problems.map((p) => p.field)).toEqual(['gender', 'birthDate']);
    const missing = readRow(row({ phone: '13812345678' }), columns(), TODAY);
    expect(missing.kind === 'data' && missing.problems.map((p) => [p.field, p.key])).toEqual([['name', 'validation.required'], ['idNumber', 'validation.required']]);
  });
  it('skips blank rows and the example row; reads formulas, rich text and serial dates', () => {
    expect(readRow(row({}), columns(), TODAY)).toEqual({ kind: 'blank' });
    expect(readRow(row({ name: ' ', tags: '' }), columns(), TODAY)).toEqual({ kind: 'blank' });
    expect(readRow(row({ name: '【示例】张三', idNumber: XLSX_EXAMPLE_ID }), columns(), TODAY)).toEqual({ kind: 'example' });
    const r = readRow(row({
      name: { richText: [{ text: '张' }, { text: '三' }] }, idNumber: { formula: 'A1', result: ZHANG }, birthDate: 31210, building: '1栋', room: 302,
    }), columns(), TODAY);
    expect(r).toMatchObject({ kind: 'data', problems: [], values: { name: '张三', idNumber: ZHANG, birthDate: '1985-06-12', room: '302' } });
  });
  it('reads back what the resident sheet writes (export → import keeps every value)', () => {
    const written = residentSheetCells('zh-CN', {
      name: '李四', idNumber: ZHANG, gender: 'male', birthDate: '1985-06-12', phone: '027-84561234', ethnicity: '回族',
      politicalStatus: 'cyl_member', relation: 'grandchild', residenceType: 'floating', building: '2栋', entrance: null, room: '0101',
      movedInOn: '2020-02-29', tags: ['空巢', '退役军人'],
    });
    const r = readRow([undefined, ...written], columns(), TODAY);
    expect(r).toEqual({
      kind: 'data', problems: [],
      values: {
        name: '李四', idNumber: ZHANG, gender: 'male', birthDate: '1985-06-12', phone: '027-84561234', ethnicity: '回族',
        politicalStatus: 'cyl_member', relation: 'grandchild', residenceType: 'floating', building: '2栋', room: '0101',
        movedInOn: '2020-02-29', tags: ['空巢', '退役军人'],
      },
    });
  });
});

describe('the template', () => {
  it('has the 居民 sheet with the header, an example row in a lighter style, drop-downs, and the 说明 sheet', async () => {
    const buffer = await buildTemplate('zh-CN', ['空巢', '独居', '残疾']);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buffer as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['居民', '说明']);
    const ws = wb.getWorksheet('居民')!;
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(['姓名*', '身份证号码*', '性别', '出生日期', '联系电话', '民族', '政治面貌', '与户主关系', '户籍类型', '楼栋*', '单元', '房号*', '迁入日期', '标签']);
    expect(ws.getRow(1).font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const example = ws.getRow(2);
    expect(example.getCell(1).value).toBe('【示例】张三');
    expect(example.getCell(2).value).toBe(XLSX_EXAMPLE_ID);
    expect(example.getCell(3).value).toBe('女');
    expect(example.font?.color?.argb).toBe('FF8C8C8C');
    expect(example.getCell(14).value).toBe('空巢、独居');
    expect(ws.getColumn(2).numFmt).toBe('@');
    expect(ws.getCell('C500').dataValidation).toMatchObject({ type: 'list', formulae: ['"男,女"'] });
    expect(ws.getCell('H9').dataValidation).toMatchObject({ type: 'list', formulae: ['"户主,配偶,子女,父母,孙子女,兄弟姐妹,租户,其他"'] });
    // The header and example it writes are what the reader expects.
    expect(readHeader(ws.getRow(1).values as unknown[])?.ok).toBe(true);
    const notes = wb.getWorksheet('说明')!;
    const text = notes.getSheetValues().flat().map(String).join('\n');
    expect(text).toContain('身份证号码');
    expect(text).toContain('可选：男、女');
    expect(text).toContain('可用的标签：空巢、独居、残疾');
    expect(notes.rowCount).toBeGreaterThan(IMPORT_COLUMNS.length + 3);
  });
  it('speaks English to an English caller', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await buildTemplate('en', ['Empty nest'])) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Residents', 'Notes']);
    expect(wb.worksheets[0]!.getRow(1).getCell(1).value).toBe('Name*');
  });
});

describe('looking inside an upload', () => {
  const write = async (name: string, data: Buffer) => {
    const f = path.join(dir, name);
    await fs.writeFile(f, data);
    return f;
  };
  it('finds the sheets and counts the rows of the wanted one', async () => {
    const f = await write('template.xlsx', await buildTemplate('zh-CN', []));
    const outline = await outlineWorkbook(f, (n) => n === '居民');
    expect(outline.sheets).toEqual([{ name: '居民', path: 'xl/worksheets/sheet1.xml' }, { name: '说明', path: 'xl/worksheets/sheet2.xml' }]);
    expect(outline.rows.get('居民')).toBe(2);
    const rows = [];
    for await (const r of sheetRows(f, 'xl/worksheets/sheet1.xml')) rows.push(r.number);
    expect(rows).toEqual([1, 2]);
  });
  it('streams files written with shared strings (after the sheets, as Excel stores them) and with inline strings', async () => {
    for (const useSharedStrings of [true, false]) {
      const f = path.join(dir, `stream-${useSharedStrings}.xlsx`);
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: f, useSharedStrings });
      wb.addWorksheet('说明').addRow(['说明']).commit();
      const ws = wb.addWorksheet('居民');
      ws.addRow(['姓名', '身份证号码', '出生日期']).commit();
      for (let i = 0; i < 50; i++) ws.addRow([`居民${i}`, ZHANG, new Date(Date.UTC(1985, 5, 12))]).commit();
      await wb.commit();
      const outline = await outlineWorkbook(f, (n) => n === '居民');
      expect(outline.rows.get('居民')).toBe(51);
      const path2 = outline.sheets.find((s) => s.name === '居民')!.path!;
      const rows = [];
      for await (const r of sheetRows(f, path2)) rows.push(r);
      expect(rows).toHaveLength(51);
      expect(rows[50]!.values.slice(1, 3)).toEqual(['居民49', ZHANG]);
      expect(excelSerialToIso(rows[50]!.values[3] as number)).toBe('1985-06-12');
    }
  });
  it('reads every kind of cell from the sheet XML, however the stream is cut', async () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="x"><cols><col min="1" max="2" width="9"/></cols><sheetData>'
      + '<row r="1" spans="1:9"><c r="A1" t="s"><v>1</v></c><c r="B1" t="inlineStr"><is><r><t>张</t></r><r><rPr><b/></rPr><t xml:space="preserve">三 &amp; 李</t></r><rPh sb="0" eb="1"><t>ZHANG</t></rPh></is></c>'
      + '<c r="C1"><v>31211</v></c><c r="D1" t="b"><v>1</v></c><c r="E1" t="e"><v>#N/A</v></c><c r="F1" t="str"><f>A1&amp;"x"</f><v>a&lt;b</v></c>'
      + '<c r="G1"><f t="shared" si="0"/><v>3.5</v></c><c r="H1" s="2"/><c r="I1" t="s"><v>0</v></c></row>'
      + '<row r="3"/><row><c t="inlineStr"><is><t>无引用</t></is></c><c><v>7</v></c></row><x:row r="9"><x:c r="AA9" t="d"><x:v>2020-01-31T00:00:00Z</x:v></x:c></x:row>'
      + '</sheetData><rowBreaks count="0"/></worksheet>';
    const shared = ['甲', { richText: [{ text: '乙' }] }];
    const bytes = Buffer.from(xml, 'utf8');
    const expected = [
      { number: 1, values: [undefined, { richText: [{ text: '乙' }] }, '张三 & 李', 31211, true, { error: '#N/A' }, { formula: 'A1&"x"', result: 'a<b' }, { formula: '', result: 3.5 }, undefined, '甲'] },
      { number: 3, values: [] },
      { number: 4, values: [undefined, '无引用', 7] },
      { number: 9, values: Object.assign([], { 27: new Date('2020-01-31T00:00:00Z') }) },
    ];
    // Cut anywhere, even inside a character of 三: the same rows.
    for (const size of [1, 2, 7, 64, bytes.length]) {
      const chunks = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const rows = [];
      for await (const r of readSheetXml(Readable.from(chunks), shared)) rows.push(r);
      expect(rows).toEqual(expected);
    }
  });
  it('reads the shared strings as they stream by, however the stream is cut, keeping them off the heap', async () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="x" count="6" uniqueCount="6">'
      + '<si><t>张三</t></si><si><t xml:space="preserve"> 1栋 </t></si><si/><si><r><t>王</t></r><r><rPr><b/><sz val="11"/></rPr><t>五 &amp; &#x674E;</t></r>'
      + '<rPh sb="0" eb="1"><t>WANG</t></rPh><phoneticPr fontId="1"/></si><si><t>汪</t><rPh sb="0" eb="1"><t>WANG</t></rPh></si><x:si><x:t>&lt;b&gt;</x:t></x:si></sst>';
    const bytes = Buffer.from(xml, 'utf8');
    for (const size of [1, 3, 64, bytes.length]) {
      const chunks = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const shared = await readSharedStrings(Readable.from(chunks));
      expect(Array.from({ length: shared.length }, (_, i) => shared.at(i))).toEqual(['张三', ' 1栋 ', '', '王五 & 李', '汪', '<b>']);
      expect([shared.at(-1), shared.at(6), shared.at(Number.NaN)]).toEqual([undefined, undefined, undefined]);
    }
    // Many strings: one buffer about the size of their text, not a string each on the heap.
    const many = new SharedStrings();
    for (let i = 0; i < 100_000; i++) many.push(`4201051985${String(i).padStart(8, '0')}`);
    expect(many.at(54_321)).toBe('420105198500054321');
    expect(many.byteLength).toBeLessThan(4 * 1024 * 1024);
  });
  it('says plainly when a file is not an xlsx workbook', async () => {
    const random = await write('random.xlsx', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    await expect(outlineWorkbook(random, () => true)).rejects.toEqual(new WorkbookProblem('import.failed.not_xlsx'));
    const empty = await write('empty.xlsx', Buffer.alloc(0));
    await expect(outlineWorkbook(empty, () => true)).rejects.toMatchObject({ key: 'import.failed.not_xlsx' });
  });
  it('refuses a sheet that unpacks beyond the limit', async () => {
    const f = await write('template2.xlsx', await buildTemplate('zh-CN', []));
    await expect(outlineWorkbook(f, () => true, { sharedStrings: 10, sheet: 100 })).rejects.toMatchObject({ key: 'import.failed.too_large' });
  });
});

describe('receiving an upload', () => {
  it('streams it to a private file with its sha256, refusing an empty or too large body', async () => {
    const got = await receiveUpload(path.join(dir, 'up'), Readable.from([Buffer.from('PK'), Buffer.from('xx')]), 10);
    expect(got.size).toBe(4);
    expect(got.sha256).toBe(crypto.createHash('sha256').update('PKxx').digest('hex'));
    expect(await fs.readFile(got.file, 'utf8')).toBe('PKxx');
    expect((await fs.stat(got.file)).mode & 0o777).toBe(0o600);
    await expect(receiveUpload(path.join(dir, 'up'), Readable.from([Buffer.alloc(8), Buffer.alloc(8)]), 10)).rejects.toMatchObject({ status: 413, key: 'import.file_too_large' });
    await expect(receiveUpload(path.join(dir, 'up'), Readable.from([]), 10)).rejects.toMatchObject({ status: 400, key: 'import.file_empty' });
    expect(await fs.readdir(path.join(dir, 'up'))).toEqual([path.basename(got.file)]);
  });
});

describe('checking in batches', () => {
  it('reads the next batch while one is checked and one written, never holding more than three batches of the file', async () => {
    const total = 10_500;
    const size = 1000;
    let read = 0;
    let written = 0;
    let mostInFlight = 0;
    async function* items() {
      for (let i = 1; i <= total; i++) {
        read++;
        mostInFlight = Math.max(mostInFlight, read - written);
        yield i;
      }
    }
    const batches: number[][] = [];
    await inBatches(items(), size, async (batch) => [...batch], async (batch) => {
      // A slow write: the reader runs ahead as far as it may meanwhile.
      for (let k = 0; k < 50; k++) await new Promise((r) => setImmediate(r));
      batches.push(batch);
      written += batch.length;
    });
    expect(written).toBe(total);
    expect(batches.map((b) => b.length)).toEqual([...Array(10).fill(size), 500]);
    expect(batches.flat()).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // The batch being written, the one checked meanwhile and the one read meanwhile: the reading runs
    // ahead of the writes, but not by the file.
    expect(mostInFlight).toBeLessThanOrEqual(3 * size);
    expect(mostInFlight).toBeGreaterThan(2 * size);
  });
  it('stops at a failed check after the write in flight, and reports a failed write', async () => {
    async function* items() {
      for (let i = 1; i <= 5000; i++) yield i;
    }
    const written: number[] = [];
    let writing = 0;
    await expect(inBatches(items(), 1000, async (batch) => {
      if (batch[0] === 2001) throw new Error('bad batch');
      return batch;
    }, async (batch) => {
      writing++;
      for (let k = 0; k < 20; k++) await new Promise((r) => setImmediate(r));
      written.push(batch[0]!);
      writing--;
    })).rejects.toThrow('bad batch');
    expect(written).toEqual([1, 1001]);
    expect(writing).toBe(0);
    await expect(inBatches(items(), 1000, async (batch) => batch, async (batch) => {
      if (batch[0] === 3001) throw new Error('write failed');
    })).rejects.toThrow('write failed');
  });
});

describe('import planning', () => {
  it('derives a floor from a room number when it can', () => {
    expect(floorFromRoom('0302', 6)).toBe(3);
    expect(floorFromRoom('302', null)).toBe(3);
    expect(floorFromRoom('1201', 30)).toBe(12);
    expect(floorFromRoom('1201', 6)).toBeNull();
    expect(floorFromRoom('商铺3', 6)).toBeNull();
    expect(floorFromRoom('12', 6)).toBeNull();
  });
  it('plans an update only for what differs; empty cells keep the recorded values', () => {
    const person = {
      name: '张三', gender: 'male', birth_date: '1985-06-12', phone_hash: 'P1', ethnicity: '汉族', political_status: 'masses', relation: 'head',
      residence_type: 'registered', moved_in_on: null, building_id: '5', entrance_id: null, room: '0302',
    } as unknown as PersonRow;
    const s: Staged = { name: '张三', gender: 'male', birthDate: '1985-06-12', idNumberEnc: 'x', idNumberHash: 'h', buildingId: '5', entranceId: null, room: '0302' };
    expect(planChange(s, person, ['1'])).toEqual({ fields: [], household: false, tags: false });
    expect(planChange({ ...s, phoneHash: 'P2', relation: 'spouse', tagIds: ['1'] }, person, ['1'])).toEqual({ fields: ['phone', 'relation'], household: false, tags: false });
    expect(planChange({ ...s, room: '0401', tagIds: ['2', '1'] }, person, ['1'])).toEqual({ fields: [], household: true, tags: true });
    const { buildingId: _b, entranceId: _e, room: _r, ...unplaced } = s;
    expect(planChange(unplaced, person, [])).toEqual({ fields: [], household: false, tags: false });
  });
});
