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
});
