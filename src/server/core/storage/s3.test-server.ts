/**
 * For tests only: a small S3-compatible server (path-style PUT / GET / DELETE of objects in one
 * bucket) that checks every request's AWS Signature V4 — its own implementation, written from the
 * AWS specification and checked against AWS's published example — and the signed payload hash.
 * A request with a wrong key, a wrong signature or altered bytes is refused as S3 refuses it.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SignedParts {
  method: string;
  /** The path as sent (already URI-encoded). */
  path: string;
  query: string;
  headers: Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
  amzDate: string;
  scope: { date: string; region: string; service: string };
}

const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data).digest();
const sha256 = (data: crypto.BinaryLike) => crypto.createHash('sha256').update(data).digest('hex');
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The Signature V4 of a request, as the service computes it. */
export function sigV4(parts: SignedParts, secret: string): string {
  const query = parts.query
    ? parts.query.split('&').map((p) => p.split('=').map((x) => rfc3986(decodeURIComponent(x))).concat(['']).slice(0, 2) as [string, string])
      .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&')
    : '';
  const canonical = [
    parts.method,
    parts.path,
    query,
    parts.signedHeaders.map((h) => `${h}:${(parts.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join(''),
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
  const { date, region, service } = parts.scope;
  const toSign = ['AWS4-HMAC-SHA256', parts.amzDate, `${date}/${region}/${service}/aws4_request`, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  return crypto.createHmac('sha256', key).update(toSign).digest('hex');
}

export interface FakeS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  objects: Map<string, { body: Buffer; contentType: string }>;
  /** Requests refused, with S3's error code. */
  refused: string[];
  close(): Promise<void>;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export async function startFakeS3(opts: { bucket?: string; region?: string } = {}): Promise<FakeS3> {
  const bucket = opts.bucket ?? 'linli-test';
  const region = opts.region ?? 'us-east-1';
  const accessKeyId = 'LINLITESTKEY';
  const secretAccessKey = crypto.randomBytes(20).toString('base64');
  const objects = new Map<string, { body: Buffer; contentType: string }>();
  const refused: string[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fail = (status: number, code: string) => {
        refused.push(code);
        res.writeHead(status, { 'Content-Type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
      };
      const [path = '/', query = ''] = (req.url ?? '/').split('?');
      const m = AUTH.exec(String(req.headers.authorization ?? ''));
      if (!m) return fail(403, 'AccessDenied');
      const [, akid, date, reg, service, signed, signature] = m as unknown as string[];
      if (akid !== accessKeyId) return fail(403, 'InvalidAccessKeyId');
      const amzDate = String(req.headers['x-amz-date'] ?? '');
      const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
      const signedHeaders = signed!.split(';');
      if (reg !== region || service !== 's3' || !amzDate.startsWith(date!) || !payloadHash
        || !['host', 'x-amz-date', 'x-amz-content-sha256'].every((h) => signedHeaders.includes(h))) return fail(400, 'AuthorizationHeaderMalformed');
      const skew = Math.abs(Date.now() - Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')));
      if (!(skew < 15 * 60_000)) return fail(403, 'RequestTimeTooSkewed');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v ?? '')]));
      const expected = sigV4({ method: req.method ?? 'GET', path, query, headers, signedHeaders, payloadHash, amzDate, scope: { date: date!, region, service: 's3' } }, secretAccessKey);
      if (!crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature!))) return fail(403, 'SignatureDoesNotMatch');
      if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body)) return fail(400, 'XAmzContentSHA256Mismatch');
      const prefix = `/${bucket}/`;
      if (!path.startsWith(prefix) || path.length === prefix.length) return fail(404, 'NoSuchBucket');
      const key = decodeURIComponent(path.slice(prefix.length));
      if (req.method === 'PUT') {
        objects.set(key, { body, contentType: String(req.headers['content-type'] ?? 'application/octet-stream') });
        res.writeHead(200, { ETag: `"${crypto.createHash('md5').update(body).digest('hex')}"` });
        return res.end();
      }
      if (req.method === 'GET') {
        const o = objects.get(key);
        if (!o) return fail(404, 'NoSuchKey');
        res.writeHead(200, { 'Content-Type': o.contentType, 'Content-Length': o.body.length });
        return res.end(o.body);
      }
      if (req.method === 'DELETE') {
        objects.delete(key);
        res.writeHead(204);
        return res.end();
      }
      return fail(405, 'MethodNotAllowed');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`, bucket, accessKeyId, secretAccessKey, objects, refused,
    close: () => new Promise<void>((resolve, reject) => { server.closeAllConnections(); server.close((e) => (e ? reject(e) : resolve())); }),
  };
}
