import crypto from 'node:crypto';
import type { Executor } from '../db/index.js';
import type { AppContext } from '../context.js';

export const SESSION_COOKIE = 'linli_sid';

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** Open a new session (a fresh random id every time: no fixation). Returns the cookie token. */
export async function createSession(
  db: Executor, ctx: AppContext, userId: string, opts: { mfaPending: boolean; ip: string | null; userAgent: string | null },
): Promise<string> {
  const token = crypto.randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  await db
    .insertInto('session')
    .values({
      id: hashToken(token),
      user_id: userId,
      created_at: now,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + ctx.config.sessionAbsoluteHours * 3600_000),
      mfa_pending: opts.mfaPending,
      ip: opts.ip,
      user_agent: opts.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return token;
}

export async function destroySession(db: Executor, token: string): Promise<void> {
  await db.deleteFrom('session').where('id', '=', hashToken(token)).execute();
}

export interface LiveSession {
  id: string;
  userId: string;
  mfaPending: boolean;
}

