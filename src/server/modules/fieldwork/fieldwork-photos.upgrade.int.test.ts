import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPool } from '../../core/db/index.js';
import { migrate, MIGRATIONS_DIR } from '../../core/db/migrate.js';
import { cloneDatabase } from '../../../../test/helpers/app.js';

/**
 * migrations/0015 on a database that already holds work: case photos and unattached uploads stay
 * valid under the new "one owner" check, and the cases a worker reported on patrol during a patrol
 * (the old time window) are carried over to cases.patrol_id once.
 */
describe('migration 0015 on an existing database', () => {
  it('keeps attachments valid and carries the patrols’ cases over', async () => {
    const db = await cloneDatabase({ empty: true });
    const pool = createPool(db.url, 2);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-0015-'));
    try {
      const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f));
      for (const f of files.filter((x) => x < '0015')) await fs.copyFile(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
      await migrate(pool, dir);
      const q = async (text: string, values: unknown[] = []) => (await pool.query(text, values)).rows;

      const [unit] = await q(`INSERT INTO unit (level, code, name, path, region_code) VALUES ('grid', '420105002001001', '第一网格', '1', '420105') RETURNING id`);
      await q(`UPDATE unit SET path = id::text::ltree`);
      const [u] = await q(`SELECT id, path FROM unit`);
      const worker = (await q(`INSERT INTO app_user (username, display_name, password_hash, unit_id, unit_path, region_code)
        VALUES ('gridA', '黄艳娇', 'x', $1, $2, '420105') RETURNING id`, [unit.id, u.path]))[0].id;
      const [cat] = await q(`SELECT id FROM case_category WHERE code = 'city_appearance.exposed_garbage'`);
      const patrol = (await q(`INSERT INTO patrol (unit_id, unit_path, region_code, worker_id, started_at, ended_at)
        VALUES ($1, $2, '420105', $3, '2026-11-20T01:00:00Z', '2026-11-20T02:00:00Z') RETURNING id`, [unit.id, u.path, worker]))[0].id;
      const newCase = async (number: string, source: string, createdAt: string) => (await q(`INSERT INTO cases (number, category_id, description, source, lng, lat,
          unit_id, unit_path, region_code, handling_unit_id, handling_path, handling_level, reporter_user_id, created_at)
        VALUES ($1, $2, '垃圾', $3, 114.27, 30.55, $4, $5, '420105', $4, $5, 'grid', $6, $7) RETURNING id`,
      [number, cat.id, source, unit.id, u.path, worker, createdAt]))[0].id as string;
      const during = await newCase('A-1', 'patrol', '2026-11-20T01:30:00Z');
      const after = await newCase('A-2', 'patrol', '2026-11-20T03:00:00Z');
      const resident = await newCase('A-3', 'resident', '2026-11-20T01:40:00Z');
      const [event] = await q(`INSERT INTO case_event (case_id, action, to_state) VALUES ($1, 'report', 'reported') RETURNING id`, [during]);
      const photo = (n: number) => `'disk', 'k/${n}', 'image/jpeg', 10, '${'a'.repeat(64)}', 1, 1`;
      await q(`INSERT INTO attachment (uploader_id, storage, storage_key, content_type, byte_size, sha256, width, height) VALUES ($1, ${photo(1)})`, [worker]);
      await q(`INSERT INTO attachment (uploader_id, case_id, event_id, unit_id, unit_path, region_code, attached_at, storage, storage_key, content_type, byte_size, sha256, width, height)
        VALUES ($1, $2, $3, $4, $5, '420105', now(), ${photo(2)})`, [worker, during, event.id, unit.id, u.path]);

      const result = await migrate(pool, MIGRATIONS_DIR);
      expect(result.applied).toContain('0015_fieldwork_attachments.sql');
      const cases = Object.fromEntries((await q(`SELECT id::text, patrol_id::text FROM cases`)).map((r) => [r.id, r.patrol_id]));
      expect(cases).toEqual({ [during]: patrol, [after]: null, [resident]: null });
      expect(await q(`SELECT storage_key, case_id IS NOT NULL AS on_case, patrol_id, diary_entry_id FROM attachment ORDER BY id`)).toEqual([
        { storage_key: 'k/1', on_case: false, patrol_id: null, diary_entry_id: null },
        { storage_key: 'k/2', on_case: true, patrol_id: null, diary_entry_id: null },
      ]);
      // The case photo cannot also go on the patrol: one owner.
      await expect(q(`UPDATE attachment SET patrol_id = $1 WHERE storage_key = 'k/2'`, [patrol])).rejects.toThrow(/attachment_attached_whole/);
      // A patrol photo must carry its place.
      await expect(q(`UPDATE attachment SET patrol_id = $1 WHERE storage_key = 'k/1'`, [patrol])).rejects.toThrow(/attachment_attached_whole/);
      await q(`UPDATE attachment SET patrol_id = $1, unit_id = $2, unit_path = $3, region_code = '420105', attached_at = now() WHERE storage_key = 'k/1'`, [patrol, unit.id, u.path]);
    } finally {
      await pool.end();
      await db.drop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
