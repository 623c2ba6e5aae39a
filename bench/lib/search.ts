/**
 * Benchmark 4 — resident search. GET /api/residents by pinyin initials, by exact ID number and by a care
 * tag, as district, street, community and grid callers, N concurrent clients each. The initials and ID
 * numbers are those of real residents in each caller's scope: sampled from the database and the ID
 * numbers decrypted with the data key the district was generated with (FieldCipher).
 */
import type { BenchEnv, BenchResult } from './env.js';
import { request, runLoad } from './load.js';

const CALLERS = [['district', 'district_staff'], ['street', 'street_staff'], ['community', 'community_staff'], ['grid', 'grid_worker']] as const;

export async function search(env: BenchEnv): Promise<BenchResult> {
  const tag = (await env.pool.query<{ id: string; name: string }>(
    `SELECT rt.tag_id::text AS id, t.name_zh AS name FROM resident_tag rt JOIN care_tag t ON t.id = rt.tag_id
      WHERE NOT t.sensitive GROUP BY rt.tag_id, t.name_zh ORDER BY count(*) DESC LIMIT 1`)).rows[0];
  const figures: Record<string, Record<string, unknown>> = {};
  const notes: string[] = [];
  let undecryptable = 0;
  for (const [caller, role] of CALLERS) {
    const sessions = await env.sessions(role, 20);
    if (sessions.length === 0) { notes.push(`no ${role} accounts`); continue; }
    const samples: { cookie: string; ids: string[]; initials: string[] }[] = [];
    for (const s of sessions) {
      const { rows } = await env.pool.query<{ enc: string; initials: string | null }>(
        `SELECT id_number_enc AS enc, name_initials AS initials FROM resident
          WHERE unit_path <@ $1::ltree AND status = 'active' AND id_number_enc IS NOT NULL ORDER BY md5(id::text) LIMIT 20`, [s.account.unitPath]);
      const ids: string[] = [];
      for (const r of rows) {
        try { ids.push(env.cipher.decrypt(r.enc)); } catch { undecryptable++; }
      }
      const initials = rows.map((r) => r.initials?.slice(0, 2)).filter((x): x is string => !!x && x.length > 0);
      samples.push({ cookie: s.cookie, ids, initials });
    }
    const usable = samples.filter((s) => s.initials.length > 0);
    if (usable.length === 0) { notes.push(`${caller}: no residents in the callers' scopes`); continue; }
    const shapes: [string, (s: (typeof samples)[number], seq: number) => string | null][] = [
      ['initials', (s, seq) => `q=${encodeURIComponent(s.initials[seq % s.initials.length]!)}`],
      ['idNumber', (s, seq) => (s.ids.length ? `idNumber=${s.ids[seq % s.ids.length]}` : null)],
      ...(tag ? [['tag', () => `tags=${tag.id}`] as [string, () => string]] : []),
    ];
    figures[caller] = { accounts: sessions.length };
    for (const [shape, qs] of shapes) {
      const pool = shape === 'idNumber' ? usable.filter((s) => s.ids.length) : usable;
      if (pool.length === 0) { figures[caller]![shape] = { skipped: 'no decryptable ID numbers' }; continue; }
      let found = 0;
      let asked = 0;
      env.progress(`search: ${caller} ${shape}`);
      const stats = await runLoad({ ...env.load, onTick: env.tick(`search ${caller} ${shape}`) }, async (client, seq) => {
        const s = pool[(client + seq) % pool.length]!;
        const res = await request(env.http, 'GET', `/api/residents?${qs(s, seq)!}`, { cookie: s.cookie });
        if (res.status !== 200) throw new Error(`GET /api/residents?${qs(s, seq)} ${res.status} ${res.body.slice(0, 200)}`);
        asked++;
        if ((JSON.parse(res.body) as { total: number }).total > 0) found++;
      });
      figures[caller]![shape] = { ...stats, foundShare: asked ? Math.round((found / asked) * 1000) / 1000 : 0 };
    }
  }
  if (undecryptable) notes.push(`${undecryptable} sampled ID numbers did not decrypt with the benchmark's data key: the generator did not use LINLI_DATA_KEY`);
  return {
    parameters: { concurrency: env.load.concurrency, duration: env.load.duration, warmup: env.load.warmup, tag: tag ? tag.name : null, initialsLength: 2, notes },
    figures,
  };
}
