import type { MessageKey, Params } from '../../../shared/i18n/index.js';
import { ContactPhone } from '../../../shared/registry/organisations.schemas.js';
import type { HotlineField, HotlineMapping, HotlineMappingView } from '../../../shared/hotline.schemas.js';

/**
 * Reading a hotline export, pure: which header holds which field (suggested from common header
 * names, or the source's saved mapping), and one row into the values of an order with its problems.
 * The file reading lives in hotline.files.ts, the lookups in hotline.service.ts.
 */

/** A cell as the readers hand it over: text (CSV, xlsx text), a number, a date (xlsx date cell) or nothing. */
export type CellValue = string | number | Date | null;

/** Matching text typed by people: full-width forms folded, spaces and a required mark (*) dropped, case ignored. */
export function fold(s: string): string {
  return s.normalize('NFKC').replace(/[\s*＊]+/g, '').toLowerCase();
}

/** Header names hotline systems use for each field (武汉、北京、上海 12345 exports and common variants). */
export const HEADER_SYNONYMS: Record<HotlineField, readonly string[]> = {
  orderNo: ['工单编号', '工单号', '受理编号', '工单编码', '诉求编号', '案件编号', '编号', 'order no', 'order number'],
  receivedAt: ['来电时间', '受理时间', '登记时间', '派单时间', '创建时间', '工单时间', 'received at', 'time'],
  callerName: ['来电人', '联系人', '来电人姓名', '诉求人', '反映人', '市民姓名', 'caller', 'caller name'],
  callerPhone: ['联系电话', '来电号码', '联系方式', '来电电话', '诉求人电话', '手机号码', 'phone', 'caller phone'],
  address: ['诉求地址', '事发地址', '事发地点', '地址', '发生地址', '问题地址', 'address'],
  content: ['诉求内容', '工单内容', '反映内容', '来电内容', '问题描述', '内容', 'content', 'description'],
  category: ['诉求分类', '问题分类', '工单分类', '业务分类', '诉求类别', '分类', 'category'],
  urgency: ['紧急程度', '紧急度', '缓急程度', '优先级', 'urgency', 'priority'],
  deadline: ['办理时限', '处理时限', '截止时间', '办结时限', '要求办结时间', '时限', 'deadline', 'due'],
};

const SYNONYM_INDEX: Map<string, HotlineField> = (() => {
  const m = new Map<string, HotlineField>();
  for (const [field, names] of Object.entries(HEADER_SYNONYMS) as [HotlineField, readonly string[]][]) {
    for (const n of names) if (!m.has(fold(n))) m.set(fold(n), field);
  }
  return m;
})();

/** The field a header names, by the common names; null when it names none of them. */
export function fieldOfHeader(header: string): HotlineField | null {
  return SYNONYM_INDEX.get(fold(header)) ?? null;
}

/** How many cells of a row read as known headers (the header row is the first with two or more). */
export function knownHeaderCount(cells: readonly string[], saved?: HotlineMappingView | null): number {
  const savedHeaders = new Set(Object.values(saved?.columns ?? {}).map((h) => fold(h ?? '')));
  return cells.filter((c) => c && (fieldOfHeader(c) !== null || savedHeaders.has(fold(c)))).length;
}

/**
 * A mapping for these headers: the source's saved column where that header is in the file, else the
 * first header carrying one of the field's common names. Each header serves one field at most.
 */
export function suggestColumns(headers: readonly string[], saved?: HotlineMappingView | null): {
  columns: Partial<Record<HotlineField, string>>;
  fromSource: HotlineField[];
} {
  const byFold = new Map(headers.map((h) => [fold(h), h]));
  const columns: Partial<Record<HotlineField, string>> = {};
  const fromSource: HotlineField[] = [];
  const used = new Set<string>();
  for (const [field, header] of Object.entries(saved?.columns ?? {}) as [HotlineField, string][]) {
    const h = byFold.get(fold(header));
    if (h && !used.has(h)) {
      columns[field] = h;
      fromSource.push(field);
      used.add(h);
    }
  }
  for (const h of headers) {
    const field = fieldOfHeader(h);
    if (field && !columns[field] && !used.has(h)) {
      columns[field] = h;
      used.add(h);
    }
  }
  return { columns, fromSource };
}

/** Urgency words hotline systems use, beside what a source's table says. */
export const DEFAULT_URGENCIES: Record<string, 'normal' | 'urgent' | 'critical'> = {
  特急: 'critical', 特别紧急: 'critical', 特提: 'critical', 加急: 'urgent', 紧急: 'urgent', 急: 'urgent', 较急: 'urgent',
  一般: 'normal', 普通: 'normal', 常规: 'normal', 平件: 'normal', 非紧急: 'normal',
  critical: 'critical', urgent: 'urgent', normal: 'normal',
};

// ---------------------------------------------------------------------------------------------
// Values

const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** A wall-clock time in Beijing as an instant. */
function beijing(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date | null {
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  if (y < 1990 || y > 2100) return null;
  return new Date(utc - BEIJING_OFFSET_MS);
}

/**
 * A time from a cell, Beijing time: an Excel date cell or serial number, or text such as
 * '2026-11-20 09:30', '2026/11/20 9:30:00', '2026年11月20日 9时30分', '20261120093000', ISO with an
 * offset. A date without a time is the start of that day, or its end (23:59:59) for a deadline.
 * null: empty; 'invalid': not a time.
 */
export function parseDateTime(v: CellValue, opts: { endOfDay?: boolean; date1904?: boolean } = {}): Date | null | 'invalid' {
  if (v === null) return null;
  if (v instanceof Date) {
    // exceljs hands an Excel date as the wall-clock time in UTC fields.
    if (Number.isNaN(v.getTime())) return 'invalid';
    return new Date(v.getTime() - BEIJING_OFFSET_MS);
  }
  if (typeof v === 'number') {
    if (!(v >= 1 && v < 2958466)) return 'invalid';
    const wall = Math.round((v - 25569 + (opts.date1904 ? 1462 : 0)) * DAY_MS / 1000) * 1000;
    const whole = Number.isInteger(v);
    return new Date(wall - BEIJING_OFFSET_MS + (whole && opts.endOfDay ? DAY_MS - 1000 : 0));
  }
  const t = v.normalize('NFKC').trim();
  if (!t) return null;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(t)) {
    const d = new Date(t);
    return Number.isNaN(d.getTime()) ? 'invalid' : d;
  }
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[\sT]+(\d{1,2})[:时点](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?秒?)?分?)?$/.exec(t);
  if (!m) m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$/.exec(t);
  if (!m) return 'invalid';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hasTime = m[4] !== undefined;
  const at = hasTime ? beijing(y, mo, d, Number(m[4]), Number(m[5]), Number(m[6] ?? 0))
    : opts.endOfDay ? beijing(y, mo, d, 23, 59, 59) : beijing(y, mo, d);
  return at ?? 'invalid';
}

/** A cell as text: numbers as typed (302, not 302.0000001), dates as Beijing time. */
export function cellText(v: CellValue): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15)));
  if (v instanceof Date) {
    const b = new Date(v.getTime());
    return Number.isNaN(b.getTime()) ? '' : b.toISOString().slice(0, 19).replace('T', ' ');
  }
  return v.replace(/[\u200b\ufeff]/g, '').trim();
}

export interface OrderValues {
  orderNo: string;
  content: string;
  receivedAt: string | null;
  deadline: string | null;
  callerName: string | null;
  callerPhone: string | null;
  address: string | null;
  categoryCode: string;
  categoryText: string | null;
  urgency: 'normal' | 'urgent' | 'critical';
}

export interface RowMessage {
  /** The field concerned (null for the whole row). */
  field: HotlineField | null;
  key: MessageKey;
  params?: Params;
  /** An error keeps the row out; a warning lets it in with a remark. */
  level: 'error' | 'warning';
}

export type RowRead =
  | { kind: 'blank' }
  | { kind: 'data'; values: OrderValues | null; orderNo: string | null; messages: RowMessage[] };

const LIMITS = { orderNo: 64, content: 2000, callerName: 50, address: 200 } as const;

/** A text cut to `max` characters (code points). */
const cut = (s: string, max: number) => [...s].slice(0, max).join('');

/** Lookup tables of a mapping with folded keys. */
export interface MappingTables {
  categories: Map<string, string>;
  urgencies: Map<string, 'normal' | 'urgent' | 'critical'>;
}

export function mappingTables(m: HotlineMapping): MappingTables {
  const urgencies = new Map<string, 'normal' | 'urgent' | 'critical'>();
  for (const [w, u] of Object.entries(DEFAULT_URGENCIES)) urgencies.set(fold(w), u);
  for (const [w, u] of Object.entries(m.urgencies)) urgencies.set(fold(w), u);
  return { categories: new Map(Object.entries(m.categories).map(([w, c]) => [fold(w), c])), urgencies };
}

/**
 * Read one data row: `cell(field)` gives the mapped column's cell (undefined when the field is not
 * mapped). Order number and content are required; times parse as Beijing time; the phone is checked
 * as everywhere else; category and urgency go through the source's tables (unknown → the default
 * category / normal, with a warning); over-long content, name and address are cut with a warning.
 */
export function readOrderRow(
  cell: (field: HotlineField) => CellValue | undefined, mapping: HotlineMapping, tables: MappingTables, opts: { date1904?: boolean } = {},
): RowRead {
  const fields = Object.keys(mapping.columns) as HotlineField[];
  if (fields.every((f) => cellText(cell(f) ?? null) === '')) return { kind: 'blank' };
  const messages: RowMessage[] = [];
  const error = (field: HotlineField, key: MessageKey, params?: Params) => messages.push({ field, key, level: 'error', ...(params ? { params } : {}) });
  const warn = (field: HotlineField, key: MessageKey, params?: Params) => messages.push({ field, key, level: 'warning', ...(params ? { params } : {}) });
  const text = (field: HotlineField) => cellText(cell(field) ?? null);
  const limited = (field: keyof typeof LIMITS): string => {
    const s = text(field);
    if ([...s].length <= LIMITS[field]) return s;
    warn(field, 'hotline.issue.cut', { maximum: LIMITS[field] });
    return cut(s, LIMITS[field]);
  };

  const orderNo = text('orderNo');
  if (!orderNo) error('orderNo', 'validation.required');
  else if ([...orderNo].length > LIMITS.orderNo) error('orderNo', 'validation.too_long_string', { maximum: LIMITS.orderNo });

  const content = limited('content');
  if (!content) error('content', 'validation.required');

  const time = (field: 'receivedAt' | 'deadline'): string | null => {
    const v = cell(field);
    if (v === undefined) return null;
    const d = parseDateTime(v, { endOfDay: field === 'deadline', ...opts });
    if (d === 'invalid') {
      error(field, 'hotline.issue.time_format', { value: cut(cellText(v), 40) });
      return null;
    }
    return d ? d.toISOString() : null;
  };
  const receivedAt = time('receivedAt');
  const deadline = time('deadline');

  let callerPhone: string | null = text('callerPhone') || null;
  if (callerPhone) {
    const p = ContactPhone.safeParse(callerPhone);
    if (!p.success) {
      error('callerPhone', 'organisation.phone_format');
      callerPhone = null;
    } else callerPhone = p.data;
  }
  const callerName = limited('callerName') || null;
  const address = limited('address') || null;

  const categoryText = text('category') || null;
  let categoryCode = mapping.defaultCategory;
  if (categoryText) {
    const found = tables.categories.get(fold(categoryText));
    if (found) categoryCode = found;
    else warn('category', 'hotline.issue.category_default', { value: cut(categoryText, 40) });
  }

  const urgencyText = text('urgency');
  let urgency: OrderValues['urgency'] = 'normal';
  if (urgencyText) {
    const u = tables.urgencies.get(fold(urgencyText));
    if (u) urgency = u;
    else warn('urgency', 'hotline.issue.urgency_default', { value: cut(urgencyText, 40) });
  }

  const ok = !messages.some((m) => m.level === 'error');
  return {
    kind: 'data',
    orderNo: orderNo && [...orderNo].length <= LIMITS.orderNo ? orderNo : null,
    messages,
    values: ok ? { orderNo, content, receivedAt, deadline, callerName, callerPhone, address, categoryCode, categoryText, urgency } : null,
  };
}

/** The columns a mapping must name, missing ones listed (a 400 before any row is read). */
export function missingColumns(m: HotlineMapping, required: readonly HotlineField[]): HotlineField[] {
  return required.filter((f) => !m.columns[f]);
}
