import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, signedIn, type Client, type TestApp } from '../helpers/app.js';
import { buildTree, makeUser, type Tree } from '../helpers/factories.js';
import { insertUnit } from '../../src/server/modules/hierarchy/hierarchy.service.js';
import { writeAudit } from '../../src/server/core/audit/audit.js';
import type { Role } from '../../src/shared/roles.js';

/**
 * The permission table, walked over the HTTP API: (role × action × in-scope / out-of-scope) →
 * status. Each role signs in as an account bound at a fixed unit; "in-scope" targets lie under that
 * unit, "out-of-scope" ones in a sibling subtree (street B; another district for district staff).
 * Out of scope answers 404 exactly like a missing id; a role without the permission answers 403.
 */

type Target = 'in-scope' | 'out-of-scope';
interface Row {
  role: Role;
  action: string;
  target: Target;
  expect: number;
  /** For searches: whether the target shows up in the 200 answer. */
  sees?: boolean;
}

/** What an action is done to: a unit, a grid (to create under), an account, an audit entry. */
interface Subject {
  unit: { id: string; path: string };
  grid: { id: string; code: string; path: string; region_code: string };
  userId: string;
  username: string;
  marker: string;
  missing?: boolean;
}

const ROLES_UNDER_TEST = [
  'system_admin', 'security_admin', 'auditor', 'district_staff', 'street_staff',
  'community_staff', 'grid_worker', 'department_handler', 'resident',
] as const satisfies readonly Role[];
type TestRole = (typeof ROLES_UNDER_TEST)[number];

/** Where each role's account is bound. */
const HOME: Record<TestRole, keyof Tree> = {
  system_admin: 'streetA',
  security_admin: 'streetA',
  auditor: 'streetA',
  district_staff: 'district',
  street_staff: 'streetA',
  community_staff: 'commA1',
  grid_worker: 'gridA1g1',
  department_handler: 'streetA',
  resident: 'gridA1g1',
};

type Cell = readonly [inScope: number, outOfScope: number];
const OK_404 = (ok: number): Cell => [ok, 404];
/**
 * The table: for each action, the roles that hold its permission and what they get in and out of
 * scope. Every role not listed gets 403 both ways.
 */
const TABLE: Record<string, Partial<Record<TestRole, Cell>>> = {
  // hierarchy
  'GET /api/units/:id': {
    system_admin: OK_404(200), security_admin: OK_404(200), district_staff: OK_404(200), street_staff: OK_404(200),
    community_staff: OK_404(200), grid_worker: OK_404(200), department_handler: OK_404(200),
  },
  'PATCH /api/units/:id': { system_admin: OK_404(200), district_staff: OK_404(200), street_staff: OK_404(200), community_staff: OK_404(200) },
  'POST /api/units': { system_admin: OK_404(201), district_staff: OK_404(201), street_staff: OK_404(201), community_staff: OK_404(201) },
  'DELETE /api/units/:id': { system_admin: OK_404(204), district_staff: OK_404(204), street_staff: OK_404(204), community_staff: OK_404(204) },
  // users: the system admin keeps accounts, the security admin roles, locks and second factors (三权分立)
  'GET /api/users': { system_admin: [200, 200], security_admin: [200, 200] },
  'GET /api/users/:id': { system_admin: OK_404(200), security_admin: OK_404(200) },
  'POST /api/users': { system_admin: OK_404(201) },
  'PATCH /api/users/:id': { system_admin: OK_404(200) },
  'POST /api/users/:id/password': { system_admin: OK_404(200) },
  'POST /api/users/:id/unlock': { system_admin: OK_404(200), security_admin: OK_404(200) },
  'POST /api/users/:id/mfa/reset': { security_admin: OK_404(200) },
  'POST /api/users/:id/bindings': { security_admin: OK_404(201) },
  'DELETE /api/users/:id/bindings/:bindingId': { security_admin: OK_404(204) },
  // audit: the auditor only; out of scope the entry is simply not there
  'GET /api/audit': { auditor: [200, 200] },
  'GET /api/audit/export': { auditor: [200, 200] },
};
const SEARCHES = new Set(['GET /api/users', 'GET /api/audit', 'GET /api/audit/export']);

const ROWS: Row[] = Object.entries(TABLE).flatMap(([action, allowed]) =>
  ROLES_UNDER_TEST.flatMap((role) => {
    const [inScope, outOfScope] = allowed[role] ?? [403, 403];
    const searchable = SEARCHES.has(action) && inScope === 200;
    return [
      { role, action, target: 'in-scope' as const, expect: inScope, ...(searchable ? { sees: true } : {}) },
      { role, action, target: 'out-of-scope' as const, expect: outOfScope, ...(searchable ? { sees: false } : {}) },
    ];
  }),
);

let t: TestApp;
let tree: Tree;
let serial = 0;
let doomed = 900;
const clients = {} as Record<TestRole, Client>;
let inside: Subject;
let streetB: Subject;
let otherDistrict: Subject;
const MISSING = '999999999';

const PASSWORD = 'Perm-Table-Pass-1';

/** How each action is done to a subject. */
const ACTIONS: Record<string, (c: Client, s: Subject) => Promise<LightMyRequestResponse>> = {
  'GET /api/units/:id': (c, s) => c.get(`/api/units/${s.unit.id}`),
  'PATCH /api/units/:id': (c, s) => c.patch(`/api/units/${s.unit.id}`, { name: '权限表微网格' }),
  'POST /api/units': (c, s) => c.post('/api/units', { parentId: s.grid.id, name: `权限表新建${++serial}` }),
  'DELETE /api/units/:id': async (c, s) => {
    if (s.missing) return c.delete(`/api/units/${MISSING}`);
    const code = `${s.grid.code}${doomed++}`;
    const fresh = await insertUnit(t.db, { parent: s.grid, level: 'microgrid', code, name: '待删微网格' });
    const res = await c.delete(`/api/units/${fresh.id}`);
    if (res.statusCode !== 204) await t.db.deleteFrom('unit').where('id', '=', fresh.id).execute();
    return res;
  },
  'GET /api/users': (c, s) => c.get(`/api/users?q=${s.username}`),
  'GET /api/users/:id': (c, s) => c.get(`/api/users/${s.userId}`),
  'POST /api/users': (c, s) => c.post('/api/users', { username: `perm${++serial}`, displayName: '权限表', password: PASSWORD, unitId: s.unit.id }),
  'PATCH /api/users/:id': (c, s) => c.patch(`/api/users/${s.userId}`, { displayName: '权限表目标' }),
  'POST /api/users/:id/password': (c, s) => c.post(`/api/users/${s.userId}/password`, { newPassword: PASSWORD }),
  'POST /api/users/:id/unlock': (c, s) => c.post(`/api/users/${s.userId}/unlock`),
  'POST /api/users/:id/mfa/reset': (c, s) => c.post(`/api/users/${s.userId}/mfa/reset`),
  'POST /api/users/:id/bindings': async (c, s) => {
    const res = await c.post(`/api/users/${s.userId}/bindings`, { role: 'volunteer', unitId: s.unit.id });
    if (!s.missing) await t.db.deleteFrom('role_binding').where('user_id', '=', s.userId).where('role', '=', 'volunteer').execute();
    return res;
  },
  'DELETE /api/users/:id/bindings/:bindingId': async (c, s) => {
    if (s.missing) return c.delete(`/api/users/${MISSING}/bindings/${MISSING}`);
    const { id } = await t.db.insertInto('role_binding').values({ user_id: s.userId, role: 'volunteer', unit_id: s.unit.id })
      .returning('id').executeTakeFirstOrThrow();
    const res = await c.delete(`/api/users/${s.userId}/bindings/${id}`);
    await t.db.deleteFrom('role_binding').where('id', '=', id).execute();
    return res;
  },
  'GET /api/audit': (c, s) => c.get(`/api/audit?resourceType=perm&resourceId=${s.marker}`),
  'GET /api/audit/export': (c, s) => c.get(`/api/audit/export?format=csv&resourceType=perm&resourceId=${s.marker}`),
};

/** Does a 200 answer of a search show the subject? */
function shows(action: string, res: LightMyRequestResponse, s: Subject): boolean {
  if (action === 'GET /api/audit/export') return res.body.includes(s.marker);
  if (action === 'GET /api/audit') return res.json().items.some((e: { resourceId: string }) => e.resourceId === s.marker);
  return res.json().items.some((u: { id: string }) => u.id === s.userId);
}

async function subject(grid: Tree['gridA1g1'], unit: { id: string; path: string }, username: string, marker: string): Promise<Subject> {
  const userId = await makeUser(t.ctx, username, 'grid_worker', unit);
  await writeAudit(t.db, { actorId: null, actorUsername: 'table', ip: null }, { action: 'perm.mark', resourceType: 'perm', resourceId: marker, unitPath: unit.path });
  return { unit, grid, userId, username, marker };
}

beforeAll(async () => {
  t = await createTestApp({ LINLI_MFA_REQUIRED_ROLES: '' });
  tree = await buildTree(t.ctx);
  // A second district, out of reach even for the first district's staff.
  const x = await insertUnit(t.db, { parent: null, level: 'district', code: '420102000000', name: '江岸区' });
  const xs = await insertUnit(t.db, { parent: { id: x.id, path: x.path, region_code: x.regionCode }, level: 'street', code: '420102001000', name: '大智街道' });
  const xc = await insertUnit(t.db, { parent: { id: xs.id, path: xs.path, region_code: xs.regionCode }, level: 'community', code: '420102001001', name: '大智社区' });
  const xg = await insertUnit(t.db, { parent: { id: xc.id, path: xc.path, region_code: xc.regionCode }, level: 'grid', code: '420102001001001', name: '第一网格' });
  const xGrid = { id: xg.id, path: xg.path, region_code: xg.regionCode, code: '420102001001001', name: '第一网格' };

  inside = await subject(tree.gridA1g1, tree.microA1g1m1, 'targetIn', 'mark-in');
  streetB = await subject(tree.gridB1g1, tree.gridB1g1, 'targetB', 'mark-b');
  otherDistrict = await subject(xGrid, xGrid, 'targetX', 'mark-x');
  for (const role of ROLES_UNDER_TEST) {
    await makeUser(t.ctx, `as_${role}`, role, tree[HOME[role]]);
    clients[role] = await signedIn(t.app, `as_${role}`);
  }
});
afterAll(() => t.close());

const outside = (role: TestRole) => (role === 'district_staff' ? otherDistrict : streetB);
const missing = (): Subject => ({
  unit: { id: MISSING, path: '0' }, grid: { id: MISSING, code: '0', path: '0', region_code: '0' },
  userId: MISSING, username: 'nobody-at-all', marker: 'mark-none', missing: true,
});

describe('permission table', () => {
  it('covers every role and action, in and out of scope', () => {
    expect(ROWS).toHaveLength(Object.keys(TABLE).length * ROLES_UNDER_TEST.length * 2);
    expect(Object.keys(ACTIONS).sort()).toEqual(Object.keys(TABLE).sort());
  });

  it.each(ROWS)('$role $action $target → $expect', async (row) => {
    const role = row.role as TestRole;
    const s = row.target === 'in-scope' ? inside : outside(role);
    const res = await ACTIONS[row.action]!(clients[role], s);
    expect(res.statusCode, res.body).toBe(row.expect);
    if (row.expect === 403) expect(res.json().error.code).toBe('forbidden');
    if (row.sees !== undefined) expect(shows(row.action, res, s)).toBe(row.sees);
    if (row.expect === 404) {
      // Out of scope is indistinguishable from a missing id.
      const gone = await ACTIONS[row.action]!(clients[role], missing());
      expect(gone.statusCode).toBe(404);
      expect(res.json()).toEqual(gone.json());
    }
  });
});

describe('三权分立', () => {
  const explicit: Row[] = [
    { role: 'system_admin', action: 'GET /api/audit', target: 'in-scope', expect: 403 },
    { role: 'system_admin', action: 'GET /api/audit/export', target: 'in-scope', expect: 403 },
    { role: 'system_admin', action: 'POST /api/users/:id/bindings', target: 'in-scope', expect: 403 },
    { role: 'auditor', action: 'GET /api/users', target: 'in-scope', expect: 403 },
    { role: 'auditor', action: 'POST /api/users/:id/bindings', target: 'in-scope', expect: 403 },
    { role: 'auditor', action: 'PATCH /api/units/:id', target: 'in-scope', expect: 403 },
    { role: 'security_admin', action: 'POST /api/users', target: 'in-scope', expect: 403 },
    { role: 'security_admin', action: 'PATCH /api/users/:id', target: 'in-scope', expect: 403 },
    { role: 'security_admin', action: 'POST /api/users/:id/bindings', target: 'in-scope', expect: 201 },
    { role: 'security_admin', action: 'GET /api/audit', target: 'in-scope', expect: 403 },
  ];

  it.each(explicit)('$role $action → $expect', async (row) => {
    expect(ROWS).toContainEqual(expect.objectContaining(row));
    const res = await ACTIONS[row.action]!(clients[row.role as TestRole], inside);
    expect(res.statusCode, res.body).toBe(row.expect);
  });
});
