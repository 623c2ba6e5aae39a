import { hashKey, type QueryClient, type QueryKey } from '@tanstack/react-query';
import type { Me } from '../api/auth.js';
import { ApiError, http } from '../api/client.js';
import { caseKeys, casesApi, type CaseList } from '../api/cases.js';
import { ME_KEY } from '../app/query.js';
import { db, deviceEpoch, type CachedData } from './db.js';
import { clearOutboxAndData } from './outbox.js';

/**
 * The data cache: what the phone pages need without signal, one API read per key, kept as JSON with
 * the time it was fetched. Reads the pages make while online are stored as they arrive; at start and
 * when the signal returns the app fetches the rest. Without signal, a page's query that finds no
 * answer gets the stored one. Only reads the server already scopes to the caller are kept (the
 * worker's own grid, masked as the server masks them), and all of it goes at sign-out.
 */
export interface Dataset {
  /** The key in the device's store. */
  key: string;
  /** The page's React Query key: the stored answer stands in for it offline. */
  queryKey: QueryKey;
  load: () => Promise<unknown>;
  /** Whether the signed-in account uses it (by its permissions). */
  applies: (me: Me) => boolean;
}

const can = (me: Me, ...permissions: string[]) => permissions.some((p) => me.permissions.includes(p));
const phoneList = (list: CaseList) => ({ list, limit: 50, sort: 'newest' as const });

const datasets: Dataset[] = [
  { key: 'cases.categories', queryKey: caseKeys.categories, load: casesApi.categories, applies: (me) => can(me, 'case.report', 'case.read') },
  { key: 'cases.report-area', queryKey: ['cases', 'report-area'], load: () => http.get('/api/cases/report-area'), applies: (me) => can(me, 'case.report') },
  { key: 'cases.counts', queryKey: caseKeys.counts, load: casesApi.counts, applies: (me) => can(me, 'case.report', 'case.read', 'case.rate') },
  // The phone's "my cases" lists (MobileCasesPage asks exactly these).
  ...(['mine', 'to_verify', 'reported_by_me'] as const).map((list): Dataset => ({
    key: `cases.list.${list}`,
    queryKey: caseKeys.list(phoneList(list)),
    load: () => casesApi.list(phoneList(list)),
    applies: (me) => (list === 'mine' ? can(me, 'case.handle') : list === 'to_verify' ? can(me, 'case.verify') : can(me, 'case.report', 'case.read', 'case.rate')),
  })),
  // The field work's offline pack (checklist, households of the worker's grid): answered 404 where the module is absent.
  { key: 'fieldwork.offline-pack', queryKey: ['fieldwork', 'offline-pack'], load: () => http.get('/api/fieldwork/offline-pack'), applies: () => true },
];

/** Another read for the phone to keep (field work pages add theirs). */
export function registerDataset(d: Dataset): void {
  const at = datasets.findIndex((x) => x.key === d.key);
  if (at >= 0) datasets[at] = d;
  else datasets.push(d);
}

export async function readCached<T = unknown>(key: string): Promise<{ data: T; syncedAt: number } | null> {
  const rec = await (await db()).get('data', key);
  return rec ? { data: rec.data as T, syncedAt: rec.syncedAt } : null;
}

export async function writeCached(key: string, data: unknown, syncedAt = Date.now()): Promise<void> {
  const rec: CachedData = { key, data, syncedAt };
  await (await db()).put('data', rec);
}

/** The keys kept on the device and when each was fetched (for the outbox page). */
export async function cachedKeys(): Promise<{ key: string; syncedAt: number }[]> {
  return (await (await db()).getAll('data')).filter((r) => !r.key.startsWith('session.')).map((r) => ({ key: r.key, syncedAt: r.syncedAt }));
}

// ---------------------------------------------------------------------------------------------
// The signed-in account on the device

const ME = 'session.me';

/**
 * The account the server just confirmed: another one than the device's last → the device is cleared
 * (outbox, cached data); then it is kept, so the app opens without signal.
 */
export async function adoptUser(me: Me): Promise<void> {
  const last = await readCached<Me>(ME);
  if (last && last.data.id !== me.id) await clearOutboxAndData();
  await writeCached(ME, me);
}

/** The last confirmed account, for opening the app without signal. */
export async function cachedMe(): Promise<Me | null> {
  return (await readCached<Me>(ME))?.data ?? null;
}

// ---------------------------------------------------------------------------------------------
// The bridge to React Query

let installedOn: QueryClient | null = null;
let lastSync = 0;

const isNetworkError = (e: unknown) => e instanceof ApiError && e.status === 0;

/**
 * Keep the datasets' answers on the device as the pages fetch them, and stand in for them when a page
 * asks without signal (the query is paused, or failed for lack of network). Once per client.
 */
export function installOfflineData(client: QueryClient): void {
  if (installedOn === client) return;
  installedOn = client;
  const byHash = () => new Map(datasets.map((d) => [hashKey(d.queryKey), d]));
  const seeding = new Set<string>();

  const seed = (hash: string, d: Dataset) => {
    if (seeding.has(hash)) return;
    seeding.add(hash);
    void readCached(d.key).then((rec) => {
      if (rec && client.getQueryData(d.queryKey) === undefined) client.setQueryData(d.queryKey, rec.data, { updatedAt: rec.syncedAt });
    }, () => undefined).finally(() => seeding.delete(hash));
  };

  const look = (query: ReturnType<ReturnType<QueryClient['getQueryCache']>['getAll']>[number], stored: boolean) => {
    const d = byHash().get(query.queryHash);
    if (!d) return;
    const s = query.state;
    if (stored && s.status === 'success' && s.data !== undefined) void writeCached(d.key, s.data, s.dataUpdatedAt).catch(() => undefined);
    if (s.data === undefined && (s.fetchStatus === 'paused' || (s.status === 'error' && isNetworkError(s.error)))) seed(query.queryHash, d);
  };

  for (const q of client.getQueryCache().getAll()) look(q, true);
  client.getQueryCache().subscribe((event) => {
    if (event.type === 'updated') look(event.query, event.action.type === 'success' && !event.action.manual);
    else if (event.type === 'added' || event.type === 'observerAdded') look(event.query, false);
  });
  window.addEventListener('online', () => void syncOfflineData(client, true));
  void syncOfflineData(client);
}

/**
 * Fetch every dataset the account uses onto the device (at start at most once a minute, and when the
 * signal returns). Outside React Query: the pages fetch their own; a page without an answer yet gets this one.
 */
export async function syncOfflineData(client: QueryClient, force = false): Promise<void> {
  const me = client.getQueryData<Me | null>(ME_KEY);
  if (!me || !navigator.onLine || (!force && Date.now() - lastSync < 60_000)) return;
  lastSync = Date.now();
  const epoch = deviceEpoch();
  for (const d of datasets.filter((x) => x.applies(me))) {
    let data: unknown;
    try {
      data = await d.load();
    } catch {
      continue; // absent (404), not allowed, or the signal went again: the next sync tries
    }
    // Signed out (or another account) meanwhile: keep nothing.
    if (deviceEpoch() !== epoch || client.getQueryData<Me | null>(ME_KEY)?.id !== me.id) return;
    await writeCached(d.key, data).catch(() => undefined);
    if (client.getQueryData(d.queryKey) === undefined) client.setQueryData(d.queryKey, data);
  }
}
