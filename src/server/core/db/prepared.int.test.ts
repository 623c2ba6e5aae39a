import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createPool, prepared, preparedName, type Db } from './index.js';
import { cloneDatabase } from '../../../../test/helpers/app.js';

let drop: () => Promise<void>;
let db: Db;

beforeAll(async () => {
  const clone = await cloneDatabase({ empty: true });
  drop = clone.drop;
  // One connection: what one statement leaves prepared, the next one on the pool sees.
  db = createDb(createPool(clone.url, 1));
});
afterAll(async () => {
  await db.destroy();
  await drop();
});

const preparedOnConnection = async () =>
  (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements ORDER BY statement`.execute(db)).rows.map((r) => r.statement);

describe('statements kept prepared', () => {
  it('a marked statement is prepared once on its connection and answers as before; an unmarked one is not kept', async () => {
    await sql`SELECT ${1}::int AS one`.execute(db);
    expect(await preparedOnConnection()).toEqual([]);

    const marked = (n: number) => sql<{ n: number; twice: number }>`${prepared} SELECT ${n}::int AS n, ${n}::int * 2 AS twice`.execute(db);
    expect((await marked(3)).rows).toEqual([{ n: 3, twice: 6 }]);
    expect((await marked(21)).rows).toEqual([{ n: 21, twice: 42 }]);
    const kept = await preparedOnConnection();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toContain('/*prepared*/ SELECT $1::int AS n');
  });

  it('works inside a transaction, and a failed statement neither breaks the name nor commits anything', async () => {
    await sql`CREATE TABLE IF NOT EXISTS thing (id int PRIMARY KEY, name text NOT NULL)`.execute(db);
    const put = (id: number, name: string | null) => db.transaction().execute((trx) =>
      sql`${prepared} INSERT INTO thing (id, name) VALUES (${id}, ${name})`.execute(trx));
    await put(1, 'a');
    await expect(put(2, null)).rejects.toThrow(/null value/);
    await put(3, 'c');
    expect((await sql<{ id: number }>`SELECT id FROM thing ORDER BY id`.execute(db)).rows.map((r) => r.id)).toEqual([1, 3]);
  });

  it('a Kysely builder statement is marked with modifyEnd; one text has one name', async () => {
    const q = db.selectNoFrom(sql<number>`1`.as('x')).modifyEnd(prepared).compile();
    expect(preparedName(q.sql)).toMatch(/^linli_[0-9a-f]{24}$/);
    expect(preparedName(q.sql)).toBe(preparedName(`${q.sql}`));
    expect(preparedName('SELECT 1')).toBeNull();
    expect((await db.executeQuery(q)).rows).toEqual([{ x: 1 }]);
  });
});
