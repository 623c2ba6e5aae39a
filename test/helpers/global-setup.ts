import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/server/core/db/embedded.js';
import { createPool } from '../../src/server/core/db/index.js';
import { migrate } from '../../src/server/core/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A database URL on the test server, any database name; helpers swap the name. */
    adminUrl: string;
    templateDb: string;
  }
}

/**
 * One PostgreSQL for the whole integration run: Linli's embedded one by default, or the server in
 * LINLI_TEST_DATABASE_URL (npm run test:pg points it at Debian's PostgreSQL 15). The schema is
 * migrated once into a template database; every test file clones it.
 */
export default async function setup(project: TestProject) {
  let adminUrl = process.env.LINLI_TEST_DATABASE_URL;
  let stop: (() => Promise<void>) | null = null;
  let tmp: string | null = null;
  if (!adminUrl) {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-test-'));
    const embedded = await startEmbeddedPostgres({ dataDir: tmp, database: 'postgres' });
    adminUrl = embedded.url;
    stop = embedded.stop;
  }
  const templateDb = `linli_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDb}`);
  await admin.query(`CREATE DATABASE ${templateDb}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${templateDb}`;
  const pool = createPool(url.toString(), 2);
  await migrate(pool);
  await pool.end();
  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', templateDb);
  return async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${templateDb} WITH (FORCE)`).catch(() => {});
    await c.end();
    if (stop) await stop();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  };
}
