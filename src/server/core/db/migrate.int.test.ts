import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from './index.js';
import { migrate, MIGRATIONS_DIR } from './migrate.js';
import { cloneDatabase } from '../../../../test/helpers/app.js';

/** An empty database on the test server (not the migrated template). */
const emptyDatabase = () => cloneDatabase({ empty: true });

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-migrations-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function write(name: string, sql: string) {
  await fs.writeFile(path.join(dir, name), sql);
}

describe('migrate', () => {
  it('applies numbered migrations in order, each once, and ignores other files', async () => {
    const db = await emptyDatabase();
    const pool = createPool(db.url, 2);
    try {
      // Written out of order; 0010 needs 0002, which needs 0001.
      await write('0010_c.sql', `INSERT INTO thing (name) VALUES ('c'); INSERT INTO log (step) VALUES ('0010');`);
      await write('0001_a.sql', `CREATE TABLE log (n serial PRIMARY KEY, step text); INSERT INTO log (step) VALUES ('0001');`);
      await write('0002_b.sql', `CREATE TABLE thing (name text PRIMARY KEY); INSERT INTO log (step) VALUES ('0002');`);
      await write('README.md', 'not a migration');
      await write('0003-not-numbered-right.txt', 'SELECT 1/0;');
      await write('3_short.sql', 'SELECT 1/0;');

      const first = await migrate(pool, dir);
      expect(first).toEqual({ applied: ['0001_a.sql', '0002_b.sql', '0010_c.sql'], alreadyApplied: 0 });
      expect((await pool.query('SELECT step FROM log ORDER BY n')).rows.map((r) => r.step)).toEqual(['0001', '0002', '0010']);

      const again = await migrate(pool, dir);
      expect(again).toEqual({ applied: [], alreadyApplied: 3 });

      await write('0011_d.sql', `INSERT INTO log (step) VALUES ('0011');`);
      expect(await migrate(pool, dir)).toEqual({ applied: ['0011_d.sql'], alreadyApplied: 3 });
      expect((await pool.query('SELECT name FROM schema_migration ORDER BY name')).rows.map((r) => r.name))
        .toEqual(['0001_a.sql', '0002_b.sql', '0010_c.sql', '0011_d.sql']);
    } finally {
      await pool.end();
      await db.drop();
    }
  });

  it('rolls a failing migration back entirely, keeps the earlier ones, and names the file', async () => {
    const db = await emptyDatabase();
    const pool = createPool(db.url, 2);
    const failDir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-migrations-fail-'));
    try {
      await fs.writeFile(path.join(failDir, '0001_ok.sql'), 'CREATE TABLE ok (id int);');
      await fs.writeFile(path.join(failDir, '0002_bad.sql'), 'CREATE TABLE half (id int); SELECT no_such_function();');
      await fs.writeFile(path.join(failDir, '0003_later.sql'), 'CREATE TABLE later (id int);');
      await expect(migrate(pool, failDir)).rejects.toThrow(/Migration 0002_bad\.sql failed: .*no_such_function/);
      const tables = (await pool.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)).rows.map((r) => r.tablename);
      expect(tables).toEqual(['ok', 'schema_migration']);
      expect((await pool.query('SELECT name FROM schema_migration')).rows).toEqual([{ name: '0001_ok.sql' }]);

      // Fixed, it goes on from where it stopped.
      await fs.writeFile(path.join(failDir, '0002_bad.sql'), 'CREATE TABLE half (id int);');
      expect(await migrate(pool, failDir)).toEqual({ applied: ['0002_bad.sql', '0003_later.sql'], alreadyApplied: 1 });
    } finally {
      await pool.end();
      await db.drop();
      await fs.rm(failDir, { recursive: true, force: true });
    }
  });

  it('two starts at once apply each migration exactly once', async () => {
    const db = await emptyDatabase();
    const a = createPool(db.url, 2);
    const b = createPool(db.url, 2);
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
      expect([...ra.applied, ...rb.applied].sort()).toEqual(files);
      expect((await a.query('SELECT count(*)::int AS n FROM schema_migration')).rows[0].n).toBe(files.length);
    } finally {
      await a.end();
      await b.end();
      await db.drop();
    }
  });

  it('the real schema: the template is up to date, ltree is there and the audit log is append-only', async () => {
    const db = await cloneDatabase();
    const pool = createPool(db.url, 2);
    try {
      const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f));
      expect(await migrate(pool)).toEqual({ applied: [], alreadyApplied: files.length });
      expect((await pool.query(`SELECT extname FROM pg_extension WHERE extname = 'ltree'`)).rowCount).toBe(1);
      expect((await pool.query(`SELECT '1.4.57'::ltree <@ '1.4'::ltree AS inside`)).rows[0].inside).toBe(true);
      await pool.query(`INSERT INTO audit_log (action, result) VALUES ('test.action', 'success')`);
      await expect(pool.query(`UPDATE audit_log SET action = 'changed'`)).rejects.toThrow(/append-only/);
      await expect(pool.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
      await expect(pool.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});
