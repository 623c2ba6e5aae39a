import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from './core/config.js';
import { openDatabase, type OpenDatabase } from './core/database.js';
import { FieldCipher, loadMasterKey } from './core/crypto.js';
import { registryFromModules } from './core/module.js';
import { systemClock, type AppContext, type Clock } from './core/context.js';
import { buildApp } from './app.js';
import { modules } from './modules/index.js';

export interface Linli {
  ctx: AppContext;
  app: FastifyInstance;
  database: OpenDatabase;
  close(): Promise<void>;
}

/** The context every route and command works with, on an open database (embedded or DATABASE_URL). */
export async function createContext(config: Config, opts: { clock?: Clock } = {}): Promise<{ ctx: AppContext; database: OpenDatabase }> {
  const database = await openDatabase(config, (m) => console.error(m));
  try {
    const ctx: AppContext = {
      config,
      pool: database.pool,
      db: database.db,
      cipher: new FieldCipher(loadMasterKey(config.dataDir)),
      permissions: registryFromModules(modules),
      clock: opts.clock ?? systemClock,
    };
    return { ctx, database };
  } catch (e) {
    await database.close();
    throw e;
  }
}

/** Open the database and build the HTTP app (not listening yet). */
export async function createLinli(config: Config = loadConfig(), opts: { clock?: Clock; logger?: boolean } = {}): Promise<Linli> {
  const { ctx, database } = await createContext(config, opts);
  const app = await buildApp(ctx, modules, { logger: opts.logger ? { level: config.logLevel } : false });
  return {
    ctx, app, database,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
