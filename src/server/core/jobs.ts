/** Thrown between batches of background work when the server is closing. */
export class Interrupted extends Error {}

export interface JobLogger { error(obj: unknown, msg?: string): void }

/**
 * Background work started after its request is answered (imports' checks and commits): the server
 * keeps each promise, so closing can let running work stop between batches (a `checkpoint()` throws
 * Interrupted) and wait for it. A module subclasses it to add what a start-up must recover.
 */
export class BackgroundJobs {
  private readonly tasks = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(readonly log: JobLogger = console, private readonly what = 'background job') {}

  get closing(): boolean {
    return this.stopping;
  }

  start(jobId: string, task: () => Promise<void>): void {
    const p = task()
      .catch((err: unknown) => this.log.error({ err, jobId }, `${this.what} failed unexpectedly`))
      .finally(() => this.tasks.delete(jobId));
    this.tasks.set(jobId, p);
  }

  /** Resolves once the job's current background work (if any) is over. */
  async settled(jobId: string): Promise<void> {
    await this.tasks.get(jobId);
  }

  /** Between batches: stop here when the server is closing. */
  checkpoint(): void {
    if (this.stopping) throw new Interrupted();
  }

  async close(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.tasks.values()]);
  }
}
