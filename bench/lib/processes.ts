/**
 * The processes a benchmark starts — Linli (`node bin/linli.js serve`), the bare Fastify baseline — each
 * on a free loopback port, in its own process so that the load generator does not share its event loop;
 * their memory sampled from /proc; stopped at the end whatever happens (stopAll on exit and on signals).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/server/core/db/embedded.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Started {
  name: string;
  pid: number;
  port: number;
  child: ChildProcess;
  /** The last lines it printed (for the error message when it dies). */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<Started>();

/** Stop every process still running (on exit or a signal). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

function killNow() {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
}
process.on('exit', killNow);

async function waitHttp(port: number, urlPath: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before listening:\n${output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}${urlPath}`);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not listening after ${timeoutMs / 1000} s:\n${output()}`);
}

/** Spawn `node <args>` with env, on a free port, and wait until `readyPath` answers 200. */
export async function startNode(name: string, args: string[], env: NodeJS.ProcessEnv, opts: { readyPath: string; timeoutMs?: number; port?: number }): Promise<Started> {
  const port = opts.port ?? await freePort();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (b: Buffer) => {
    for (const l of b.toString('utf8').split('\n')) if (l.trim()) lines.push(l);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const output = () => lines.slice(-40).join('\n');
  let stopping: Promise<void> | null = null;
  const started: Started = {
    name, pid: child.pid!, port, child, output,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        running.delete(started);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const hard = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.once('exit', () => { clearTimeout(hard); resolve(); });
        child.kill('SIGTERM');
      });
      return stopping;
    },
  };
  running.add(started);
  try {
    await waitHttp(port, opts.readyPath, child, opts.timeoutMs ?? 120_000, output);
  } catch (e) {
    await started.stop();
    throw new Error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return started;
}

/** VmRSS and VmHWM (peak) of a process, in bytes, from /proc/<pid>/status; null when unreadable. */
export function memoryOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Sample a process's RSS every `ms` until stopped: the peak and the samples' range. */
export function sampleMemory(pid: number, ms = 100): { stop(): { peakRss: number; firstRss: number; lastRss: number; hwm: number } } {
  const first = memoryOf(pid);
  let peak = first?.rss ?? 0;
  let last = peak;
  let hwm = first?.hwm ?? 0;
  const timer = setInterval(() => {
    const m = memoryOf(pid);
    if (!m) return;
    peak = Math.max(peak, m.rss);
    last = m.rss;
    hwm = Math.max(hwm, m.hwm);
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      const m = memoryOf(pid);
      if (m) { peak = Math.max(peak, m.rss); last = m.rss; hwm = Math.max(hwm, m.hwm); }
      return { peakRss: peak, firstRss: first?.rss ?? 0, lastRss: last, hwm };
    },
  };
}
