import crypto from 'node:crypto';
import { FieldCipher } from '../../src/server/core/crypto.js';

/**
 * FieldCipher's encryption for a few million values: the very format and keys of
 * src/server/core/crypto.ts ("v1.<iv>.<ciphertext+tag>", AES-256-GCM under the HKDF-derived field
 * key), but with the random IVs drawn 4 096 at a time — one randomBytes call per value costs more
 * than the encryption. The blind index is FieldCipher's own. The integration test decrypts what this
 * writes with FieldCipher (through the API's reveal).
 */
export class BulkCipher {
  readonly field: FieldCipher;
  private readonly encKey: crypto.KeyObject;
  private ivs = Buffer.alloc(0);
  private at = 0;

  constructor(masterKey: Buffer) {
    this.field = new FieldCipher(masterKey);
    this.encKey = crypto.createSecretKey(Buffer.from(crypto.hkdfSync('sha256', masterKey, Buffer.alloc(0), 'linli-field-encryption', 32)));
  }

  private iv(): Buffer {
    if (this.at + 12 > this.ivs.length) {
      this.ivs = crypto.randomBytes(12 * 4096);
      this.at = 0;
    }
    const iv = this.ivs.subarray(this.at, this.at + 12);
    this.at += 12;
    return iv;
  }

  encrypt(plain: string): string {
    const iv = this.iv();
    const cipher = crypto.createCipheriv('aes-256-gcm', this.encKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  blindIndex(value: string): string {
    return this.field.blindIndex(value);
  }
}
