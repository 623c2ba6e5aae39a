import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** One request waiting on the phone to be sent (a case report now; visits, patrols and diary notes plug in). */
export type OutboxKind = 'case_report' | 'visit' | 'patrol' | 'diary';
export type OutboxState = 'waiting' | 'sending' | 'conflict' | 'failed';

/** A photo of an item: uploaded first (POST /api/attachments with its own key), its id goes into the body. */
export interface OutboxPhoto {
  /** The upload's Idempotency-Key: a retry answers the same attachment. */
  key: string;
  blob: Blob;
  /** Set once the upload answered. */
  attachmentId?: string;
}

export interface OutboxItem {
  id: string;
  kind: OutboxKind;
  /** The account that filled it in: only its own session sends it. */
  userId: string;
  method: 'POST' | 'PUT' | 'PATCH';
  url: string;
  body: Record<string, unknown>;
  /** Which body field takes the photos' attachment ids. */
  photoField: string;
  idempotencyKey: string;
  photos: OutboxPhoto[];
  /** A line for the list (the description, a household …). */
  summary: string;
  createdAt: number;
  attempts: number;
  state: OutboxState;
  lastError?: string;
  /** Not before this time (ms): the backoff after a network error or a 5xx. */
  nextAttemptAt: number;
}

/** What a page needs without signal: the JSON of one API read, with the time it was fetched. */
export interface CachedData {
  key: string;
  data: unknown;
  syncedAt: number;
}

interface LinliDB extends DBSchema {
  outbox: { key: string; value: OutboxItem; indexes: { createdAt: number } };
  data: { key: string; value: CachedData };
}

const NAME = 'linli';
let opening: Promise<IDBPDatabase<LinliDB>> | null = null;

export function db(): Promise<IDBPDatabase<LinliDB>> {
  opening ??= openDB<LinliDB>(NAME, 1, {
    upgrade(d) {
      const outbox = d.createObjectStore('outbox', { keyPath: 'id' });
      outbox.createIndex('createdAt', 'createdAt');
      d.createObjectStore('data', { keyPath: 'key' });
    },
    blocking() {
      // Another tab opens a newer version: let it.
      void opening?.then((x) => x.close());
      opening = null;
    },
  }).catch((e: unknown) => {
    opening = null;
    throw e;
  });
  return opening;
}

let epoch = 0;
/** Changes at every clearing: a fetch started before it must not write its answer after it. */
export const deviceEpoch = () => epoch;

/** Everything this app keeps on the device: the outbox and the cached data (sign-out, another account). */
export async function clearDevice(): Promise<void> {
  epoch += 1;
  const d = await db();
  const tx = d.transaction(['outbox', 'data'], 'readwrite');
  await Promise.all([tx.objectStore('outbox').clear(), tx.objectStore('data').clear(), tx.done]);
}
