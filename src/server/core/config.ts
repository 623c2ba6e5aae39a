import path from 'node:path';

/** Every setting Linli reads from the environment, with its default. The README lists them. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** A PostgreSQL server; when unset Linli starts its embedded PostgreSQL in dataDir. */
  databaseUrl: string | undefined;
  /** Settings of the embedded PostgreSQL over the ones sized from the machine (LINLI_EMBEDDED_PG_SETTINGS). */
  embeddedPgSettings: Record<string, string>;
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
  /** Where photos of cases are kept: under dataDir/attachments ('disk') or in an S3-compatible bucket. */
  attachmentStore: 'disk' | 's3';
  /** The largest photo accepted, in bytes. */
  attachmentMaxBytes: number;
  /** The S3-compatible service when attachmentStore is 's3' (path-style URLs, SigV4). */
  s3: S3Config | undefined;
}

export interface S3Config {
  /** e.g. https://s3.cn-north-1.amazonaws.com.cn, https://oss-cn-hangzhou.aliyuncs.com, http://127.0.0.1:9000 (MinIO). */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
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

function attachmentStore(env: NodeJS.ProcessEnv): 'disk' | 's3' {
  const raw = (env.LINLI_ATTACHMENT_STORE || 'disk').trim().toLowerCase();
  if (raw !== 'disk' && raw !== 's3') throw new Error(`LINLI_ATTACHMENT_STORE must be disk or s3, got "${env.LINLI_ATTACHMENT_STORE}"`);
  return raw;
}

/** The S3 settings, all required when the store is s3: a misconfigured store stops the start, not the first upload. */
function s3(env: NodeJS.ProcessEnv, store: 'disk' | 's3'): S3Config | undefined {
  if (store !== 's3') return undefined;
  const names = ['LINLI_S3_ENDPOINT', 'LINLI_S3_BUCKET', 'LINLI_S3_ACCESS_KEY_ID', 'LINLI_S3_SECRET_ACCESS_KEY'] as const;
  const missing = names.filter((n) => !env[n]?.trim());
  if (missing.length) throw new Error(`LINLI_ATTACHMENT_STORE=s3 needs ${missing.join(', ')}`);
  const endpoint = env.LINLI_S3_ENDPOINT!.trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`LINLI_S3_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    throw new Error(`LINLI_S3_ENDPOINT must be an http(s) URL without query or credentials, got "${endpoint}"`);
  }
  const bucket = env.LINLI_S3_BUCKET!.trim();
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`LINLI_S3_BUCKET is not a valid bucket name: "${bucket}"`);
  return {
    endpoint,
    bucket,
    region: env.LINLI_S3_REGION?.trim() || 'us-east-1',
    accessKeyId: env.LINLI_S3_ACCESS_KEY_ID!.trim(),
    secretAccessKey: env.LINLI_S3_SECRET_ACCESS_KEY!.trim(),
  };
}

/** "name=value,name=value" (LINLI_EMBEDDED_PG_SETTINGS) as settings; an unreadable item throws, naming it. */
export function parseSettings(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (raw ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([a-z_][a-z0-9_.]*)\s*=\s*(\S+)$/i.exec(item);
    if (!m) throw new Error(`LINLI_EMBEDDED_PG_SETTINGS: "${item}" is not name=value`);
    out[m[1]!.toLowerCase()] = m[2]!;
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: int(env, 'PORT', 3000),
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(env.LINLI_DATA_DIR || './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedPgSettings: parseSettings(env.LINLI_EMBEDDED_PG_SETTINGS),
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
    ...attachments(env),
  };
}

function attachments(env: NodeJS.ProcessEnv): Pick<Config, 'attachmentStore' | 'attachmentMaxBytes' | 's3'> {
  const store = attachmentStore(env);
  const max = int(env, 'LINLI_ATTACHMENT_MAX_BYTES', 10 * 1024 * 1024);
  if (max < 1) throw new Error('LINLI_ATTACHMENT_MAX_BYTES must be at least 1');
  return { attachmentStore: store, attachmentMaxBytes: max, s3: s3(env, store) };
}
