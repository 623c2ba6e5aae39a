import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Transform } from 'node:stream';
import { parse as parseCsv, CsvError } from 'csv-parse';
import type { MessageKey, Params } from '../../../shared/i18n/index.js';
import { HOTLINE_MAX_ROWS, type HotlineMappingView } from '../../../shared/hotline.schemas.js';
import { WorkbookProblem, normalizeCell, outlineWorkbook, sheetRows } from '../registry/import.workbook.js';
import { cellText, knownHeaderCount, type CellValue } from './hotline.mapping.js';

/**
 * Reading an uploaded hotline export, xlsx or CSV, one row at a time (memory flat whatever the
 * file's length). CSV exports of Chinese hotline systems are often GBK/GB18030: the bytes are read
 * as UTF-8 (with or without BOM) when they are valid UTF-8, else as GB18030. A file that cannot be
 * read throws a FileProblem with a catalogue message.
 */

export class FileProblem extends Error {
  constructor(readonly key: MessageKey, readonly params: Params = {}) {
    super(key);
  }
}

export type FileFormat = 'xlsx' | 'csv';

export interface FileRow {
  /** The row (xlsx) or record (CSV) number as a spreadsheet shows it. */
  number: number;
  /** Cells from the first column on. */
  cells: CellValue[];
  date1904: boolean;
}

/** xlsx by its zip signature; old .xls (OLE) refused; anything else read as CSV text. */
export async function detectFormat(file: string): Promise<FileFormat> {
  const fh = await fsp.open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    const b = head.subarray(0, bytesRead);
    if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return 'xlsx';
    if (b.length >= 4 && b[0] === 0xd0 && b[1] === 0xcf && b[2] === 0x11 && b[3] === 0xe0) throw new FileProblem('hotline.file.xls');
    return 'csv';
  } finally {
    await fh.close();
  }
}

/** UTF-8 when every byte sequence of the file is valid UTF-8 (checked streaming), else GB18030. */
export async function detectEncoding(file: string): Promise<'utf-8' | 'gb18030'> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 64 * 1024 })) {
      const buf = chunk as Buffer;
      if (buf.includes(0)) throw new FileProblem('hotline.file.unreadable');
      decoder.decode(buf, { stream: true });
    }
    decoder.decode();
    return 'utf-8';
  } catch (e) {
    if (e instanceof FileProblem) throw e;
    return 'gb18030';
  }
}

function decoderStream(encoding: 'utf-8' | 'gb18030'): Transform {
  // A BOM is dropped by the decoder (ignoreBOM false).
  const decoder = new TextDecoder(encoding);
  return new Transform({
    readableObjectMode: false,
    transform(chunk: Buffer, _enc, done) {
      done(null, decoder.decode(chunk, { stream: true }));
    },
    flush(done) {
      const rest = decoder.decode();
      done(null, rest || undefined);
    },
  });
}

async function* csvRows(file: string): AsyncGenerator<FileRow> {
  const encoding = await detectEncoding(file);
  const parser = parseCsv({ relax_column_count: true, relax_quotes: true, max_record_size: 1024 * 1024, skip_records_with_empty_values: false });
  const source = fs.createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(decoderStream(encoding));
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  let n = 0;
  try {
    for await (const record of parser) {
      n++;
      yield { number: n, cells: (record as string[]).map((s) => (s === '' ? null : s)), date1904: false };
    }
  } catch (e) {
    if (e instanceof CsvError) throw new FileProblem('hotline.file.csv_malformed', { line: (e as CsvError & { lines?: number }).lines ?? n + 1 });
    throw e;
  } finally {
    source.destroy();
  }
}

function xlsxCell(v: unknown): CellValue {
  const c = normalizeCell(v);
  switch (c.kind) {
    case 'text': return c.text;
    case 'number': return c.value;
    case 'date': return c.value;
    case 'error': return c.value;
    default: return null;
  }
}

async function* xlsxRows(file: string): AsyncGenerator<FileRow> {
  let sheetPath: string | undefined;
  try {
    const outline = await outlineWorkbook(file, () => false);
    sheetPath = outline.sheets.find((s) => s.path && /^xl\/worksheets\/sheet\d+\.xml$/.test(s.path))?.path;
  } catch (e) {
    if (e instanceof WorkbookProblem) throw new FileProblem(e.key === 'import.failed.too_large' ? 'hotline.file.too_large' : 'hotline.file.unreadable');
    throw new FileProblem('hotline.file.unreadable');
  }
  if (!sheetPath) throw new FileProblem('hotline.file.unreadable');
  try {
    for await (const row of sheetRows(file, sheetPath)) {
      // Array.from visits the holes of exceljs's sparse row arrays (map would keep them as holes).
      yield { number: row.number, cells: Array.from(row.values.slice(1), xlsxCell), date1904: row.date1904 };
    }
  } catch (e) {
    if (e instanceof FileProblem) throw e;
    throw new FileProblem('hotline.file.unreadable');
  }
}

/** The rows of an upload (the first sheet of a workbook, or the CSV records). */
export function fileRows(file: string, format: FileFormat): AsyncGenerator<FileRow> {
  return format === 'xlsx' ? xlsxRows(file) : csvRows(file);
}

const HEADER_SCAN_ROWS = 10;
const SAMPLE_ROWS = 5;
const MAX_VALUES = 100;
const MAX_VALUE_LENGTH = 100;

export interface Inspection {
  /** The row number of the header row. */
  headerRow: number;
  /** One name per column (empty headers named by position, repeats numbered). */
  headers: string[];
  /** Distinct values of each column, for columns with at most a hundred short ones. */
  columnValues: Record<string, string[]>;
  sampleRows: string[][];
  /** Data rows (not blank) below the header. */
  rows: number;
}

/** The header cells of a row as column names: "#3" for an empty one, "名称 (2)" for a repeat. */
export function headerNames(cells: readonly CellValue[]): string[] {
  const seen = new Map<string, number>();
  let last = cells.length;
  while (last > 0 && cellText(cells[last - 1] ?? null) === '') last--;
  return cells.slice(0, last).map((c, i) => {
    const base = cellText(c ?? null).replace(/\s+/g, ' ').slice(0, 200) || `#${i + 1}`;
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return k === 1 ? base : `${base} (${k})`;
  });
}

/**
 * A first full read of an upload: find its header row (the first of the first ten rows with two
 * known headers, else the first with two filled cells), count its rows, note the values of each
 * column and the first rows. Too many rows, no header or no rows → FileProblem.
 */
export async function inspectFile(file: string, format: FileFormat, saved: HotlineMappingView | null): Promise<Inspection> {
  let header: { row: number; names: string[] } | null = null;
  let fallback: { row: number; cells: CellValue[] } | null = null;
  const early: FileRow[] = [];
  const values = new Map<number, Set<string> | null>();
  const sampleRows: string[][] = [];
  let rows = 0;

  const take = (r: FileRow) => {
    const texts = Array.from(r.cells, (c) => cellText(c ?? null));
    if (texts.every((t) => t === '')) return;
    rows++;
    if (rows > HOTLINE_MAX_ROWS) throw new FileProblem('hotline.file.too_many_rows', { max: HOTLINE_MAX_ROWS });
    if (sampleRows.length < SAMPLE_ROWS) sampleRows.push(texts.slice(0, header!.names.length).map((t) => t.slice(0, 200)));
    texts.forEach((t, i) => {
      if (i >= header!.names.length || !t) return;
      const set = values.get(i);
      if (set === null) return;
      const s = set ?? new Set<string>();
      if (t.length > MAX_VALUE_LENGTH) return void values.set(i, null);
      s.add(t);
      values.set(i, s.size > MAX_VALUES ? null : s);
    });
  };

  for await (const r of fileRows(file, format)) {
    if (header) {
      take(r);
      continue;
    }
    const texts = Array.from(r.cells, (c) => cellText(c ?? null));
    const filled = texts.filter(Boolean).length;
    if (filled === 0) continue;
    early.push(r);
    if (filled >= 2 && knownHeaderCount(texts, saved) >= 2) {
      header = { row: r.number, names: headerNames(r.cells) };
      continue;
    }
    if (filled >= 2 && !fallback) fallback = { row: r.number, cells: r.cells };
    if (early.length >= HEADER_SCAN_ROWS) {
      if (!fallback) throw new FileProblem('hotline.file.header_missing', { rows: HEADER_SCAN_ROWS });
      header = { row: fallback.row, names: headerNames(fallback.cells) };
      for (const e of early) if (e.number > fallback.row) take(e);
    }
  }
  if (!header && fallback) {
    header = { row: fallback.row, names: headerNames(fallback.cells) };
    for (const e of early) if (e.number > fallback.row) take(e);
  }
  if (!header) throw new FileProblem('hotline.file.header_missing', { rows: HEADER_SCAN_ROWS });
  if (rows === 0) throw new FileProblem('hotline.file.no_rows');
  const columnValues: Record<string, string[]> = {};
  for (const [i, set] of values) if (set && set.size) columnValues[header.names[i]!] = [...set].sort((a, b) => a.localeCompare(b, 'zh-CN'));
  return { headerRow: header.row, headers: header.names, columnValues, sampleRows, rows };
}
