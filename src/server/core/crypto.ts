import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Field encryption for personal data (ID numbers, phones, MFA secrets): AES-256-GCM with a key that
 * is never in the database, and a keyed hash (HMAC-SHA-256 under a derived key) for exact search.
 * The key comes from LINLI_DATA_KEY (base64, 32 bytes) or from `<dataDir>/secret.key`, created
 * owner-only on first start.
 */
export class FieldCipher {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;
  /** Random bytes drawn in bulk for IVs (one randomBytes call per 12 bytes costs more than the encryption). */
  private ivPool = Buffer.alloc(0);
  private ivAt = 0;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('The data key must be 32 bytes');
    this.encKey = Buffer.from(crypto.hkdfSync('sha256', masterKey, Buffer.alloc(0), 'linli-field-encryption', 32));
    this.macKey = Buffer.from(crypto.hkdfSync('sha256', masterKey, Buffer.alloc(0), 'linli-blind-index', 32));
  }

  /** "v1.<iv>.<ciphertext+tag>" in base64url. */
  encrypt(plain: string): string {
    if (this.ivAt + 12 > this.ivPool.length) {
      this.ivPool = crypto.randomBytes(12 * 1024);
      this.ivAt = 0;
    }
    // Each IV is 12 fresh random bytes, never handed out twice.
    const iv = this.ivPool.subarray(this.ivAt, (this.ivAt += 12));
    const cipher = crypto.createCipheriv('aes-256-gcm', this.encKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  decrypt(token: string): string {
    const [v, ivText, bodyText] = token.split('.');
    if (v !== 'v1' || !ivText || !bodyText) throw new Error('Unknown ciphertext format');
    const body = Buffer.from(bodyText, 'base64url');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.encKey, Buffer.from(ivText, 'base64url'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
  }

  /** Deterministic keyed hash for exact-match search; normalise the value before calling. */
  blindIndex(value: string): string {
    return crypto.createHmac('sha256', this.macKey).update(value, 'utf8').digest('base64url');
  }
}

export function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  if (env.LINLI_DATA_KEY) {
    const key = Buffer.from(env.LINLI_DATA_KEY, 'base64');
    if (key.length !== 32) throw new Error('LINLI_DATA_KEY must be 32 bytes in base64');
    return key;
  }
  const file = path.join(dataDir, 'secret.key');
  if (fs.existsSync(file)) {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return key;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
