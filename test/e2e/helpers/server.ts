import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The password of every demo account in the e2e run (meets the staff policy). */
export const DEMO_PASSWORD = 'E2e-Linli-Demo-2024!';

export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  /** What the server printed so far (for failure messages). */
  output: () => string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Start the real server (`node bin/linli.js serve`) on a free loopback port with a fresh data
 * directory — embedded PostgreSQL, migrations, the demo district — and wait for /healthz.
 */
export async function startServer(opts: { timeoutMs?: number; host?: string } = {}): Promise<RunningServer> {
  const port = await freePort();
  const host = opts.host ?? '127.0.0.1';
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-e2e-'));
  let output = '';
  const child = spawn(process.execPath, ['bin/linli.js', 'serve'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LINLI_DATA_DIR: dataDir,
      LINLI_DEMO_PASSWORD: DEMO_PASSWORD,
      LINLI_DEMO_SEED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited(child);
      clearTimeout(timer);
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  };

  const url = `http://${host}:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 170_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`linli serve exited with ${child.exitCode} before it was ready:\n${output}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`linli serve was not ready in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, dataDir, output: () => output, stop };
}

/**
 * The phone's signal: a TCP relay on loopback in front of the server. Down, it drops every open
 * connection and refuses new ones, for the page and its service worker alike — the browser's offline
 * emulation (`context.setOffline`) need not reach a service worker's own fetches, so
 * an offline e2e switches both. Point the browser at `url` instead of the server's.
 */
export async function signalRelay(port: number): Promise<{ url: string; set: (on: boolean) => void; close: () => Promise<void> }> {
  let up = true;
  const open = new Set<net.Socket>();
  const relay = net.createServer((socket) => {
    if (!up) { socket.destroy(); return; }
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [socket, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => { socket.destroy(); upstream.destroy(); });
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    set(on: boolean) {
      up = on;
      if (!on) for (const s of open) s.destroy();
    },
    close: () => new Promise<void>((resolve) => { for (const s of open) s.destroy(); relay.close(() => resolve()); }),
  };
}

/**
 * An HTTP proxy on loopback in front of the server, for a weak signal: it answers 503 to the requests
 * `refuse` picks (a request lost), holds those `hold` puts in a group until `release(group)` (a slow
 * one), and passes everything else on. `refused` and `held` list what it refused and held.
 */
export async function faultyProxy(port: number, rules: { refuse?: (req: http.IncomingMessage) => boolean; hold?: (req: http.IncomingMessage) => string | false }): Promise<{
  url: string; refused: string[]; held: string[]; release: (group: string) => void; close: () => Promise<void>;
}> {
  const refused: string[] = [];
  const held: string[] = [];
  let waiting: { group: string; go: () => void }[] = [];
  const pass = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  const proxy = http.createServer((req, res) => {
    const group = rules.refuse?.(req) ? null : rules.hold?.(req) ?? false;
    if (group === null) {
      refused.push(`${req.method} ${req.url}`);
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no signal');
    } else if (group !== false) {
      held.push(`${req.method} ${req.url}`);
      req.pause();
      waiting.push({ group, go: () => { req.resume(); pass(req, res); } });
    } else {
      pass(req, res);
    }
  });
  proxy.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    refused,
    held,
    release: (group: string) => {
      const go = waiting.filter((w) => w.group === group);
      waiting = waiting.filter((w) => w.group !== group);
      for (const w of go) w.go();
    },
    close: () => new Promise<void>((resolve) => { waiting = []; proxy.closeAllConnections(); proxy.close(() => resolve()); }),
  };
}
