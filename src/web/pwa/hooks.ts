import { useEffect, useState, useSyncExternalStore } from 'react';
import { onOutbox, outboxItems, type OutboxItem } from './outbox.js';

const subscribeOnline = (cb: () => void) => {
  window.addEventListener('online', cb);
  window.addEventListener('offline', cb);
  return () => {
    window.removeEventListener('online', cb);
    window.removeEventListener('offline', cb);
  };
};

/** Whether the phone believes it has a network (a lost answer still counts as offline for the outbox). */
export function useOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine, () => true);
}

/** The outbox's items, kept current (this tab's sender and other tabs). Undefined while loading. */
export function useOutboxItems(): OutboxItem[] | undefined {
  const [items, setItems] = useState<OutboxItem[] | undefined>();
  useEffect(() => {
    let live = true;
    const load = () => void outboxItems().then((x) => { if (live) setItems(x); }, () => { if (live) setItems([]); });
    load();
    const off = onOutbox((e) => { if (e.type === 'changed') load(); });
    return () => { live = false; off(); };
  }, []);
  return items;
}

/** Waiting (or being sent) and needing the user (conflict, failed). */
export function outboxCounts(items: OutboxItem[] | undefined): { waiting: number; attention: number } {
  const list = items ?? [];
  return {
    waiting: list.filter((i) => i.state === 'waiting' || i.state === 'sending').length,
    attention: list.filter((i) => i.state === 'conflict' || i.state === 'failed').length,
  };
}
