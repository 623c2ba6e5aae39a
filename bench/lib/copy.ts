/** COPY … FROM STDIN of text rows through pg-copy-streams (the generator's loader too). */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value in COPY's text format. */
export function copyValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  return String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Send `lines` (each ending in a newline) to `statement`, a COPY … FROM STDIN, on a connection of its own. */
export async function copyIn(url: string, statement: string, lines: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const source = Readable.from((function* () {
      for (let i = 0; i < lines.length; i += 1000) yield lines.slice(i, i + 1000).join('');
    })());
    await pipeline(source, client.query(copyFrom(statement)));
  } finally {
    await client.end();
  }
}
