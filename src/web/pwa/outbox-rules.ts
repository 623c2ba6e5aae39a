import type { OutboxItem } from './db.js';

/**
 * The outbox's decisions, apart from the browser (no IndexedDB, no fetch): what an answer means for a
 * waiting item and when it is tried again. outbox.ts applies them; outbox-rules.test.ts pins them.
 */

/** The waits after the 1st, 2nd … failed try (no signal, server trouble); the last one repeats. */
export const BACKOFF_MS = [5_000, 15_000, 30_000, 60_000, 120_000, 300_000] as const;

/** How long to wait after `attempts` tries that did not get through. */
export function backoff(attempts: number): number {
  return BACKOFF_MS[Math.min(Math.max(attempts, 1), BACKOFF_MS.length) - 1]!;
}

/** What an HTTP answer (or none: `'network'`) means for the item being sent. */
export type Verdict =
  | { kind: 'sent' }
  /** Try again later; `stopRound`: the other items would fare the same (no signal, no session). */
  | { kind: 'later'; stopRound: boolean }
  /** The server refused it: kept on the phone for the worker (409: the data changed meanwhile). */
  | { kind: 'conflict' | 'failed' };

/** No network → later, stop the round; 5xx/408/429 → later; 401 → later, stop (sign in again); 409 → conflict; other 4xx → failed; 2xx → sent. */
export function verdict(status: number | 'network'): Verdict {
  if (status === 'network') return { kind: 'later', stopRound: true };
  if (status >= 200 && status < 300) return { kind: 'sent' };
  if (status >= 500 || status === 408 || status === 429) return { kind: 'later', stopRound: false };
  if (status === 401) return { kind: 'later', stopRound: true };
  if (status === 409) return { kind: 'conflict' };
  return { kind: 'failed' };
}

/** How one try of an item ended (with the server's message, if any). */
export type Outcome =
  | { kind: 'sent'; response: unknown }
  | { kind: 'later'; stopRound: boolean; message?: string }
  | { kind: 'conflict' | 'failed'; message: string };

/**
 * The item after a try (`item` already counts it in `attempts`): sent → removed from the phone;
 * later → waiting again after its backoff; refused → kept with the server's message, not tried again
 * by itself.
 */
export function settle(item: OutboxItem, outcome: Outcome, now: number): { remove: true } | { remove: false; item: OutboxItem; stopRound: boolean } {
  if (outcome.kind === 'sent') return { remove: true };
  if (outcome.kind === 'later') {
    return { remove: false, stopRound: outcome.stopRound, item: { ...item, state: 'waiting', nextAttemptAt: now + backoff(item.attempts), lastError: outcome.message } };
  }
  return { remove: false, stopRound: false, item: { ...item, state: outcome.kind, lastError: outcome.message } };
}
