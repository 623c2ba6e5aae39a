import type pg from 'pg';
import type { Config } from './config.js';
import { createDb, createPool, type Db } from './db/index.js';
import { startEmbeddedPostgres } from './db/embedded.js';
import { migrate, type MigrationResult } from './db/migrate.js';

export interface OpenDatabase {
  pool: pg.Pool;
  db: Db;
  embedded: boolean;
  migrations: MigrationResult;
  close(): Promise<void>;
}

/**
 * Connect to DATABASE_URL, or start the embedded PostgreSQL in the data directory; then bring the
 * schema up to date.
 */
export async function openDatabase(config: Config, log: (m: string) => void = () => {}): Promise<OpenDatabase> {
  let url = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | null = null;
  if (!url) {
    // Once Linli has asked its PostgreSQL to stop, a session still closing is told "terminating
    // connection due to administrator command": that is the stop itself, not a failure to report.
    let stopping = false;
    const embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir, settings: config.embeddedPgSettings,
      log: (m) => { if (/FATAL|PANIC|ERROR/.test(m) && !(stopping && /due to administrator command/.test(m))) log(m); },
    });
    url = embedded.url;
    stopEmbedded = () => { stopping = true; return embedded.stop(); };
  }
  const pool = createPool(url);
  try {
    const migrations = await migrate(pool);
    const db = createDb(pool);
    return {
      pool, db, embedded: stopEmbedded !== null, migrations,
      async close() {
        await db.destroy();
        if (stopEmbedded) await stopEmbedded();
      },
    };
  } catch (e) {
    await pool.end().catch(() => {});
    if (stopEmbedded) await stopEmbedded();
    throw e;
  }
}
