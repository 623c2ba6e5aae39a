/** What every benchmark of a run gets: the database, Linli's process, the data, sessions, load settings. */
import type pg from 'pg';
import type { FieldCipher } from '../../src/server/core/crypto.js';
import type { Account, Dataset } from './dataset.js';
import type { HttpTarget } from './load.js';
import type { Started } from './processes.js';

export type DbKind = 'embedded' | 'server';

export interface LoadSettings {
  concurrency: number;
  /** Seconds measured per measurement. */
  duration: number;
  /** Seconds of warm-up before each measurement. */
  warmup: number;
}

export interface BenchEnv {
  db: DbKind;
  size: string;
  url: string;
  pool: pg.Pool;
  linli: Started;
  http: HttpTarget;
  data: Dataset;
  cipher: FieldCipher;
  /** The data key in base64 (LINLI_DATA_KEY of the Linli process). */
  dataKey: string;
  load: LoadSettings;
  /** Rows of the import workbook. */
  importRows: number;
  tmp: string;
  /** Signed-in sessions of up to `max` accounts of `role` (cached): cookie per account. */
  sessions(role: string, max: number): Promise<{ account: Account; cookie: string }[]>;
  progress(line: string): void;
  /** A progress ticker for runLoad. */
  tick(label: string): (done: number, elapsed: number) => void;
}

/** A benchmark's outcome: its parameters and figures, or why it was skipped. */
export type BenchResult =
  | { parameters: Record<string, unknown>; figures: Record<string, unknown> }
  | { skipped: string };
