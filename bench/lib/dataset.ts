/**
 * The district the benchmarks run on: generateDistrict (bench/data/generate.ts) into an empty database,
 * under the run's own data key — the generator encrypts the personal data with it, the Linli process gets
 * it as LINLI_DATA_KEY, and the search benchmark decrypts sampled ID numbers with it.
 */
import { generateDistrict, type GeneratedDistrict } from '../data/generate.js';

export type Dataset = GeneratedDistrict;
export type Account = GeneratedDistrict['accounts'][number];

/** Fill the empty database at `url` with a district of `residents` residents; progress through `progress`. */
export async function generate(url: string, residents: number, dataKey: Buffer, progress: (line: string) => void): Promise<Dataset> {
  let last = 0;
  let lastPhase = '';
  return generateDistrict(url, {
    residents,
    dataKey,
    onProgress: ({ phase, done, total }) => {
      const now = Date.now();
      if (phase !== lastPhase || now - last > 1000 || done === total) {
        last = now;
        lastPhase = phase;
        progress(`${phase} ${done.toLocaleString('en')}/${total.toLocaleString('en')}`);
      }
    },
  });
}
