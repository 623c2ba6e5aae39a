import path from 'node:path';
import type { Config } from '../config.js';
import { DiskStore } from './disk.js';
import { S3Store } from './s3.js';
import type { ObjectStore } from './store.js';

export type { ObjectStore } from './store.js';
export { DiskStore } from './disk.js';
export { S3Store } from './s3.js';
export { sniffImage, type ImageInfo, type ImageType } from './image.js';

const cache = new WeakMap<Config, { disk: DiskStore; s3: S3Store | null }>();

function storesOf(config: Config) {
  let s = cache.get(config);
  if (!s) {
    s = { disk: new DiskStore(path.join(config.dataDir, 'attachments')), s3: config.s3 ? new S3Store(config.s3) : null };
    cache.set(config, s);
  }
  return s;
}

/** Where new attachments go: LINLI_ATTACHMENT_STORE (disk under <LINLI_DATA_DIR>/attachments by default, or S3). */
export function attachmentStore(config: Config): ObjectStore {
  const s = storesOf(config);
  return config.attachmentStore === 's3' ? s.s3! : s.disk;
}

/**
 * The store an attachment was written to (each row records it): after a switch from disk to S3 the
 * older photos are still read from disk; an S3 photo needs the S3 settings (null without them).
 */
export function storeFor(config: Config, kind: 'disk' | 's3'): ObjectStore | null {
  const s = storesOf(config);
  return kind === 's3' ? s.s3 : s.disk;
}
