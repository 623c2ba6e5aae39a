import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FieldCipher, loadMasterKey } from './crypto.js';

const key = () => crypto.randomBytes(32);

describe('FieldCipher', () => {
  it('round-trips text, including Chinese and the empty string', () => {
    const c = new FieldCipher(key());
    for (const plain of ['420105199001011234', '13800138000', '湖北省武汉市汉阳区钟家村 1 栋', '']) {
      const enc = c.encrypt(plain);
      expect(enc).toMatch(/^v1\.[\w-]{16}\.[\w-]+$/);
      expect(enc).not.toContain(plain || '\u0000');
      expect(c.decrypt(enc)).toBe(plain);
    }
  });

  it('uses a fresh IV: the same text encrypts differently each time', () => {
    const c = new FieldCipher(key());
    expect(c.encrypt('13800138000')).not.toBe(c.encrypt('13800138000'));
  });

  it('throws on a tampered ciphertext, IV or tag, and on another key', () => {
    const k = key();
    const c = new FieldCipher(k);
    const enc = c.encrypt('420105199001011234');
    const [v, iv, body] = enc.split('.') as [string, string, string];
    const flip = (b64: string, at: number) => {
      const buf = Buffer.from(b64, 'base64url');
      buf[at] = buf[at]! ^ 0x01;
      return buf.toString('base64url');
    };
    expect(() => c.decrypt(`${v}.${iv}.${flip(body, 0)}`)).toThrow();
    expect(() => c.decrypt(`${v}.${iv}.${flip(body, Buffer.from(body, 'base64url').length - 1)}`)).toThrow();
    expect(() => c.decrypt(`${v}.${flip(iv, 3)}.${body}`)).toThrow();
    expect(() => new FieldCipher(key()).decrypt(enc)).toThrow();
    expect(() => c.decrypt('v2.abc.def')).toThrow(/format/);
    expect(() => c.decrypt('garbage')).toThrow();
    expect(new FieldCipher(Buffer.from(k)).decrypt(enc)).toBe('420105199001011234');
  });

  it('blindIndex is deterministic under one key and differs between keys and values', () => {
    const k = key();
    const a = new FieldCipher(k);
    const b = new FieldCipher(Buffer.from(k));
    expect(a.blindIndex('13800138000')).toBe(b.blindIndex('13800138000'));
    expect(a.blindIndex('13800138000')).toMatch(/^[\w-]{43}$/);
    expect(a.blindIndex('13800138001')).not.toBe(a.blindIndex('13800138000'));
    expect(new FieldCipher(key()).blindIndex('13800138000')).not.toBe(a.blindIndex('13800138000'));
    // Not a plain hash of the value.
    expect(a.blindIndex('13800138000')).not.toBe(crypto.createHash('sha256').update('13800138000').digest('base64url'));
  });

  it('wants a 32-byte key', () => {
    expect(() => new FieldCipher(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('loadMasterKey', () => {
  it('creates an owner-only key file once and reads it back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linli-key-'));
    try {
      const first = loadMasterKey(path.join(dir, 'data'), {});
      expect(first).toHaveLength(32);
      const file = path.join(dir, 'data', 'secret.key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(loadMasterKey(path.join(dir, 'data'), {}).equals(first)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prefers LINLI_DATA_KEY and checks its length', () => {
    const k = key();
    expect(loadMasterKey('/nonexistent', { LINLI_DATA_KEY: k.toString('base64') }).equals(k)).toBe(true);
    expect(() => loadMasterKey('/nonexistent', { LINLI_DATA_KEY: Buffer.alloc(8).toString('base64') })).toThrow(/32 bytes/);
  });
});
