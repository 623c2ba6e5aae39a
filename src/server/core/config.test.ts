import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has safe defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000, host: '127.0.0.1', databaseUrl: undefined, cookieSecure: true,
      sessionIdleMinutes: 30, sessionAbsoluteHours: 12, lockoutThreshold: 5, lockoutMinutes: 5,
      passwordMinLength: 10, passwordMinClasses: 3, scryptLogN: 15, demoSeed: true,
      mfaRequiredRoles: ['system_admin', 'security_admin', 'auditor'],
      notificationChannels: ['log'], overdueWatchSeconds: 60, overdueGraceHours: 4,
      attachmentStore: 'disk', attachmentMaxBytes: 10 * 1024 * 1024, s3: undefined,
    });
    expect(c.dataDir).toBe(path.resolve('./data'));
  });

  it('reads the environment', () => {
    const c = loadConfig({
      PORT: '8080', HOST: '0.0.0.0', LINLI_DATA_DIR: '/var/lib/linli', DATABASE_URL: 'postgres://x@h/db',
      LINLI_COOKIE_SECURE: 'false', LINLI_LOCKOUT_THRESHOLD: '3', LINLI_MFA_REQUIRED_ROLES: ' system_admin , , auditor ',
      LINLI_DEMO_SEED: 'off',
    });
    expect(c).toMatchObject({
      port: 8080, host: '0.0.0.0', dataDir: '/var/lib/linli', databaseUrl: 'postgres://x@h/db', cookieSecure: false,
      lockoutThreshold: 3, mfaRequiredRoles: ['system_admin', 'auditor'], demoSeed: false,
    });
    expect(loadConfig({ LINLI_MFA_REQUIRED_ROLES: '' }).mfaRequiredRoles).toEqual([]);
  });

  it('refuses values that are not what they should be, naming the variable', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ LINLI_LOCKOUT_THRESHOLD: '-1' })).toThrow(/LINLI_LOCKOUT_THRESHOLD/);
    expect(() => loadConfig({ LINLI_SESSION_IDLE_MINUTES: '1.5' })).toThrow(/LINLI_SESSION_IDLE_MINUTES/);
    expect(() => loadConfig({ LINLI_COOKIE_SECURE: 'maybe' })).toThrow(/LINLI_COOKIE_SECURE/);
    expect(() => loadConfig({ LINLI_NOTIFICATION_CHANNELS: 'log,sms' })).toThrow(/LINLI_NOTIFICATION_CHANNELS: unknown channel\(s\) sms/);
    expect(() => loadConfig({ LINLI_OVERDUE_GRACE_HOURS: 'soon' })).toThrow(/LINLI_OVERDUE_GRACE_HOURS/);
    expect(loadConfig({ LINLI_NOTIFICATION_CHANNELS: '' }).notificationChannels).toEqual([]);
  });

  it('reads the attachment store, and refuses a misconfigured S3 store at start-up', () => {
    const s3env = {
      LINLI_ATTACHMENT_STORE: 's3', LINLI_S3_ENDPOINT: 'http://127.0.0.1:9000/', LINLI_S3_BUCKET: 'linli-photos',
      LINLI_S3_ACCESS_KEY_ID: 'AKID', LINLI_S3_SECRET_ACCESS_KEY: 'secret', LINLI_ATTACHMENT_MAX_BYTES: '2048',
    };
    expect(loadConfig(s3env)).toMatchObject({
      attachmentStore: 's3', attachmentMaxBytes: 2048,
      s3: { endpoint: 'http://127.0.0.1:9000', bucket: 'linli-photos', region: 'us-east-1', accessKeyId: 'AKID', secretAccessKey: 'secret' },
    });
    expect(loadConfig({ ...s3env, LINLI_S3_REGION: 'cn-north-1' }).s3?.region).toBe('cn-north-1');
    // S3 settings are ignored while the store is the disk.
    expect(loadConfig({ LINLI_S3_ENDPOINT: 'nonsense' }).s3).toBeUndefined();
    expect(() => loadConfig({ LINLI_ATTACHMENT_STORE: 'ftp' })).toThrow(/LINLI_ATTACHMENT_STORE must be disk or s3/);
    expect(() => loadConfig({ LINLI_ATTACHMENT_STORE: 's3' })).toThrow(/LINLI_ATTACHMENT_STORE=s3 needs LINLI_S3_ENDPOINT, LINLI_S3_BUCKET, LINLI_S3_ACCESS_KEY_ID, LINLI_S3_SECRET_ACCESS_KEY/);
    expect(() => loadConfig({ ...s3env, LINLI_S3_SECRET_ACCESS_KEY: ' ' })).toThrow(/needs LINLI_S3_SECRET_ACCESS_KEY$/);
    expect(() => loadConfig({ ...s3env, LINLI_S3_ENDPOINT: 'minio:9000' })).toThrow(/LINLI_S3_ENDPOINT/);
    expect(() => loadConfig({ ...s3env, LINLI_S3_ENDPOINT: 'ftp://h' })).toThrow(/LINLI_S3_ENDPOINT/);
    expect(() => loadConfig({ ...s3env, LINLI_S3_BUCKET: 'Bad_Bucket' })).toThrow(/LINLI_S3_BUCKET/);
    expect(() => loadConfig({ LINLI_ATTACHMENT_MAX_BYTES: '0' })).toThrow(/LINLI_ATTACHMENT_MAX_BYTES/);
    expect(() => loadConfig({ LINLI_ATTACHMENT_MAX_BYTES: '10MB' })).toThrow(/LINLI_ATTACHMENT_MAX_BYTES/);
  });
});

describe('the embedded PostgreSQL settings', () => {
  it('are sized from the machine, within bounds, and LINLI_EMBEDDED_PG_SETTINGS wins', async () => {
    const { embeddedSettings } = await import('./db/embedded.js');
    const GB = 1024 ** 3;
    expect(embeddedSettings(24 * GB)).toMatchObject({
      shared_buffers: '3072MB', effective_cache_size: '12288MB', work_mem: '31MB', maintenance_work_mem: '1024MB', max_wal_size: '2048MB',
    });
    // A small laptop keeps PostgreSQL's floor; a big server is capped.
    expect(embeddedSettings(1 * GB)).toMatchObject({ shared_buffers: '128MB', work_mem: '4MB', maintenance_work_mem: '64MB', max_wal_size: '1024MB' });
    expect(embeddedSettings(256 * GB).shared_buffers).toBe('4096MB');
    const overrides = loadConfig({ LINLI_EMBEDDED_PG_SETTINGS: 'shared_buffers=1GB, work_mem = 8MB' }).embeddedPgSettings;
    expect(overrides).toEqual({ shared_buffers: '1GB', work_mem: '8MB' });
    expect(embeddedSettings(24 * GB, 200, overrides)).toMatchObject({ shared_buffers: '1GB', work_mem: '8MB', effective_cache_size: '12288MB' });
    expect(() => loadConfig({ LINLI_EMBEDDED_PG_SETTINGS: 'shared_buffers' })).toThrow(/LINLI_EMBEDDED_PG_SETTINGS: "shared_buffers"/);
  });
});
