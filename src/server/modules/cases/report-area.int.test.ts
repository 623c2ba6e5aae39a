import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';

let t: TestApp;
let tree: Tree;

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'resident1', 'resident', tree.gridA1g1);
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'dept', 'department_handler', tree.district);
});
afterAll(async () => { await t?.close(); });

describe('GET /api/cases/report-area', () => {
  it('shows a resident their own grid with its boundary, and nothing of the rest of the tree', async () => {
    const resident = await signedIn(t.app, 'resident1');
    // A resident cannot browse units …
    expect((await resident.get(`/api/units/${tree.gridA1g1.id}`)).statusCode).toBe(403);
    // … but sees where they may report.
    const res = await resident.get('/api/cases/report-area');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ focus: { id: tree.gridA1g1.id, level: 'grid', boundary: { type: 'Polygon' } }, around: [] });
  });

  it('shows a community its grids that have boundaries', async () => {
    const comm = await signedIn(t.app, 'commA1');
    const area = (await comm.get('/api/cases/report-area')).json();
    expect(area.focus).toMatchObject({ id: tree.commA1.id, level: 'community' });
    expect(area.around.map((u: { id: string }) => u.id)).toEqual([tree.gridA1g1.id, tree.gridA1g2.id]);
  });

  it('is refused to an account that does not report', async () => {
    const dept = await signedIn(t.app, 'dept');
    expect((await dept.get('/api/cases/report-area')).statusCode).toBe(403);
  });
});
