import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { assertKey, type ObjectStore } from './store.js';

/**
 * Objects as files under a directory (<LINLI_DATA_DIR>/attachments). A put writes a temporary file
 * in the same directory, fsyncs it, renames it into place and fsyncs the directory: once a put has
 * resolved (and the upload was acknowledged) the file survives a crash or a power cut, and a reader
 * never sees half a file.
 */
export class DiskStore implements ObjectStore {
  readonly kind = 'disk' as const;
  constructor(readonly root: string) {}

  private file(key: string): string {
    assertKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Buffer, _contentType?: string): Promise<void> {
    const target = this.file(key);
    const dir = path.dirname(target);
    await fs.mkdir(dir, { recursive: true, mode: 0o750 });
    const tmp = path.join(dir, `.${path.basename(target)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
    const fh = await fs.open(tmp, 'wx', 0o640);
    try {
      await fh.writeFile(body);
      await fh.sync();
    } catch (e) {
      await fh.close();
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    try {
      await fs.rename(tmp, target);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await syncDir(dir);
  }

  async get(key: string): Promise<Readable | null> {
    try {
      const fh = await fs.open(this.file(key), 'r');
      return fh.createReadStream();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
}

/** fsync a directory so a rename in it is durable (a no-op where directories cannot be opened). */
async function syncDir(dir: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw e;
  } finally {
    await fh?.close();
  }
}
