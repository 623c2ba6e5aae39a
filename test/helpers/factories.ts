import type { AppContext } from '../../src/server/core/context.js';
import { insertUnit } from '../../src/server/modules/hierarchy/hierarchy.service.js';
import { insertUser } from '../../src/server/modules/users/users.service.js';
import type { Role, UnitLevel } from '../../src/shared/roles.js';
import type { Boundary } from '../../src/shared/hierarchy.schemas.js';
import { TEST_PASSWORD } from './app.js';

type U = { id: string; path: string; region_code: string; code: string; name: string };

const square = (lng: number, lat: number, d = 0.004): Boundary => ({
  type: 'Polygon',
  coordinates: [[[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]]],
});

async function unit(ctx: AppContext, parent: U | null, level: UnitLevel, code: string, name: string, boundary?: Boundary): Promise<U> {
  const r = await insertUnit(ctx.db, { parent, level, code, name, boundary: boundary ?? null });
  return { id: r.id, path: r.path, region_code: r.regionCode, code, name };
}

/**
 * A small tree for tests:
 *   district 汉阳区 → streets A (建桥街道), B (晴川街道)
 *   A → communities A1, A2; B → B1
 *   A1 → grids A1g1, A1g2 → micro-grid A1g1m1; A2 → grid A2g1; B1 → grid B1g1
 */
export async function buildTree(ctx: AppContext) {
  const district = await unit(ctx, null, 'district', '420105000000', '汉阳区');
  const streetA = await unit(ctx, district, 'street', '420105002000', '建桥街道');
  const streetB = await unit(ctx, district, 'street', '420105004000', '晴川街道');
  const commA1 = await unit(ctx, streetA, 'community', '420105002001', '钟家村社区');
  const commA2 = await unit(ctx, streetA, 'community', '420105002002', '西大街社区');
  const commB1 = await unit(ctx, streetB, 'community', '420105004001', '晴川社区');
  const gridA1g1 = await unit(ctx, commA1, 'grid', '420105002001001', '第一网格', square(114.27, 30.55));
  const gridA1g2 = await unit(ctx, commA1, 'grid', '420105002001002', '第二网格', square(114.275, 30.55));
  const microA1g1m1 = await unit(ctx, gridA1g1, 'microgrid', '420105002001001001', '第一微网格');
  const gridA2g1 = await unit(ctx, commA2, 'grid', '420105002002001', '第一网格');
  const gridB1g1 = await unit(ctx, commB1, 'grid', '420105004001001', '第一网格');
  return { district, streetA, streetB, commA1, commA2, commB1, gridA1g1, gridA1g2, microA1g1m1, gridA2g1, gridB1g1 };
}
export type Tree = Awaited<ReturnType<typeof buildTree>>;

/** An account with one role at a unit, password TEST_PASSWORD. */
export async function makeUser(ctx: AppContext, username: string, role: Role, unit: { id: string }, extra: { displayName?: string } = {}): Promise<string> {
  return insertUser(ctx.db, ctx, {
    username, displayName: extra.displayName ?? username, password: TEST_PASSWORD, unitId: unit.id,
    bindings: [{ role, unitId: unit.id }],
  });
}
