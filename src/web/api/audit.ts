import type * as S from '../../shared/audit.schemas.js';
import { apiHeaders, errorFrom, http, withQuery } from './client.js';

export type AuditEntryView = S.AuditEntryView;
export type AuditFilters = S.AuditFilters;
export type AuditExportFormat = 'xlsx' | 'csv';

export const auditApi = {
  search: (filters: AuditFilters, cursor?: string, limit = 50) =>
    http.get<{ items: AuditEntryView[]; nextCursor: string | null }>('/api/audit', { ...filters, cursor, limit }),
};

export const auditKeys = {
  all: ['audit'] as const,
  search: (filters: AuditFilters) => ['audit', 'search', filters] as const,
};

export interface DownloadProgress {
  bytes: number;
  /** Content-Length when the server sent one. */
  total: number | null;
  /** Lines received so far (CSV only). */
  rows: number | null;
}

export interface DownloadedFile {
  blob: Blob;
  filename: string;
}

/** The filename of a Content-Disposition header (RFC 6266 filename* first). */
export function filenameFrom(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall through to the plain filename
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header);
  return plain?.[1]?.trim() || fallback;
}

/**
 * Download an export with a streaming reader, reporting bytes (and CSV rows) as they arrive.
 * The caller saves the returned blob.
 */
export async function downloadAuditExport(
  format: AuditExportFormat, filters: AuditFilters, onProgress: (p: DownloadProgress) => void, signal?: AbortSignal,
): Promise<DownloadedFile> {
  const res = await fetch(withQuery('/api/audit/export', { ...filters, format }), {
    credentials: 'same-origin', headers: apiHeaders(), signal,
  });
  if (!res.ok) throw await errorFrom(res);
  const lengthHeader = res.headers.get('Content-Length');
  const total = lengthHeader ? Number(lengthHeader) || null : null;
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  let newlines = 0;
  const countRows = format === 'csv';
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.byteLength;
      if (countRows) for (let i = 0; i < value.length; i++) if (value[i] === 10) newlines++;
      // The header line is not a row.
      onProgress({ bytes, total, rows: countRows ? Math.max(0, newlines - 1) : null });
    }
  } else {
    const buf = new Uint8Array(await res.arrayBuffer());
    chunks.push(buf);
    bytes = buf.byteLength;
    onProgress({ bytes, total, rows: null });
  }
  const type = res.headers.get('Content-Type') ?? (format === 'csv' ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const filename = filenameFrom(res.headers.get('Content-Disposition'), `audit-log.${format}`);
  return { blob: new Blob(chunks, { type }), filename };
}

/** Hand a blob to the browser as a file download. */
export function saveBlob(file: DownloadedFile): void {
  const url = URL.createObjectURL(file.blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
