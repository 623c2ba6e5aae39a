import crypto from 'node:crypto';
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient, type Transaction } from 'kysely';
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

/**
 * Keeps a statement prepared on each connection: put it anywhere in the statement
 * (sql`${prepared} SELECT …`). For statements that run on (nearly) every request and whose plan does
 * not depend on their parameters' values — the session lookup, a step's notification: parsing and
 * planning those two cost PostgreSQL more than running them (0.35 + 0.55 ms against 0.09 + 0.27 ms a
 * report, pg_stat_statements). Not for scoped lists: after five runs PostgreSQL may settle on a generic
 * plan, one plan for a grid and for the whole district. Nor with `*` in its select list: a column
 * added by a migration while a server runs would fail it ("cached plan must not change result type").
 */
const PREPARED_MARK = '/*prepared*/';
export const prepared = sql.raw(PREPARED_MARK);

const preparedNames = new Map<string, string>();

/** The statement's name on the connection when it is marked (its text's hash: one text, one name), else null. */
export function preparedName(text: string): string | null {
  if (!text.includes(PREPARED_MARK)) return null;
  let name = preparedNames.get(text);
  if (name === undefined) {
    name = `linli_${crypto.createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name); // the marked texts are few: one per statement shape
  }
  return name;
}

/** The pool as Kysely sees it: a marked statement goes out as a named one (pg parses it once per connection). */
function namingPool(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      return {
        query: ((text: string, values: readonly unknown[]) => {
          const name = preparedName(text);
          return name ? client.query({ name, text, values: values as unknown[] }) : client.query(text, values as unknown[]);
        }) as unknown as PostgresPoolClient['query'],
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
}

export function createDb(pool: pg.Pool): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPool(pool) }) });
}

export * from './schema.js';
