/**
 * npm run test:pg — the integration suite against the operating system's PostgreSQL (Debian's 15 on the
 * reference machine) instead of the embedded one: a throwaway cluster in a temporary directory, on a
 * free loopback port, removed afterwards whatever happens. Extra arguments go to vitest
 * (e.g. `npm run test:pg -- src/server/core`). Installs nothing: it fails clearly without server binaries.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const PG_ROOT = '/usr/lib/postgresql';

function fail(message: string): never {
  console.error(`test:pg: ${message}`);
  process.exit(1);
}

/** The bin directory of the highest PostgreSQL version installed under /usr/lib/postgresql. */
function findServerBinaries(): { version: string; bin: string } {
  const versions = fs.existsSync(PG_ROOT)
    ? fs.readdirSync(PG_ROOT)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .filter((v) => ['initdb', 'pg_ctl', 'postgres'].every((b) => fs.existsSync(path.join(PG_ROOT, v, 'bin', b))))
      .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    fail(`no PostgreSQL server binaries found (looked for ${PG_ROOT}/<version>/bin/initdb and pg_ctl).\n` +
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

async function main(): Promise<number> {
  const { version, bin } = findServerBinaries();
  if (isRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    fail('running as root, but there is no `postgres` system user to run the server as');
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'linli-pg-'));
  const dataDir = path.join(tmp, 'data');
  const logFile = path.join(tmp, 'server.log');
  let started = false;
  let child: ChildProcess | null = null;
  let cleanedUp = false;

  const cleanup = () => {
    if (cleanedUp) return;
    cleanedUp = true;
    if (started) {
      const stop = pgRun(bin, 'pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], { cwd: tmp });
      // A Ctrl+C at the terminal reaches the server too and may have stopped it already (status 3: not running).
      if (stop.status !== 0 && pgRun(bin, 'pg_ctl', ['-D', dataDir, 'status'], { cwd: tmp }).status !== 3) {
        console.error(`test:pg: pg_ctl stop failed:\n${stop.stdout}${stop.stderr}`);
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  // Ctrl+C or a kill: let vitest finish its own teardown, then stop the cluster and remove it.
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = signal;
    if (child && child.exitCode === null) {
      child.kill(signal);
    } else {
      cleanup();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  try {
    if (isRoot) {
      // The postgres user owns the throwaway directory (mkdtemp makes it 0700).
      const chown = spawnSync('chown', ['-R', 'postgres:', tmp], { encoding: 'utf8' });
      if (chown.status !== 0) fail(`chown of ${tmp} failed: ${chown.stderr}`);
    }
    console.log(`test:pg: PostgreSQL ${version} from ${bin}; throwaway cluster in ${dataDir}`);
    const init = pgRun(bin, 'initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'], { cwd: tmp });
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`);

    const port = await freePort();
    const options = [
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${tmp}`,
      `-p ${port}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    const start = pgRun(bin, 'pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', options, 'start'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    started = true; // even a failed start may have left a server behind: always try to stop it
    if (start.status !== 0) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      throw new Error(`pg_ctl start failed:\n${start.stdout}${start.stderr}\n${log}`);
    }
    if (signalled) return signalled === 'SIGINT' ? 130 : 143;

    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    console.log(`test:pg: PostgreSQL ${version} listening on 127.0.0.1:${port}`);
    const code = await new Promise<number>((resolve) => {
      child = spawn('npx', ['vitest', 'run', '--project', 'integration', ...process.argv.slice(2)], {
        stdio: 'inherit',
        env: { ...process.env, LINLI_TEST_DATABASE_URL: url },
      });
      child.on('error', (e) => {
        console.error(`test:pg: could not run vitest: ${e.message}`);
        resolve(1);
      });
      child.on('exit', (c, sig) => resolve(c ?? (sig === 'SIGINT' ? 130 : 1)));
    });
    return signalled ? (signalled === 'SIGINT' ? 130 : 143) : code;
  } catch (e) {
    console.error(`test:pg: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
