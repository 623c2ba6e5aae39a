// The part of pg-copy-streams 7 (which ships no types) the generator uses.
declare module 'pg-copy-streams' {
  import type { Writable } from 'node:stream';
  import type { Submittable } from 'pg';
  export interface CopyStreamQuery extends Writable, Submittable {
    rowCount: number;
  }
  export function from(text: string, options?: object): CopyStreamQuery;
}
