import type { Readable } from 'node:stream';

/**
 * Where the bytes of attachments live: outside the web root, addressed by a key Linli made up
 * (lower-case letters, digits, '/', '_' and '-'; never a user's file name).
 */
export interface ObjectStore {
  readonly kind: 'disk' | 's3';
  /** Store the bytes under the key; resolved only once they are durable. */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The bytes as a stream, or null when there is no such object. */
  get(key: string): Promise<Readable | null>;
  /** Remove the object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
}

const KEY = /^[a-z0-9][a-z0-9/_-]{0,199}$/;

/** A key is checked before it touches a path or a URL: no '..', no leading '/', no empty segment. */
export function assertKey(key: string): void {
  if (!KEY.test(key) || key.includes('//') || key.endsWith('/')) throw new Error(`invalid object key "${key}"`);
}
