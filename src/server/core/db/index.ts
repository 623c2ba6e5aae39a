import pg from 'pg';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Either the database or an open transaction: queries take this so use cases can compose them. */
export type Executor = Db | Trx;

// bigint (int8) ids stay strings: JavaScript numbers cannot hold every int8.
// count(*) is int8 too; callers convert with Number() where a count is known to be small.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v); // dates stay 'YYYY-MM-DD', no timezone shift

export function createPool(url: string, max = 20): pg.Pool {
  // JIT off: Linli's statements are short or read an index range, and compiling a plan whose cost
  // estimate crossed jit_above_cost took longer than running it (0.1–0.3 s on the cockpit's).
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, options: '-c jit=off' });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => {});
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export * from './schema.js';
