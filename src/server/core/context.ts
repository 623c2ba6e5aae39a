import type pg from 'pg';
import type { Config } from './config.js';
import type { Db } from './db/index.js';
import type { FieldCipher } from './crypto.js';
import type { PermissionRegistry } from './access/permissions.js';

/** A clock the tests can move: lockouts, session expiry and deadlines all read it. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/** What every route and service gets: settings, the database, the cipher, the permission table. */
export interface AppContext {
  config: Config;
  pool: pg.Pool;
  db: Db;
  cipher: FieldCipher;
  permissions: PermissionRegistry;
  clock: Clock;
}
