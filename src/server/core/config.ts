import path from 'node:path';

/** Every setting Linli reads from the environment, with its default. The README lists them. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** A PostgreSQL server; when unset Linli starts its embedded PostgreSQL in dataDir. */
  databaseUrl: string | undefined;
  /** Mark the session cookie Secure. Browsers accept Secure cookies on http://localhost / 127.0.0.1. */
  cookieSecure: boolean;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  lockoutThreshold: number;
  lockoutMinutes: number;
  passwordMinLength: number;
  passwordMinClasses: number;
  /** Roles that must sign in with a second factor. */
  mfaRequiredRoles: string[];
  /** scrypt cost (log2 N). 15 = 32 MiB per hash. */
  scryptLogN: number;
  bodyLimitBytes: number;
  logLevel: string;
  /** Take the client address from X-Forwarded-For (behind a reverse proxy). */
  trustProxy: boolean;
  /** A raster tile URL template for maps ({z}/{x}/{y}); none by default: boundaries on a plain background work offline. */
  mapTileUrl: string | undefined;
  mapAttribution: string | undefined;
  /** Seed the demo district when the database is empty (on by default). */
  demoSeed: boolean;
  /** Password for all demo accounts; random per install when unset. */
  demoPassword: string | undefined;
  /** Channels every notification is delivered through besides the in-app inbox ('log' by default). */
  notificationChannels: string[];
  /** How often the overdue watch looks at open cases. */
  overdueWatchSeconds: number;
  /** Working hours a red case may stay red before it escalates by itself. */
  overdueGraceHours: number;
}

function int(env: NodeJS.ProcessEnv, name: string, def: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/** The notification channels Linli knows; a plugged-in channel (SMS, WeChat) adds its name here. */
export const NOTIFICATION_CHANNELS = ['log'] as const;

function channels(env: NodeJS.ProcessEnv): string[] {
  const list = (env.LINLI_NOTIFICATION_CHANNELS ?? 'log').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((c) => !(NOTIFICATION_CHANNELS as readonly string[]).includes(c));
  if (unknown.length) throw new Error(`LINLI_NOTIFICATION_CHANNELS: unknown channel(s) ${unknown.join(', ')}; known: ${NOTIFICATION_CHANNELS.join(', ')}`);
  return [...new Set(list)];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: int(env, 'PORT', 3000),
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(env.LINLI_DATA_DIR || './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    cookieSecure: bool(env, 'LINLI_COOKIE_SECURE', true),
    sessionIdleMinutes: int(env, 'LINLI_SESSION_IDLE_MINUTES', 30),
    sessionAbsoluteHours: int(env, 'LINLI_SESSION_ABSOLUTE_HOURS', 12),
    lockoutThreshold: int(env, 'LINLI_LOCKOUT_THRESHOLD', 5),
    lockoutMinutes: int(env, 'LINLI_LOCKOUT_MINUTES', 5),
    passwordMinLength: int(env, 'LINLI_PASSWORD_MIN_LENGTH', 10),
    passwordMinClasses: int(env, 'LINLI_PASSWORD_MIN_CLASSES', 3),
    mfaRequiredRoles: (env.LINLI_MFA_REQUIRED_ROLES ?? 'system_admin,security_admin,auditor')
      .split(',').map((s) => s.trim()).filter(Boolean),
    scryptLogN: int(env, 'LINLI_SCRYPT_LOG_N', 15),
    bodyLimitBytes: int(env, 'LINLI_BODY_LIMIT_BYTES', 1024 * 1024),
    logLevel: env.LINLI_LOG_LEVEL || 'info',
    trustProxy: bool(env, 'LINLI_TRUST_PROXY', false),
    mapTileUrl: env.LINLI_MAP_TILE_URL || undefined,
    mapAttribution: env.LINLI_MAP_ATTRIBUTION || undefined,
    demoSeed: bool(env, 'LINLI_DEMO_SEED', true),
    demoPassword: env.LINLI_DEMO_PASSWORD || undefined,
    notificationChannels: channels(env),
    overdueWatchSeconds: Math.max(1, int(env, 'LINLI_OVERDUE_WATCH_SECONDS', 60)),
    overdueGraceHours: int(env, 'LINLI_OVERDUE_GRACE_HOURS', 4),
  };
}
