import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AwsClient } from 'aws4fetch';
import type { S3Config } from '../config.js';
import { assertKey, type ObjectStore } from './store.js';

/**
 * Objects in a bucket of any S3-compatible service (AWS S3, MinIO, Aliyun OSS, Tencent COS …):
 * path-style URLs (<endpoint>/<bucket>/<key>), requests signed with AWS Signature V4 (aws4fetch,
 * payload hash included), Node's own fetch.
 */
export class S3Store implements ObjectStore {
  readonly kind = 's3' as const;
  private readonly client: AwsClient;

  constructor(private readonly cfg: S3Config) {
    this.client = new AwsClient({
      accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey, service: 's3', region: cfg.region,
      retries: 2,
    });
  }

  private url(key: string): string {
    assertKey(key);
    return `${this.cfg.endpoint}/${encodeURIComponent(this.cfg.bucket)}/${key}`;
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    const res = await this.client.fetch(this.url(key), {
      method: 'PUT',
      body: new Uint8Array(body),
      // The payload's hash is signed too: the service refuses bytes changed on the way.
      headers: { 'Content-Type': contentType, 'X-Amz-Content-Sha256': crypto.createHash('sha256').update(body).digest('hex') },
    });
    if (!res.ok) throw await failure('PUT', key, res);
    await res.body?.cancel();
  }

  async get(key: string): Promise<Readable | null> {
    const res = await this.client.fetch(this.url(key), { method: 'GET' });
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok || !res.body) throw await failure('GET', key, res);
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  }

  async delete(key: string): Promise<void> {
    const res = await this.client.fetch(this.url(key), { method: 'DELETE' });
    if (!res.ok && res.status !== 404) throw await failure('DELETE', key, res);
    await res.body?.cancel();
  }
}

/** The service's answer, for the log (S3 errors are short XML documents: Code and Message). */
async function failure(method: string, key: string, res: Response): Promise<Error> {
  const text = await res.text().catch(() => '');
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  return new Error(`S3 ${method} ${key}: HTTP ${res.status}${code ? ` ${code}` : ''}${text && !code ? ` ${text.slice(0, 200)}` : ''}`);
}
