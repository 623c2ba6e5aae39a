import { once } from 'node:events';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * COPY … FROM STDIN in PostgreSQL's text format, one connection per table, rows buffered into
 * chunks and written with backpressure: the generator adds rows synchronously and awaits flush()
 * between batches, so memory stays at a few chunks per table whatever the size.
 */

export type CopyValue = string | number | boolean | Date | null | undefined;

const SPECIAL = /[\\\t\n\r]/;

function text(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') {
    return SPECIAL.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`COPY of a non-finite number ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return v.toISOString();
}

const CHUNK = 256 * 1024;

export class CopyTable {
  rows = 0;
  private buffer: string[] = [];
  private size = 0;
  private stream: ReturnType<typeof copyFrom> | null = null;
  private client: pg.Client | null = null;
  private failed: Error | null = null;

  constructor(readonly table: string, readonly columns: readonly string[]) {}

  async open(url: string): Promise<void> {
    this.client = new pg.Client({ connectionString: url });
    await this.client.connect();
    this.stream = this.client.query(copyFrom(`COPY ${this.table} (${this.columns.join(', ')}) FROM STDIN`));
    this.stream.on('error', (e: Error) => { this.failed ??= e; });
  }

  add(values: readonly CopyValue[]): void {
    if (values.length !== this.columns.length) throw new Error(`${this.table}: ${values.length} values for ${this.columns.length} columns`);
    let line = '';
    for (let i = 0; i < values.length; i++) line += (i ? '\t' : '') + text(values[i]);
    line += '\n';
    this.buffer.push(line);
    this.size += line.length;
    this.rows++;
  }

  /** Hand the buffered rows to the connection; wait while it is behind. */
  async flush(force = false): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.stream || (!force && this.size < CHUNK) || this.buffer.length === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.stream.write(chunk)) {
      await Promise.race([once(this.stream, 'drain'), once(this.stream, 'error').then(([e]) => { throw e; })]);
    }
  }

  /** Send the rest and end the COPY; resolves when PostgreSQL has taken every row. */
  async close(): Promise<void> {
    await this.flush(true);
    const stream = this.stream!;
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    stream.end();
    try {
      await done;
    } finally {
      await this.client!.end().catch(() => {});
      this.client = null;
      this.stream = null;
    }
  }

  /** Abandon the COPY (an error elsewhere): the rows sent are rolled back with it. */
  async abort(): Promise<void> {
    if (!this.client) return;
    this.stream?.destroy(new Error('aborted'));
    await this.client.end().catch(() => {});
    this.client = null;
    this.stream = null;
  }
}
