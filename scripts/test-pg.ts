/**
 * npm run test:pg — the integration suite against the operating system's PostgreSQL (Debian's 15 on the
 * reference machine) instead of the embedded one: a throwaway cluster in a temporary directory, on a
 * free loopback port, removed afterwards whatever happens (scripts/system-postgres.ts). Extra arguments
 * go to vitest (e.g. `npm run test:pg -- src/server/core`). Installs nothing: it fails clearly without
 * server binaries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { startSystemPostgres, type SystemPostgres } from './system-postgres.js';

async function main(): Promise<number> {
  let server: SystemPostgres | null = null;
  let child: ChildProcess | null = null;

  // Ctrl+C or a kill: let vitest finish its own teardown, then stop the cluster and remove it.
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = signal;
    if (child && child.exitCode === null) {
      child.kill(signal);
    } else {
      server?.stop();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  try {
    server = await startSystemPostgres({ log: (line) => console.log(`test:pg: ${line}`) });
    if (signalled) return signalled === 'SIGINT' ? 130 : 143;
    const url = server.url;
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
    server?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
