import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskStore } from './disk.js';
import { sniffImage } from './image.js';
import { S3Store } from './s3.js';
import { sigV4, startFakeS3, type FakeS3 } from './s3.test-server.js';
import { JPEG_5x3, NOT_IMAGES, WEBP_VP8L_6x2, WEBP_VP8X_7x4, WEBP_VP8X_LOSSLESS_6x2, WEBP_VP8_7x4, png } from './test-images.js';

async function read(s: Readable | null): Promise<Buffer | null> {
  if (!s) return null;
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('sniffImage', () => {
  it('tells JPEG, PNG and WebP (all three WebP formats) from their bytes, with their size', () => {
    expect(sniffImage(JPEG_5x3)).toEqual({ contentType: 'image/jpeg', ext: 'jpg', width: 5, height: 3 });
    expect(sniffImage(png(640, 480))).toEqual({ contentType: 'image/png', ext: 'png', width: 640, height: 480 });
    expect(sniffImage(WEBP_VP8X_7x4)).toEqual({ contentType: 'image/webp', ext: 'webp', width: 7, height: 4 });
    expect(sniffImage(WEBP_VP8_7x4)).toEqual({ contentType: 'image/webp', ext: 'webp', width: 7, height: 4 });
    expect(sniffImage(WEBP_VP8X_LOSSLESS_6x2)).toMatchObject({ width: 6, height: 2 });
    expect(sniffImage(WEBP_VP8L_6x2)).toEqual({ contentType: 'image/webp', ext: 'webp', width: 6, height: 2 });
  });

  it('refuses everything else, and a header it cannot read', () => {
    for (const [name, bytes] of Object.entries(NOT_IMAGES)) expect(sniffImage(bytes), name).toBeNull();
    expect(sniffImage(Buffer.alloc(0))).toBeNull();
    expect(sniffImage(png(3, 3).subarray(0, 20))).toBeNull();
    expect(sniffImage(WEBP_VP8_7x4.subarray(0, 20))).toBeNull();
    // An image after some leading bytes is not an image.
    expect(sniffImage(Buffer.concat([Buffer.from(' '), JPEG_5x3]))).toBeNull();
  });
});

describe('DiskStore', () => {
  let root: string;
  beforeAll(async () => { root = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-store-')); });
  afterAll(async () => { await fs.rm(root, { recursive: true, force: true }); });

  it('puts durably (no temporary file left), reads as a stream, deletes idempotently', async () => {
    const store = new DiskStore(root);
    const bytes = png(20, 10);
    await store.put('2026/11/abc-def', bytes, 'image/png');
    expect(await fs.readdir(path.join(root, '2026/11'))).toEqual(['abc-def']);
    expect(await read(await store.get('2026/11/abc-def'))).toEqual(bytes);
    await store.put('2026/11/abc-def', JPEG_5x3, 'image/jpeg');
    expect(await read(await store.get('2026/11/abc-def'))).toEqual(JPEG_5x3);
    await store.delete('2026/11/abc-def');
    expect(await store.get('2026/11/abc-def')).toBeNull();
    await store.delete('2026/11/abc-def');
  });

  it('refuses keys that could leave its directory', async () => {
    const store = new DiskStore(root);
    for (const key of ['../etc/passwd', '/abs', 'a/../../b', 'A', 'a//b', 'a/', '']) {
      await expect(store.put(key, Buffer.from('x'), 'image/png'), key).rejects.toThrow(/invalid object key/);
    }
  });
});

describe('S3Store against an S3-compatible server that checks Signature V4', () => {
  let s3: FakeS3;
  beforeAll(async () => { s3 = await startFakeS3({ region: 'cn-north-1' }); });
  afterAll(async () => { await s3?.close(); });

  it("the server's signature check agrees with AWS's published example (GET Object)", () => {
    // docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "Example: GET Object".
    expect(sigV4({
      method: 'GET', path: '/test.txt', query: '',
      headers: {
        host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'x-amz-date': '20130524T000000Z',
      },
      signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
      payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      amzDate: '20130524T000000Z', scope: { date: '20130524', region: 'us-east-1', service: 's3' },
    }, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('round trip: put (payload hash signed), get as a stream, delete; a missing object is null', async () => {
    const store = new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'cn-north-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
    const bytes = png(30, 20);
    await store.put('2026/11/one', bytes, 'image/png');
    expect(s3.objects.get('2026/11/one')).toEqual({ body: bytes, contentType: 'image/png' });
    expect(await read(await store.get('2026/11/one'))).toEqual(bytes);
    expect(await store.get('2026/11/none')).toBeNull();
    await store.delete('2026/11/one');
    expect(s3.objects.has('2026/11/one')).toBe(false);
    await store.delete('2026/11/one');
    expect(s3.refused.filter((c) => c !== 'NoSuchKey')).toEqual([]);
  });

  it('a wrong secret or region is refused by the service and fails loudly', async () => {
    const wrongSecret = new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'cn-north-1', accessKeyId: s3.accessKeyId, secretAccessKey: 'nope' });
    await expect(wrongSecret.put('2026/11/x', png(2, 2), 'image/png')).rejects.toThrow(/HTTP 403 SignatureDoesNotMatch/);
    const wrongRegion = new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
    await expect(wrongRegion.get('2026/11/x')).rejects.toThrow(/HTTP 400 AuthorizationHeaderMalformed/);
    expect(s3.objects.has('2026/11/x')).toBe(false);
  });
});
