import type pg from 'pg';

/**
 * Loading big tables fast: their foreign keys and secondary indexes are taken off before the COPY
 * and put back after, from PostgreSQL's own definitions of them (whatever the migrations, present and
 * future, declared). Foreign keys come back NOT VALID and are then validated — the same check as at
 * insert, once per table instead of once per row — and validations run side by side (VALIDATE takes
 * no lock that conflicts with another). Primary keys and unique constraints stay throughout.
 */

export interface Deferred {
  indexes: { name: string; table: string; def: string }[];
  foreignKeys: { name: string; table: string; def: string }[];
}

export async function readDeferred(client: pg.ClientBase, tables: readonly string[], withIndexes: boolean): Promise<Deferred> {
  const fks = await client.query<{ name: string; table: string; def: string }>(`
    SELECT c.conname AS name, t.relname AS table, pg_get_constraintdef(c.oid) AS def
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = ANY($1)
    ORDER BY t.relname, c.conname`, [tables]);
  const indexes = withIndexes ? await client.query<{ name: string; table: string; def: string }>(`
    SELECT ic.relname AS name, t.relname AS table, pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND t.relname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
    ORDER BY ic.relpages DESC, ic.relname`, [tables]) : { rows: [] };
  return { indexes: indexes.rows, foreignKeys: fks.rows };
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

export async function dropDeferred(client: pg.ClientBase, d: Deferred): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const fk of d.foreignKeys) await client.query(`ALTER TABLE ${ident(fk.table)} DROP CONSTRAINT ${ident(fk.name)}`);
    for (const ix of d.indexes) await client.query(`DROP INDEX ${ident(ix.name)}`);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}

/**
 * Put the indexes and foreign keys back, `parallel` statements at a time (one per connection from
 * `connect`). `progress` is told after each.
 */
export async function restoreDeferred(
  connect: () => Promise<pg.ClientBase & { end(): Promise<void> }>, d: Deferred, parallel: number,
  progress: (phase: 'indexes' | 'foreign keys', done: number, total: number) => void,
): Promise<void> {
  // Biggest indexes first, so the two workers end together.
  const runAll = async (phase: 'indexes' | 'foreign keys', statements: string[]) => {
    let next = 0, done = 0;
    const worker = async () => {
      const c = await connect();
      try {
        await c.query("SET maintenance_work_mem = '512MB'");
        while (next < statements.length) {
          const sql = statements[next++]!;
          await c.query(sql);
          progress(phase, ++done, statements.length);
        }
      } finally {
        await c.end();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, statements.length)) }, worker));
  };
  await runAll('indexes', d.indexes.map((ix) => ix.def));
  const c = await connect();
  try {
    for (const fk of d.foreignKeys) await c.query(`ALTER TABLE ${ident(fk.table)} ADD CONSTRAINT ${ident(fk.name)} ${fk.def} NOT VALID`);
  } finally {
    await c.end();
  }
  await runAll('foreign keys', d.foreignKeys.map((fk) => `ALTER TABLE ${ident(fk.table)} VALIDATE CONSTRAINT ${ident(fk.name)}`));
}
