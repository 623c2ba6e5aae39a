import { PassThrough, type Writable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A file made while it is sent: exports of the audit log and the registry's ledgers. */
export interface StreamedFile {
  /** The name in the caller's language ("审计日志-20261120-0900.xlsx"), and an ASCII fallback. */
  filename: string;
  asciiFilename: string;
  contentType: string;
  /** Write the file to `out`, ending it. */
  write(out: Writable): Promise<void>;
}

/** attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded name> (RFC 6266 / 5987). */
export function contentDisposition(ascii: string, name: string): string {
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `attachment; filename="${ascii.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encoded}`;
}

/**
 * Send the headers now and the file as it is written. A failure half-way aborts the response (the
 * client sees a broken download, never a truncated file that looks complete).
 */
export function sendStreamedFile(req: FastifyRequest, reply: FastifyReply, file: StreamedFile) {
  const body = new PassThrough();
  file.write(body).catch((err: unknown) => {
    req.log.error({ err }, 'streamed download failed');
    body.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return reply
    .header('Content-Type', file.contentType)
    .header('Content-Disposition', contentDisposition(file.asciiFilename, file.filename))
    .header('Cache-Control', 'no-store')
    .send(body);
}
