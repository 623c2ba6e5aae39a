/**
 * The load generator every HTTP benchmark shares, so that the ratios between targets are fair: N
 * simulated clients over keep-alive HTTP (node:http with one Agent, a socket per client), each sending
 * its next request as soon as the previous one is answered; a warm-up whose answers are not counted,
 * then a fixed duration (or a fixed count): every answer arriving in that window is counted and its
 * latency recorded; throughput = answers in the window / its length.
 */
import http from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export interface HttpTarget {
  host: string;
  port: number;
  agent: http.Agent;
}

export function target(port: number, sockets: number): HttpTarget {
  return { host: '127.0.0.1', port, agent: new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets }) };
}

/** One request; the body is read whole. A JSON body is sent with its Content-Type. */
export function request(t: HttpTarget, method: string, path: string, opts: { headers?: Record<string, string>; json?: unknown; body?: Buffer | NodeJS.ReadableStream; cookie?: string } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    let payload: Buffer | null = null;
    if (opts.json !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.json));
      headers['content-type'] = 'application/json';
    } else if (Buffer.isBuffer(opts.body)) {
      payload = opts.body;
    }
    if (payload) headers['content-length'] = String(payload.length);
    if (opts.cookie) headers.cookie = opts.cookie;
    const req = http.request({ host: t.host, port: t.port, method, path, headers, agent: t.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload) req.end(payload);
    else if (opts.body && !Buffer.isBuffer(opts.body)) opts.body.pipe(req);
    else req.end();
  });
}

export interface LatencyStats {
  requests: number;
  errors: number;
  seconds: number;
  throughput: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export function summarize(latencies: number[], seconds: number, errors: number): LatencyStats {
  const s = Float64Array.from(latencies).sort();
  const arr = Array.from(s);
  const sum = arr.reduce((a, b) => a + b, 0);
  return {
    requests: arr.length,
    errors,
    seconds: r2(seconds),
    throughput: r2(arr.length / Math.max(seconds, 1e-9)),
    p50: r2(percentile(arr, 50)),
    p90: r2(percentile(arr, 90)),
    p99: r2(percentile(arr, 99)),
    max: r2(arr.at(-1) ?? 0),
    mean: r2(arr.length ? sum / arr.length : 0),
  };
}

export interface LoadOptions {
  concurrency: number;
  /** Seconds of warm-up (answers not counted). */
  warmup: number;
  /** Seconds measured; or, with `count`, stop after that many measured operations. */
  duration: number;
  count?: number;
  /** Called after every second with the operations done so far (progress). */
  onTick?: (done: number, elapsed: number) => void;
}

/**
 * Run `op(client, seq)` from `concurrency` clients at once; `op` resolves when its answer is complete
 * and throws (or returns false) when the answer is not the expected one: counted as an error. The
 * first error's message is kept; more than 1 % errors makes the whole run fail (something broke).
 */
export async function runLoad(opts: LoadOptions, op: (client: number, seq: number) => Promise<boolean | void>): Promise<LatencyStats & { firstError?: string }> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let seq = 0;
  let stop = false;
  const started = performance.now();
  // The measured window: from the end of the warm-up for `duration` seconds (or until `count` answers).
  const measuredStart = started + opts.warmup * 1000;
  const windowEnd = opts.count === undefined ? measuredStart + opts.duration * 1000 : Infinity;
  let measuredEnd = 0;
  const ticker = opts.onTick ? setInterval(() => opts.onTick!(latencies.length, Math.max(0, performance.now() - measuredStart) / 1000), 1000) : null;

  const client = async (c: number) => {
    while (!stop) {
      const now = performance.now();
      if (now >= windowEnd || (opts.count !== undefined && latencies.length >= opts.count)) {
        stop = true;
        measuredEnd = measuredEnd || Math.min(now, windowEnd);
        break;
      }
      const t0 = performance.now();
      let ok = true;
      try {
        ok = (await op(c, seq++)) !== false;
      } catch (e) {
        ok = false;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
      const t1 = performance.now();
      if (!ok) {
        errors++;
        firstError ??= 'unexpected answer';
      } else if (t1 >= measuredStart && t1 <= windowEnd) {
        // An answer counts when it arrives inside the window (also one asked for during the warm-up).
        latencies.push(t1 - t0);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, (_, c) => client(c)));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  const seconds = ((measuredEnd || performance.now()) - measuredStart) / 1000;
  const stats = summarize(latencies, seconds, errors);
  const total = latencies.length + errors;
  if (errors > 0 && errors > total * 0.01) throw new Error(`${errors} of ${total} requests failed; the first: ${firstError}`);
  return firstError ? { ...stats, firstError } : stats;
}
