import { apiHeaders, errorFrom } from '../api/client.js';
import { clearDevice, db, type OutboxItem, type OutboxKind, type OutboxPhoto } from './db.js';
import { settle, verdict, type Outcome } from './outbox-rules.js';

export type { OutboxItem, OutboxKind, OutboxPhoto, OutboxState } from './db.js';

/**
 * The on-device outbox: what was filled in without signal waits here (IndexedDB) and is sent when the
 * signal returns, at the next start, and on a timer while anything waits. Each item carries its own
 * Idempotency-Key (and each photo one), so a retry after a lost answer is stored once on the server.
 * One sender at a time, also across tabs (a Web Lock).
 */

export type OutboxEvent =
  | { type: 'changed' }
  | { type: 'sent'; item: OutboxItem; response: unknown };

const listeners = new Set<(e: OutboxEvent) => void>();
// Other tabs of the app hear about changes too (their counts follow).
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('linli-outbox') : null;
channel?.addEventListener('message', () => emit({ type: 'changed' }, false));

function emit(e: OutboxEvent, broadcast = true): void {
  for (const l of listeners) l(e);
  if (broadcast && e.type === 'changed') channel?.postMessage('changed');
}

export function onOutbox(listener: (e: OutboxEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The items of the device, oldest first. */
export async function outboxItems(): Promise<OutboxItem[]> {
  return (await db()).getAllFromIndex('outbox', 'createdAt');
}

/** A random key (crypto.randomUUID needs a secure context: fall back to random bytes). */
export function randomKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

export interface NewOutboxItem {
  kind: OutboxKind;
  userId: string;
  method?: OutboxItem['method'];
  url: string;
  body: Record<string, unknown>;
  idempotencyKey: string;
  /** Photos to upload first; a photo without its own key gets `<item key>.photo.<n>`. */
  photos?: { blob: Blob; key?: string }[];
  photoField?: string;
  summary: string;
}

/** Put a request in the outbox and try to send it at once. */
export async function enqueue(input: NewOutboxItem): Promise<OutboxItem> {
  const item: OutboxItem = {
    id: randomKey(),
    kind: input.kind,
    userId: input.userId,
    method: input.method ?? 'POST',
    url: input.url,
    body: input.body,
    photoField: input.photoField ?? 'attachmentIds',
    idempotencyKey: input.idempotencyKey,
    photos: (input.photos ?? []).map((p, i): OutboxPhoto => ({ key: p.key ?? `${input.idempotencyKey}.photo.${i}`, blob: p.blob })),
    summary: input.summary,
    createdAt: Date.now(),
    attempts: 0,
    state: 'waiting',
    nextAttemptAt: 0,
  };
  await (await db()).put('outbox', item);
  emit({ type: 'changed' });
  void sendOutbox();
  return item;
}

export async function removeFromOutbox(id: string): Promise<void> {
  await (await db()).delete('outbox', id);
  emit({ type: 'changed' });
}

/** Send an item again now (a failed or conflicting one too: the same key, so never twice). */
export async function retryOutboxItem(id: string): Promise<void> {
  const d = await db();
  const item = await d.get('outbox', id);
  if (!item) return;
  await d.put('outbox', { ...item, state: 'waiting', nextAttemptAt: 0, lastError: undefined });
  emit({ type: 'changed' });
  void sendOutbox({ now: true });
}

/** Forget everything on the device (sign-out, another account signing in). */
export async function clearOutboxAndData(): Promise<void> {
  await clearDevice();
  emit({ type: 'changed' });
}

// ---------------------------------------------------------------------------------------------
// The sender

class Later extends Error {
  constructor(readonly stopRound: boolean, message = '') { super(message); }
}
class Refused extends Error {
  constructor(readonly state: 'conflict' | 'failed', message: string) { super(message); }
}

/** The answer's verdict (outbox-rules.ts): sent → go on; later → Later; refused → Refused with the server's message. */
async function check(res: Response): Promise<void> {
  const v = verdict(res.status);
  if (v.kind === 'sent') return;
  const error = await errorFrom(res);
  if (v.kind === 'later') throw new Later(v.stopRound, error.message);
  throw new Refused(v.kind, error.message);
}

async function call(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { credentials: 'same-origin', ...init });
  } catch {
    throw new Later(true); // no signal: the other items would fail the same way
  }
}

async function trySend(item: OutboxItem, save: (i: OutboxItem) => Promise<void>): Promise<Outcome> {
  try {
    for (const photo of item.photos) {
      if (photo.attachmentId) continue;
      const res = await call('/api/attachments', {
        method: 'POST',
        headers: apiHeaders({ Accept: 'application/json', 'Content-Type': photo.blob.type || 'application/octet-stream', 'Idempotency-Key': photo.key }),
        body: photo.blob,
      });
      await check(res);
      photo.attachmentId = ((await res.json()) as { id: string }).id;
      await save(item);
    }
    const body = item.photos.length ? { ...item.body, [item.photoField]: item.photos.map((p) => p.attachmentId) } : item.body;
    const res = await call(item.url, {
      method: item.method,
      headers: apiHeaders({ Accept: 'application/json', 'Content-Type': 'application/json', 'Idempotency-Key': item.idempotencyKey }),
      body: JSON.stringify(body),
    });
    await check(res);
    const text = await res.text().catch(() => '');
    let response: unknown = null;
    try { response = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { kind: 'sent', response };
  } catch (e) {
    if (e instanceof Later) return { kind: 'later', stopRound: e.stopRound, message: e.message || undefined };
    if (e instanceof Refused) return { kind: e.state, message: e.message };
    throw e;
  }
}

/** The signed-in account's id, or null (no session: nothing is sent). Throws Later without signal. */
async function sessionUser(): Promise<string | null> {
  const res = await call('/api/auth/me', { headers: apiHeaders({ Accept: 'application/json' }) });
  if (!res.ok) return null;
  const me = (await res.json()) as { id: string; mfa?: { pending?: boolean } };
  return me.mfa?.pending ? null : me.id;
}

let running: Promise<void> | null = null;
let again = false;
let wantNow = false;
let timer: ReturnType<typeof setTimeout> | null = null;

/** One round over the waiting items (those whose backoff is over, or all with `now`). */
async function round(now: boolean): Promise<void> {
  const d = await db();
  const items = (await d.getAllFromIndex('outbox', 'createdAt'))
    // `sending` left behind by a closed tab: only the lock holder sends, so it is stale.
    .filter((i) => i.state === 'waiting' || i.state === 'sending')
    .filter((i) => now || i.nextAttemptAt <= Date.now());
  if (!items.length) return;
  let user: string | null;
  try {
    user = await sessionUser();
  } catch {
    return; // no signal
  }
  if (!user) return;
  const save = async (i: OutboxItem) => { await d.put('outbox', i); };
  for (const stored of items) {
    // Only what this account filled in goes with its session.
    if (stored.userId !== user) continue;
    const current = await d.get('outbox', stored.id);
    if (!current || (current.state !== 'waiting' && current.state !== 'sending')) continue;
    const item: OutboxItem = { ...current, state: 'sending', attempts: current.attempts + 1 };
    await save(item);
    emit({ type: 'changed' });
    const outcome = await trySend(item, save);
    const next = settle(item, outcome, Date.now());
    if (next.remove) {
      await d.delete('outbox', item.id);
      emit({ type: 'changed' });
      if (outcome.kind === 'sent') emit({ type: 'sent', item, response: outcome.response });
      continue;
    }
    await save(next.item);
    emit({ type: 'changed' });
    if (next.stopRound) return;
  }
}

/** Run the sender now (or queue one more round behind the running one). */
export function sendOutbox(opts: { now?: boolean } = {}): Promise<void> {
  if (opts.now) wantNow = true;
  if (running) {
    again = true;
    return running;
  }
  const locked = (fn: () => Promise<void>) =>
    typeof navigator !== 'undefined' && navigator.locks
      ? navigator.locks.request('linli-outbox-sender', { ifAvailable: true }, async (lock) => { if (lock) await fn(); })
      : fn();
  running = (async () => {
    try {
      do {
        again = false;
        const now = wantNow;
        wantNow = false;
        await locked(() => round(now));
      } while (again);
    } catch (e) {
      console.error('outbox sender', e);
    } finally {
      running = null;
      void schedule();
    }
  })();
  return running;
}

/** While items wait, wake up when the earliest backoff ends (at least every minute: another tab may have held the lock). */
async function schedule(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  const waiting = (await outboxItems().catch(() => [] as OutboxItem[])).filter((i) => i.state === 'waiting' || i.state === 'sending');
  if (!waiting.length) return;
  const next = Math.min(...waiting.map((i) => i.nextAttemptAt));
  const delay = Math.min(60_000, Math.max(1_000, next - Date.now()));
  timer = setTimeout(() => void sendOutbox(), delay);
}

let started = false;

/** At app start: send what waits, and again whenever the signal returns. */
export function startOutbox(): void {
  if (started) return;
  started = true;
  window.addEventListener('online', () => void sendOutbox({ now: true }));
  void sendOutbox({ now: true });
}
