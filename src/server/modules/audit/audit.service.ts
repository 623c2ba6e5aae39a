import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { AppContext } from '../../core/context.js';
import type { Actor } from '../../core/access/actor.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, invalid } from '../../core/http/errors.js';
import { translate, type Locale, type MessageKey } from '../../../shared/i18n/index.js';
import {
  AUDIT_EXPORT_MAX_ROWS, type AuditEntryView, type AuditExportQuery, type AuditFilters, type AuditSearchQuery,
} from '../../../shared/audit.schemas.js';
import { P } from './audit.policy.js';
import * as Q from './audit.queries.js';

const KEYSET = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|(\d{1,18})$/;

export function encodeCursor(row: { occurred_key: string; id: string }): string {
  return Buffer.from(`${row.occurred_key}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): Q.Keyset {
  const m = KEYSET.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw invalid('cursor', 'validation.invalid_format');
  return { at: m[1]!, id: m[2]! };
}

function filtersOf(q: AuditFilters): AuditFilters {
  if (q.from && q.to && new Date(q.from) > new Date(q.to)) throw invalid('to', 'audit.range_inverted');
  const { from, to, actor, action, result, resourceType, resourceId } = q;
  return Object.fromEntries(
    Object.entries({ from, to, actor, action, result, resourceType, resourceId }).filter(([, v]) => v !== undefined),
  ) as AuditFilters;
}

export function presentEntry(r: Q.AuditRow): AuditEntryView {
  return {
    id: r.id,
    occurredAt: r.occurred_at.toISOString(),
    actorId: r.actor_id,
    actorUsername: r.actor_username,
    ip: r.ip,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    unitPath: r.unit_path,
    result: r.result,
    detail: r.detail ?? {},
  };
}

/** A page of the log in the caller's scope, newest first, and the cursor of the next page. */
export async function searchEntries(ctx: AppContext, actor: Actor, q: AuditSearchQuery): Promise<{ items: AuditEntryView[]; nextCursor: string | null }> {
  const filters = filtersOf(q);
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  const rows = await Q.searchAudit(ctx.db, actor, P.read, filters, q.limit, after);
  const page = rows.slice(0, q.limit);
  return {
    items: page.map(presentEntry),
    nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Export

/** China keeps one time zone, UTC+8, without daylight saving: exported times are Beijing time. */
const BEIJING_OFFSET_MS = 8 * 3600_000;
const BATCH = 2000;

const COLUMNS: { key: string; label: MessageKey; width: number }[] = [
  { key: 'id', label: 'audit.col.id', width: 10 },
  { key: 'occurredAt', label: 'audit.col.occurredAt', width: 21 },
  { key: 'actorUsername', label: 'audit.col.actorUsername', width: 18 },
  { key: 'actorId', label: 'audit.col.actorId', width: 11 },
  { key: 'ip', label: 'audit.col.ip', width: 16 },
  { key: 'action', label: 'audit.col.action', width: 26 },
  { key: 'resourceType', label: 'audit.col.resourceType', width: 14 },
  { key: 'resourceId', label: 'audit.col.resourceId', width: 12 },
  { key: 'unitName', label: 'audit.col.unitName', width: 18 },
  { key: 'unitPath', label: 'audit.col.unitPath', width: 22 },
  { key: 'result', label: 'audit.col.result', width: 9 },
  { key: 'detail', label: 'audit.col.detail', width: 60 },
];

export interface AuditExport {
  format: 'xlsx' | 'csv';
  rows: number;
  /** "审计日志-20261120-0900.xlsx" in the caller's language, and an ASCII fallback. */
  filename: string;
  asciiFilename: string;
  contentType: string;
  /** Write the file to `out` (ending it), reading the log in batches. */
  write(out: Writable): Promise<void>;
}

function beijing(d: Date): Date {
  return new Date(d.getTime() + BEIJING_OFFSET_MS);
}

function stamp(d: Date): string {
  return beijing(d).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}

function cells(locale: Locale, r: Q.AuditExportRow): (string | number | Date | null)[] {
  return [
    Number(r.id),
    beijing(r.occurred_at),
    r.actor_username,
    r.actor_id,
    r.ip,
    r.action,
    r.resource_type,
    r.resource_id,
    r.unit_name,
    r.unit_path,
    translate(locale, `audit.result.${r.result}`),
    JSON.stringify(r.detail ?? {}),
  ];
}

/** Wait until the consumer took what is buffered (or went away); false when it went away. */
async function drained(out: Writable): Promise<boolean> {
  if (out.destroyed) return false;
  if (!out.writableNeedDrain) return true;
  await new Promise<void>((resolve) => {
    const done = () => { out.off('drain', done); out.off('close', done); resolve(); };
    out.on('drain', done);
    out.on('close', done);
  });
  return !out.destroyed;
}

async function* batches(ctx: AppContext, actor: Actor, filters: AuditFilters, maxId: string) {
  let after: Q.Keyset | undefined;
  for (;;) {
    const rows = await Q.exportBatch(ctx.db, actor, P.export, filters, maxId, BATCH, after);
    if (rows.length > 0) yield rows;
    if (rows.length < BATCH) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.occurred_key, id: last.id };
  }
}

async function writeXlsx(out: Writable, locale: Locale, source: AsyncIterable<Q.AuditExportRow[]>): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Linli 邻里';
  const sheet = workbook.addWorksheet(translate(locale, 'audit.export.sheet'), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = COLUMNS.map((c) => ({ header: translate(locale, c.label), key: c.key, width: c.width }));
  sheet.getColumn('occurredAt').numFmt = 'yyyy-mm-dd hh:mm:ss';
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.commit();
  for await (const rows of source) {
    for (const r of rows) sheet.addRow(cells(locale, r)).commit();
    if (!(await drained(out))) return;
  }
  sheet.commit();
  await workbook.commit();
}

/** RFC 4180 quoting; a leading = + - @ is defused so that a spreadsheet never runs a cell as a formula. */
function csvCell(v: string | number | Date | null): string {
  if (v === null) return '';
  let s = v instanceof Date ? v.toISOString().slice(0, 19).replace('T', ' ') : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function writeCsv(out: Writable, locale: Locale, source: AsyncIterable<Q.AuditExportRow[]>): Promise<void> {
  // The byte-order mark makes Excel read the file as UTF-8 (Chinese intact).
  out.write('\uFEFF' + COLUMNS.map((c) => csvCell(translate(locale, c.label))).join(',') + '\r\n');
  for await (const rows of source) {
    out.write(rows.map((r) => cells(locale, r).map(csvCell).join(',') + '\r\n').join(''));
    if (!(await drained(out))) return;
  }
  out.end();
}

/**
 * Export the entries in the caller's scope that match the filters: at most AUDIT_EXPORT_MAX_ROWS,
 * else 400. The export is itself audited before a byte is sent; its own entry is not part of it.
 */
export async function exportEntries(
  ctx: AppContext, actor: Actor, audit: AuditContext, locale: Locale, q: AuditExportQuery, maxRows = AUDIT_EXPORT_MAX_ROWS,
): Promise<AuditExport> {
  const filters = filtersOf(q);
  const maxId = await Q.lastAuditId(ctx.db);
  const rows = await Q.countAudit(ctx.db, actor, P.export, filters, maxId, maxRows);
  const entry = { action: 'audit.export', resourceType: 'audit_log', unitPath: actor.unitPath };
  if (rows > maxRows) {
    await writeAudit(ctx.db, audit, { ...entry, result: 'failure', detail: { format: q.format, filters, reason: 'too_large', max: maxRows } });
    throw new AppError(400, 'export_too_large', 'audit.export_too_large', { max: maxRows });
  }
  await ctx.db.transaction().execute((trx) => writeAudit(trx, audit, { ...entry, detail: { format: q.format, filters, rows } }));
  const base = stamp(ctx.clock.now());
  return {
    format: q.format,
    rows,
    filename: `${translate(locale, 'audit.export.file')}-${base}.${q.format}`,
    asciiFilename: `linli-audit-${base}.${q.format}`,
    contentType: q.format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv; charset=utf-8',
    write: (out) => (q.format === 'xlsx' ? writeXlsx : writeCsv)(out, locale, batches(ctx, actor, filters, maxId)),
  };
}
