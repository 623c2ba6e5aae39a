/**
 * Reference data held in memory: tables that change a few times a year but are read by every report
 * (the hierarchy's units with their outlines, the case categories). Each copy is stamped with the
 * version of migration 0020's `reference_version`, which a trigger bumps in the transaction of every
 * write to those tables. A signed-in request reads the version with its caller (loadCaller, no extra
 * round trip) and asks for a copy at least that new; a copy is reloaded only when it is older. So a
 * request never sees reference data older than the moment it began, in any process of a deployment.
 */
import type { AppContext } from './context.js';
import type { Executor } from './db/index.js';

interface Entry { version: bigint; value: unknown }

export class ReferenceCache {
  private readonly entries = new Map<string, Promise<Entry>>();

  constructor(private readonly ctx: Pick<AppContext, 'db'>) {}

  /** The current version (for callers without a request's: a job, a test). */
  async version(db: Executor = this.ctx.db): Promise<string> {
    const row = await db.selectFrom('reference_version').select('version').executeTakeFirstOrThrow();
    return String(row.version);
  }

  /**
   * The copy named `name`, loaded by `load` at a version not older than `atLeast` (a version the
   * caller read; null: read it now). Concurrent callers share one load.
   */
  async get<T>(name: string, atLeast: string | null, load: (db: Executor) => Promise<T>): Promise<T> {
    const wanted = BigInt(atLeast ?? await this.version());
    for (;;) {
      const pending = this.entries.get(name);
      if (pending) {
        const entry = await pending.catch(() => null);
        if (entry && entry.version >= wanted) return entry.value as T;
        // Another caller may have started a newer load meanwhile: look again before loading.
        if (this.entries.get(name) !== pending) continue;
      }
      const loading = this.load(load);
      this.entries.set(name, loading);
      loading.catch(() => { if (this.entries.get(name) === loading) this.entries.delete(name); });
      // Loaded after `wanted` was read, so at least that new.
      return (await loading).value as T;
    }
  }

  /** Forget every copy (the next request loads afresh). */
  clear(): void {
    this.entries.clear();
  }

  /** The rows and the version they belong to, read in one snapshot. */
  private async load<T>(load: (db: Executor) => Promise<T>): Promise<Entry> {
    return this.ctx.db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
      const version = BigInt(await this.version(trx));
      return { version, value: await load(trx) };
    });
  }
}

const caches = new WeakMap<object, ReferenceCache>();

/** The reference cache of an application context (one per process and database). */
export function referenceOf(ctx: Pick<AppContext, 'db'>): ReferenceCache {
  let cache = caches.get(ctx.db);
  if (!cache) {
    cache = new ReferenceCache(ctx);
    caches.set(ctx.db, cache);
  }
  return cache;
}
