import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPool } from '../../core/db/index.js';
import { migrate, MIGRATIONS_DIR } from '../../core/db/migrate.js';
import { cloneDatabase } from '../../../../test/helpers/app.js';

/**
 * Before migration 0011 one 12345 order number could be entered on two cases. An install upgraded
 * from then must still migrate: the earliest case keeps the number, later ones get their id appended.
 */
describe('migration 0011 on a database with a repeated 12345 order number', () => {
  it('keeps the first, renames the others with a timeline step, then enforces one case per order', async () => {
    const db = await cloneDatabase({ empty: true });
    const pool = createPool(db.url, 2);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-upgrade-'));
    try {
      const all = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort();
      for (const f of all.filter((f) => f < '0011')) await fs.copyFile(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
      await migrate(pool, dir);
      await pool.query(`
        INSERT INTO unit (level, code, name, path, region_code) VALUES ('grid', '420105002001001', '第一网格', '1', '420105');
        INSERT INTO app_user (username, display_name, password_hash, unit_id, unit_path, region_code) VALUES ('staff', '值班', 'x', 1, '1', '420105');
        INSERT INTO cases (number, category_id, description, source, lng, lat, unit_id, unit_path, region_code,
                           handling_unit_id, handling_path, handling_level, reporter_user_id, hotline_order_no)
        SELECT 'HY-' || n, (SELECT id FROM case_category WHERE code = 'sanitation'), '来电', 'hotline', 114.27, 30.55, 1, '1', '420105', 1, '1', 'grid', 1, '12345-0001'
        FROM generate_series(1, 3) n;`);
      for (const f of all.filter((f) => f >= '0011')) await fs.copyFile(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
      await migrate(pool, dir);
      const rows = (await pool.query('SELECT id, hotline_order_no FROM cases ORDER BY id')).rows;
      expect(rows.map((r) => r.hotline_order_no)).toEqual(['12345-0001', `12345-0001-dup${rows[1].id}`, `12345-0001-dup${rows[2].id}`]);
      const steps = (await pool.query(`SELECT case_id, detail FROM case_event WHERE action = 'hotline_order_renumbered' ORDER BY case_id`)).rows;
      expect(steps.map((s) => s.detail.was)).toEqual(['12345-0001', '12345-0001']);
      await expect(pool.query(`UPDATE cases SET hotline_order_no = '12345-0001' WHERE id = ${rows[1].id}`)).rejects.toThrow(/cases_hotline_order_unique/);
    } finally {
      await pool.end();
      await db.drop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
