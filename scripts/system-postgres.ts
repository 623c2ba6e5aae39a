/**
 * A throwaway cluster of the operating system's PostgreSQL (Debian's under /usr/lib/postgresql): initdb in
 * a temporary directory, started on a free loopback port, stopped and removed by stop(). Used by
 * `npm run test:pg` and by the benchmarks (`npm run bench -- --db server`). Installs nothing: it fails
 * clearly without server binaries. As root the server runs as the `postgres` system user (PostgreSQL
 * refuses to run as root).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const PG_ROOT = '/usr/lib/postgresql';

export interface SystemPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication on loopback). */
  url: string;
  /** The major version, e.g. "15". */
  version: string;
  bin: string;
  dataDir: string;
  port: number;
  /** Stop the server (fast) and remove the directory; safe to call twice. */
  stop(): void;
}

/** The bin directory of the highest PostgreSQL version installed under /usr/lib/postgresql. */
export function findServerBinaries(): { version: string; bin: string } {
  const versions = fs.existsSync(PG_ROOT)
    ? fs.readdirSync(PG_ROOT)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .filter((v) => ['initdb', 'pg_ctl', 'postgres'].every((b) => fs.existsSync(path.join(PG_ROOT, v, 'bin', b))))
      .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`no PostgreSQL server binaries found (looked for ${PG_ROOT}/<version>/bin/initdb and pg_ctl).\n` +
      'Install the server first, e.g. on Debian: apt-get install -y postgresql');
  }
  return { version: versions[0]!, bin: path.join(PG_ROOT, versions[0]!, 'bin') };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no free port'))));
    });
  });
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Run a PostgreSQL program; as root through `runuser -u postgres` (PostgreSQL refuses to run as root). */
function pgRun(bin: string, program: string, args: string[], opts: SpawnSyncOptions = {}) {
  const exe = path.join(bin, program);
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  return spawnSync(cmd, argv, { encoding: 'utf8', ...opts });
}

/**
 * initdb + start. `settings` are extra `-c name=value` server settings. By default the cluster suits
 * throwaway test runs (no fsync, no synchronous commit); `durable: true` keeps PostgreSQL's own
 * durability settings, as a real server has them (the benchmarks). 200 connections either way. On any
 * failure the directory is removed and a server that may have started is stopped before the error is thrown.
 */
export async function startSystemPostgres(opts: { durable?: boolean; settings?: string[]; log?: (line: string) => void } = {}): Promise<SystemPostgres> {
  const { version, bin } = findServerBinaries();
  if (isRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    throw new Error('running as root, but there is no `postgres` system user to run the server as');
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'linli-pg-'));
  const dataDir = path.join(tmp, 'data');
  const logFile = path.join(tmp, 'server.log');
  let started = false;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (started) {
      const res = pgRun(bin, 'pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], { cwd: tmp });
      // A Ctrl+C at the terminal reaches the server too and may have stopped it already (status 3: not running).
      if (res.status !== 0 && pgRun(bin, 'pg_ctl', ['-D', dataDir, 'status'], { cwd: tmp }).status !== 3) {
        console.error(`system-postgres: pg_ctl stop failed:\n${res.stdout}${res.stderr}`);
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    if (isRoot) {
      // The postgres user owns the throwaway directory (mkdtemp makes it 0700).
      const chown = spawnSync('chown', ['-R', 'postgres:', tmp], { encoding: 'utf8' });
      if (chown.status !== 0) throw new Error(`chown of ${tmp} failed: ${chown.stderr}`);
    }
    opts.log?.(`PostgreSQL ${version} from ${bin}; throwaway cluster in ${dataDir}`);
    const init = pgRun(bin, 'initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'], { cwd: tmp });
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`);

    const port = await freePort();
    const options = [
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${tmp}`,
      `-p ${port}`,
      ...(opts.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
      '-c max_connections=200',
      ...(opts.settings ?? []).map((s) => `-c ${s}`),
    ].join(' ');
    const start = pgRun(bin, 'pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', options, 'start'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    started = true; // even a failed start may have left a server behind: always try to stop it
    if (start.status !== 0) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      throw new Error(`pg_ctl start failed:\n${start.stdout}${start.stderr}\n${log}`);
    }
    opts.log?.(`PostgreSQL ${version} listening on 127.0.0.1:${port}`);
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, version, bin, dataDir, port, stop };
  } catch (e) {
    stop();
    throw e;
  }
}
