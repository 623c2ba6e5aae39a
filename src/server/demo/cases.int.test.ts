import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { seedDemo } from './seed.js';
import { tick } from '../modules/cases/cases.watch.js';

/**
 * Whatever the hour and day the demo is seeded at, its grid worker (黄艳娇, 龙湖东岸社区 第六网格)
 * opens 我的待办 on at least one open work order, with a timeline that got it there — after the
 * server's watch has had its first tick (an overdue matter past its grace goes up to the community).
 */

const GRID = '420105013007006';

const MOMENTS = [
  ['a Sunday, 08:00 Beijing', '2026-11-22T08:00:00+08:00'],
  ['a Monday, 09:00 Beijing', '2026-11-23T09:00:00+08:00'],
  ['a holiday (National Day), 10:00 Beijing', '2026-10-01T10:00:00+08:00'],
  ['midnight Beijing', '2026-11-25T00:00:00+08:00'],
  ['a Sunday evening, 19:15 Beijing', '2026-11-22T19:15:00+08:00'],
  ['a Tuesday, 21:30 Beijing', '2026-11-24T21:30:00+08:00'],
] as const;

describe.each(MOMENTS)('the demo seeded on %s', (_label, at) => {
  let t: TestApp;
  let dataDir: string;
  let password: string;
  const now = new Date(at);

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-demo-cases-'));
    t = await createTestApp({ LINLI_DATA_DIR: dataDir });
    t.clock.advance(now.getTime() - t.clock.now().getTime());
    const seeded = await seedDemo(t.ctx);
    expect(seeded).not.toBeNull();
    // What a starting server does next: the watch's first tick (recolours, escalates what is past its grace).
    await tick(t.ctx, now);
    password = seeded!.password;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('gives the grid worker at least one open work order in 我的待办, reported, accepted and dispatched to her grid before now', async () => {
    const grid = new Client(t.app);
    expect((await grid.login('grid', password)).json().status).toBe('ok');
    const mine = (await grid.get('/api/cases?list=mine&limit=200')).json();
    expect(mine.items.length).toBeGreaterThan(0);
    for (const c of mine.items as { id: string; state: string; unit: { code: string } }[]) {
      expect(['dispatched', 'in_progress']).toContain(c.state);
      expect(c.unit.code).toBe(GRID);
      const detail = (await grid.get(`/api/cases/${c.id}`)).json();
      const steps = detail.timeline as { occurredAt: string; action: string }[];
      const times = steps.map((s) => Date.parse(s.occurredAt));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(times[times.length - 1]!).toBeLessThan(now.getTime());
      expect(steps.slice(0, 3).map((s) => s.action)).toEqual(['report', 'accept', 'dispatch']);
      const orders = detail.workOrders as { assignee: { kind: string; unit?: { code: string } }; state: string }[];
      expect(orders.some((o) => o.assignee.kind === 'unit' && o.assignee.unit?.code === GRID && ['dispatched', 'claimed'].includes(o.state))).toBe(true);
    }
  });
});
