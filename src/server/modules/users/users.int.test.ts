import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, Client, TEST_PASSWORD, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { totpFor } from '../../core/auth/totp.js';

let t: TestApp;
let tree: Tree;
type Who = 'sysA' | 'secA' | 'audA' | 'sysB' | 'secB' | 'commA1' | 'worker1' | 'worker2' | 'resB' | 'district' | 'newbie';
const id = {} as Record<Who, string>;

// Only district staff need a second factor here, so that the admins can sign in with a password.
beforeAll(async () => {
  t = await createTestApp({ LINLI_MFA_REQUIRED_ROLES: 'district_staff' });
  tree = await buildTree(t.ctx);
  id.sysA = await makeUser(t.ctx, 'sysA', 'system_admin', tree.streetA);
  id.secA = await makeUser(t.ctx, 'secA', 'security_admin', tree.streetA);
  id.audA = await makeUser(t.ctx, 'audA', 'auditor', tree.streetA);
  id.sysB = await makeUser(t.ctx, 'sysB', 'system_admin', tree.streetB);
  id.secB = await makeUser(t.ctx, 'secB', 'security_admin', tree.streetB);
  id.commA1 = await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  id.worker1 = await makeUser(t.ctx, 'worker1', 'grid_worker', tree.gridA1g1, { displayName: '张网格' });
  id.worker2 = await makeUser(t.ctx, 'worker2', 'grid_worker', tree.gridA1g2, { displayName: '李网格' });
  id.resB = await makeUser(t.ctx, 'resB', 'resident', tree.gridB1g1);
  id.district = await makeUser(t.ctx, 'district', 'district_staff', tree.district);
});
afterAll(() => t.close());

const usernames = (items: { username: string }[]) => items.map((u) => u.username).sort();

async function auditRows(action: string, resourceId?: string) {
  let q = t.db.selectFrom('audit_log').selectAll().where('action', '=', action);
  if (resourceId) q = q.where('resource_id', '=', resourceId);
  return q.orderBy('id').execute();
}

async function sessionsOf(userId: string): Promise<number> {
  return (await t.db.selectFrom('session').select('id').where('user_id', '=', userId).execute()).length;
}

describe('GET /api/users', () => {
  it('401 without a session', async () => {
    const res = await new Client(t.app).get('/api/users');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
  });

  it('400 naming the field, in Chinese and in English', async () => {
    const c = await signedIn(t.app, 'sysA');
    const limit = await c.get('/api/users?limit=0');
    expect(limit.statusCode).toBe(400);
    expect(limit.json().error).toMatchObject({ field: 'limit', message: '每页条数：不能小于 1' });
    const status = await c.get('/api/users?status=gone');
    expect(status.statusCode).toBe(400);
    expect(status.json().error.field).toBe('status');
    expect(status.json().error.message).toMatch(/^状态：/);
    c.lang = 'en';
    const en = await c.get('/api/users?limit=1000');
    expect(en.json().error).toMatchObject({ field: 'limit', message: 'Page size: must be at most 100' });
  });

  it('403 for roles that do not keep accounts', async () => {
    for (const who of ['commA1', 'audA', 'worker1']) {
      const c = await signedIn(t.app, who);
      expect((await c.get('/api/users')).statusCode).toBe(403);
    }
  });

  it('lists the accounts of the caller’s subtree only; the sibling subtree’s admin sees none of them', async () => {
    const a = await signedIn(t.app, 'sysA');
    const listA = (await a.get('/api/users?limit=100')).json();
    expect(usernames(listA.items)).toEqual(['audA', 'commA1', 'secA', 'sysA', 'worker1', 'worker2']);
    expect(listA.total).toBe(6);

    const b = await signedIn(t.app, 'sysB');
    const listB = (await b.get('/api/users?limit=100')).json();
    expect(usernames(listB.items)).toEqual(['resB', 'secB', 'sysB']);
    expect((await b.get('/api/users?q=worker')).json()).toEqual({ items: [], total: 0 });
    expect((await b.get(`/api/users?unitId=${tree.streetA.id}`)).json().total).toBe(0);
    const other = await b.get(`/api/users/${id.worker1}`);
    const missing = await b.get('/api/users/999999999');
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual(missing.json());
  });

  it('filters by text, subtree, role and status, and pages with a total', async () => {
    const c = await signedIn(t.app, 'sysA');
    expect(usernames((await c.get('/api/users?q=worker')).json().items)).toEqual(['worker1', 'worker2']);
    expect(usernames((await c.get(`/api/users?q=${encodeURIComponent('张')}`)).json().items)).toEqual(['worker1']);
    expect(usernames((await c.get(`/api/users?unitId=${tree.commA1.id}`)).json().items)).toEqual(['commA1', 'worker1', 'worker2']);
    expect(usernames((await c.get(`/api/users?unitId=${tree.gridA1g1.id}`)).json().items)).toEqual(['worker1']);
    expect(usernames((await c.get('/api/users?role=grid_worker')).json().items)).toEqual(['worker1', 'worker2']);
    expect((await c.get('/api/users?status=disabled')).json().total).toBe(0);
    expect((await c.get('/api/users?status=active')).json().total).toBe(6);
    const page = (await c.get('/api/users?limit=2&offset=2')).json();
    expect(page.items).toHaveLength(2);
    expect(page.total).toBe(6);
    // a LIKE wildcard is a plain character
    expect((await c.get('/api/users?q=%25')).json().total).toBe(0);
  });

  it('presents accounts with bindings and abilities, never a secret', async () => {
    const sys = await signedIn(t.app, 'sysA');
    const res = await sys.get(`/api/users/${id.worker1}`);
    expect(res.statusCode).toBe(200);
    const u = res.json();
    expect(u).toMatchObject({
      id: id.worker1, username: 'worker1', displayName: '张网格', locale: 'zh-CN', isActive: true, lockedUntil: null,
      mfaEnabled: false, mfaRequired: false,
      unit: { id: tree.gridA1g1.id, name: '第一网格', level: 'grid', code: tree.gridA1g1.code },
      abilities: { update: true, resetPassword: true, unlock: true, resetMfa: false, manageBindings: false },
    });
    expect(u.bindings).toEqual([
      { id: expect.any(String), role: 'grid_worker', unit: { id: tree.gridA1g1.id, name: '第一网格', level: 'grid', code: tree.gridA1g1.code }, createdAt: expect.any(String) },
    ]);
    expect(res.body).not.toMatch(/scrypt|password_?hash|failed_?logins|mfa_?secret|recovery/i);

    const sec = await signedIn(t.app, 'secA');
    expect((await sec.get(`/api/users/${id.worker1}`)).json().abilities)
      .toEqual({ update: false, resetPassword: false, unlock: true, resetMfa: true, manageBindings: true });
    // One's own password, second factor and roles are not changed through the administration.
    expect((await sec.get(`/api/users/${id.secA}`)).json().abilities)
      .toEqual({ update: false, resetPassword: false, unlock: true, resetMfa: false, manageBindings: false });
    expect((await sys.get(`/api/users/${id.sysA}`)).json().abilities)
      .toEqual({ update: true, resetPassword: false, unlock: true, resetMfa: false, manageBindings: false });
  });

  it('marks accounts whose role requires a second factor', async () => {
    const admin = await signedIn(t.app, 'sysB');
    // District staff are above streetB: out of scope for its admin.
    expect((await admin.get(`/api/users/${id.district}`)).statusCode).toBe(404);
    const c = await signedIn(t.app, 'secA');
    await t.db.insertInto('role_binding').values({ user_id: id.worker2, role: 'district_staff', unit_id: tree.gridA1g2.id }).execute();
    expect((await c.get(`/api/users/${id.worker2}`)).json().mfaRequired).toBe(true);
    await t.db.deleteFrom('role_binding').where('user_id', '=', id.worker2).where('role', '=', 'district_staff').execute();
    expect((await c.get(`/api/users/${id.worker2}`)).json().mfaRequired).toBe(false);
  });
});

describe('GET /api/users/:id', () => {
  it('401, 400, 403, 404, 200', async () => {
    expect((await new Client(t.app).get(`/api/users/${id.worker1}`)).statusCode).toBe(401);
    const sys = await signedIn(t.app, 'sysA');
    const bad = await sys.get('/api/users/abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ field: 'id', message: 'ID：格式不正确' });
    expect((await (await signedIn(t.app, 'commA1')).get(`/api/users/${id.worker1}`)).statusCode).toBe(403);
    const out = await sys.get(`/api/users/${id.resB}`);
    expect(out.statusCode).toBe(404);
    expect(out.json()).toEqual((await sys.get('/api/users/12345678')).json());
    expect((await sys.get(`/api/users/${id.worker1}`)).statusCode).toBe(200);
  });
});

describe('POST /api/users', () => {
  const body = (over: Record<string, unknown> = {}) => ({ username: 'newbie', displayName: '王新人', password: 'Strong-Pass-42', unitId: tree.commA1.id, ...over });

  it('401 without a session', async () => {
    expect((await new Client(t.app).post('/api/users', body())).statusCode).toBe(401);
  });

  it('400 naming the field: username format, password policy, unknown and missing fields', async () => {
    const c = await signedIn(t.app, 'sysA');
    const name = await c.post('/api/users', body({ username: 'a b' }));
    expect(name.statusCode).toBe(400);
    expect(name.json().error).toMatchObject({ field: 'username', message: '用户名：须为 3–64 位字母、数字或 _ . @ -' });
    const short = await c.post('/api/users', body({ password: 'Ab1!' }));
    expect(short.statusCode).toBe(400);
    expect(short.json().error).toMatchObject({ field: 'password', message: '密码：密码至少 10 个字符' });
    const classes = await c.post('/api/users', body({ password: 'alllowercaseletters' }));
    expect(classes.json().error).toMatchObject({ field: 'password', message: '密码：密码须包含大写字母、小写字母、数字、符号中的至少 3 类' });
    const own = await c.post('/api/users', body({ password: 'Newbie-2026-xx' }));
    expect(own.json().error).toMatchObject({ field: 'password', message: '密码：密码不能包含用户名' });
    const unknown = await c.post('/api/users', body({ role: 'system_admin' }));
    expect(unknown.json().error).toMatchObject({ field: 'role' });
    const { displayName: _, ...noName } = body();
    const missing = await c.post('/api/users', noName);
    expect(missing.json().error).toMatchObject({ field: 'displayName', message: '姓名：必填' });
    c.lang = 'en';
    const en = await c.post('/api/users', body({ password: 'short' }));
    expect(en.json().error).toMatchObject({ field: 'password', message: 'Password: The password must have at least 10 characters' });
  });

  it('403 for the security admin and the auditor (三权分立)', async () => {
    for (const who of ['secA', 'audA', 'commA1']) {
      const c = await signedIn(t.app, who);
      expect((await c.post('/api/users', body())).statusCode).toBe(403);
    }
  });

  it('404 for a unit outside the caller’s scope, like a missing one', async () => {
    const c = await signedIn(t.app, 'sysA');
    const out = await c.post('/api/users', body({ unitId: tree.commB1.id }));
    expect(out.statusCode).toBe(404);
    expect(out.json().error.field).toBe('unitId');
    expect(out.json()).toEqual((await c.post('/api/users', body({ unitId: '99999999' }))).json());
  });

  it('409 for a username taken in any letter case', async () => {
    const c = await signedIn(t.app, 'sysA');
    const dup = await c.post('/api/users', body({ username: 'WORKER1' }));
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'username_taken', field: 'username', message: '用户名 WORKER1 已存在' });
  });

  it('201: creates the account without roles, audited without the password; it can sign in', async () => {
    const c = await signedIn(t.app, 'sysA');
    const res = await c.post('/api/users', body({ locale: 'en' }));
    expect(res.statusCode).toBe(201);
    const u = res.json();
    expect(u).toMatchObject({ username: 'newbie', displayName: '王新人', locale: 'en', isActive: true, bindings: [], unit: { id: tree.commA1.id } });
    id.newbie = u.id;
    const [row] = await auditRows('user.create', u.id);
    expect(row).toMatchObject({ actor_username: 'sysA', unit_path: tree.commA1.path, result: 'success' });
    expect(JSON.stringify(row!.detail)).not.toContain('Strong-Pass-42');
    const newbie = await signedIn(t.app, 'newbie', 'Strong-Pass-42');
    expect((await newbie.get('/api/auth/me')).json().permissions).toEqual([]);
    expect((await newbie.get('/api/users')).statusCode).toBe(403);
  });
});

describe('PATCH /api/users/:id', () => {
  it('401, 400, 403, 404', async () => {
    expect((await new Client(t.app).patch(`/api/users/${id.worker2}`, { displayName: 'x' })).statusCode).toBe(401);
    const c = await signedIn(t.app, 'sysA');
    const bad = await c.patch(`/api/users/${id.worker2}`, { isActive: 'no' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ field: 'isActive', message: '启用状态：类型应为布尔值' });
    const self = await c.patch(`/api/users/${id.sysA}`, { isActive: false });
    expect(self.statusCode).toBe(400);
    expect(self.json().error).toMatchObject({ field: 'isActive', message: '启用状态：不能停用自己的账号' });
    c.lang = 'en';
    expect((await c.patch(`/api/users/${id.worker2}`, { displayName: '' })).json().error.message).toBe('Name: is required');
    expect((await (await signedIn(t.app, 'secA')).patch(`/api/users/${id.worker2}`, { displayName: 'x' })).statusCode).toBe(403);
    const out = await (await signedIn(t.app, 'sysB')).patch(`/api/users/${id.worker2}`, { displayName: 'x' });
    expect(out.statusCode).toBe(404);
    const moveOut = await c.patch(`/api/users/${id.worker2}`, { unitId: tree.gridB1g1.id });
    expect(moveOut.statusCode).toBe(404);
    expect(moveOut.json().error.field).toBe('unitId');
  });

  it('renames and moves an account, audited with the fields changed', async () => {
    const c = await signedIn(t.app, 'sysA');
    const res = await c.patch(`/api/users/${id.worker2}`, { displayName: '李二', unitId: tree.gridA1g1.id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ displayName: '李二', unit: { id: tree.gridA1g1.id } });
    const row = await t.db.selectFrom('app_user').select(['unit_path', 'region_code']).where('id', '=', id.worker2).executeTakeFirstOrThrow();
    expect(row.unit_path).toBe(tree.gridA1g1.path);
    const [audit] = await auditRows('user.update', id.worker2);
    expect(audit!.detail).toEqual({ changed: ['displayName', 'unitId'], fromUnitId: tree.gridA1g2.id, toUnitId: tree.gridA1g1.id });
    await c.patch(`/api/users/${id.worker2}`, { unitId: tree.gridA1g2.id });
  });

  it('disabling ends the account’s sessions (its next request is 401); enabling lets it back in', async () => {
    const worker = await signedIn(t.app, 'worker1');
    expect((await worker.get('/api/auth/me')).statusCode).toBe(200);
    const c = await signedIn(t.app, 'sysA');
    const open = await sessionsOf(id.worker1);
    const res = await c.patch(`/api/users/${id.worker1}`, { isActive: false });
    expect(res.statusCode).toBe(200);
    expect(res.json().isActive).toBe(false);
    expect(await sessionsOf(id.worker1)).toBe(0);
    expect((await worker.get('/api/units/roots')).statusCode).toBe(401);
    expect((await new Client(t.app).login('worker1', TEST_PASSWORD)).statusCode).toBe(403);
    expect(usernames((await c.get('/api/users?status=disabled')).json().items)).toEqual(['worker1']);
    expect((await auditRows('user.disable', id.worker1))[0]!.detail).toEqual({ sessionsEnded: open });

    expect((await c.patch(`/api/users/${id.worker1}`, { isActive: true })).json().isActive).toBe(true);
    expect(await auditRows('user.enable', id.worker1)).toHaveLength(1);
    await signedIn(t.app, 'worker1');
  });
});

describe('POST /api/users/:id/password', () => {
  it('401, 400 by the account’s policy, 403, 404', async () => {
    expect((await new Client(t.app).post(`/api/users/${id.worker1}/password`, { newPassword: 'x' })).statusCode).toBe(401);
    const c = await signedIn(t.app, 'sysA');
    const missing = await c.post(`/api/users/${id.worker1}/password`, {});
    expect(missing.json().error).toMatchObject({ field: 'newPassword', message: '新密码：必填' });
    // a grid worker is staff: 10 characters and three classes
    const weak = await c.post(`/api/users/${id.worker1}/password`, { newPassword: 'abcd1234' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error).toMatchObject({ field: 'newPassword', message: '新密码：密码至少 10 个字符' });
    c.lang = 'en';
    expect((await c.post(`/api/users/${id.worker1}/password`, { newPassword: 'abcd1234' })).json().error.message)
      .toBe('New password: The password must have at least 10 characters');
    expect((await (await signedIn(t.app, 'secA')).post(`/api/users/${id.worker1}/password`, { newPassword: 'Fresh-Pass-2026' })).statusCode).toBe(403);
    const self = await c.post(`/api/users/${id.sysA}/password`, { newPassword: 'Fresh-Pass-2026' });
    expect(self.statusCode).toBe(403);
    expect(self.json().error.code).toBe('forbidden');
    expect((await (await signedIn(t.app, 'sysB')).post(`/api/users/${id.worker1}/password`, { newPassword: 'Fresh-Pass-2026' })).statusCode).toBe(404);
  });

  it('a resident account gets the lighter policy', async () => {
    const c = await signedIn(t.app, 'sysB');
    expect((await c.post(`/api/users/${id.resB}/password`, { newPassword: 'abcd1234' })).statusCode).toBe(200);
    await signedIn(t.app, 'resB', 'abcd1234');
  });

  it('sets the password and ends every session of the account; the audit row holds no secret', async () => {
    const worker = await signedIn(t.app, 'worker1');
    const c = await signedIn(t.app, 'sysA');
    const open = await sessionsOf(id.worker1);
    const res = await c.post(`/api/users/${id.worker1}/password`, { newPassword: 'Fresh-Pass-2026' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect((await worker.get('/api/auth/me')).statusCode).toBe(401);
    expect((await new Client(t.app).login('worker1', TEST_PASSWORD)).statusCode).toBe(401);
    await signedIn(t.app, 'worker1', 'Fresh-Pass-2026');
    const [row] = await auditRows('user.reset_password', id.worker1);
    expect(row!.detail).toEqual({ sessionsEnded: open });
    expect(await sessionsOf(id.worker1)).toBe(1);
  });
});

describe('POST /api/users/:id/unlock', () => {
  it('lifts a lockout after five wrong passwords', async () => {
    const anon = new Client(t.app);
    for (let i = 0; i < 5; i++) expect((await anon.login('worker2', 'Wrong-Pass-1')).statusCode).toBe(401);
    expect((await anon.login('worker2', TEST_PASSWORD)).statusCode).toBe(423);

    expect((await new Client(t.app).post(`/api/users/${id.worker2}/unlock`)).statusCode).toBe(401);
    const sec = await signedIn(t.app, 'secA');
    expect((await sec.post('/api/users/x1/unlock')).json().error).toMatchObject({ field: 'id', message: 'ID：格式不正确' });
    expect((await (await signedIn(t.app, 'audA')).post(`/api/users/${id.worker2}/unlock`)).statusCode).toBe(403);
    expect((await (await signedIn(t.app, 'secB')).post(`/api/users/${id.worker2}/unlock`)).statusCode).toBe(404);

    const locked = (await sec.get('/api/users?status=locked')).json();
    expect(usernames(locked.items)).toEqual(['worker2']);
    expect(locked.items[0].lockedUntil).not.toBeNull();

    const res = await sec.post(`/api/users/${id.worker2}/unlock`);
    expect(res.statusCode).toBe(200);
    expect(res.json().lockedUntil).toBeNull();
    expect((await auditRows('user.unlock', id.worker2))[0]!.detail).toEqual({ wasLocked: true });
    await signedIn(t.app, 'worker2');
  });
});

describe('POST /api/users/:id/mfa/reset', () => {
  it('removes the authenticator and recovery codes and ends the sessions', async () => {
    // worker2 enrols an authenticator.
    const worker = await signedIn(t.app, 'worker2');
    const setup = (await worker.post('/api/auth/mfa/setup')).json();
    const code = totpFor(setup.secret, 'worker2').generate({ timestamp: t.clock.now().getTime() });
    expect((await worker.post('/api/auth/mfa/enable', { code })).statusCode).toBe(200);
    expect((await t.db.selectFrom('mfa_recovery_code').select('id').where('user_id', '=', id.worker2).execute()).length).toBe(10);

    expect((await new Client(t.app).post(`/api/users/${id.worker2}/mfa/reset`)).statusCode).toBe(401);
    expect((await (await signedIn(t.app, 'sysA')).post(`/api/users/${id.worker2}/mfa/reset`)).statusCode).toBe(403);
    const sec = await signedIn(t.app, 'secA');
    const bad = await sec.post('/api/users/0x/mfa/reset');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ field: 'id', message: 'ID：格式不正确' });
    const self = await sec.post(`/api/users/${id.secA}/mfa/reset`);
    expect(self.statusCode).toBe(403);
    expect(self.json().error.message).toBe('不能重置自己的双因素认证');
    expect((await (await signedIn(t.app, 'secB')).post(`/api/users/${id.worker2}/mfa/reset`)).statusCode).toBe(404);

    expect((await sec.get(`/api/users/${id.worker2}`)).json().mfaEnabled).toBe(true);
    const open = await sessionsOf(id.worker2);
    const res = await sec.post(`/api/users/${id.worker2}/mfa/reset`);
    expect(res.statusCode).toBe(200);
    expect(res.json().mfaEnabled).toBe(false);
    expect((await t.db.selectFrom('mfa_recovery_code').select('id').where('user_id', '=', id.worker2).execute()).length).toBe(0);
    const row = await t.db.selectFrom('app_user').select(['mfa_secret_enc', 'mfa_enabled']).where('id', '=', id.worker2).executeTakeFirstOrThrow();
    expect(row).toEqual({ mfa_secret_enc: null, mfa_enabled: false });
    expect((await worker.get('/api/auth/me')).statusCode).toBe(401);
    expect((await auditRows('user.reset_mfa', id.worker2))[0]!.detail).toEqual({ wasEnabled: true, sessionsEnded: open });
    // Signs in with the password alone again.
    await signedIn(t.app, 'worker2');
  });
});

describe('role bindings', () => {
  it('POST: 401, 400, 403 (system admin; own account), 404 (account or unit out of scope), 409', async () => {
    const target = `/api/users/${id.worker1}/bindings`;
    const good = { role: 'community_staff', unitId: tree.commA1.id };
    expect((await new Client(t.app).post(target, good)).statusCode).toBe(401);
    const sec = await signedIn(t.app, 'secA');
    const role = await sec.post(target, { role: 'king', unitId: tree.commA1.id });
    expect(role.statusCode).toBe(400);
    expect(role.json().error.field).toBe('role');
    expect(role.json().error.message).toMatch(/^角色：取值应为以下之一：system_admin/);
    sec.lang = 'en';
    expect((await sec.post(target, { role: 'community_staff' })).json().error).toMatchObject({ field: 'unitId', message: 'Unit: is required' });
    sec.lang = 'zh-CN';
    expect((await (await signedIn(t.app, 'sysA')).post(target, good)).statusCode).toBe(403);
    const own = await sec.post(`/api/users/${id.secA}/bindings`, good);
    expect(own.statusCode).toBe(403);
    expect(own.json().error.message).toBe('不能修改自己的角色');
    expect((await (await signedIn(t.app, 'secB')).post(target, { role: 'community_staff', unitId: tree.commB1.id })).statusCode).toBe(404);
    const unitOut = await sec.post(target, { role: 'community_staff', unitId: tree.commB1.id });
    expect(unitOut.statusCode).toBe(404);
    expect(unitOut.json().error).toMatchObject({ field: 'unitId', message: '单元不存在' });
    const dup = await sec.post(target, { role: 'grid_worker', unitId: tree.gridA1g1.id });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'binding_exists', message: '该角色绑定已存在' });
  });

  it('gives and takes a role; the account’s reach follows at once; both audited', async () => {
    const sec = await signedIn(t.app, 'secA');
    const worker = await signedIn(t.app, 'worker1', 'Fresh-Pass-2026');
    expect((await worker.patch(`/api/units/${tree.gridA1g2.id}`, { name: '第二网格' })).statusCode).toBe(403);

    const res = await sec.post(`/api/users/${id.worker1}/bindings`, { role: 'community_staff', unitId: tree.commA1.id });
    expect(res.statusCode).toBe(201);
    const binding = res.json();
    expect(binding).toEqual({
      id: expect.any(String), role: 'community_staff', createdAt: expect.any(String),
      unit: { id: tree.commA1.id, name: '钟家村社区', level: 'community', code: tree.commA1.code },
    });
    expect((await worker.patch(`/api/units/${tree.gridA1g2.id}`, { name: '第二网格' })).statusCode).toBe(200);
    const [created] = await auditRows('role_binding.create', binding.id);
    expect(created).toMatchObject({ actor_username: 'secA', unit_path: tree.commA1.path });
    expect(created!.detail).toMatchObject({ userId: id.worker1, role: 'community_staff', unitId: tree.commA1.id });

    // DELETE ladder
    const url = `/api/users/${id.worker1}/bindings/${binding.id}`;
    expect((await new Client(t.app).delete(url)).statusCode).toBe(401);
    expect((await sec.delete(`/api/users/${id.worker1}/bindings/abc`)).json().error.field).toBe('bindingId');
    expect((await (await signedIn(t.app, 'sysA')).delete(url)).statusCode).toBe(403);
    expect((await (await signedIn(t.app, 'secB')).delete(url)).statusCode).toBe(404);
    // a binding of another account is as good as missing
    expect((await sec.delete(`/api/users/${id.worker2}/bindings/${binding.id}`)).statusCode).toBe(404);
    const mine = (await sec.get(`/api/users/${id.secA}`)).json().bindings[0];
    expect((await sec.delete(`/api/users/${id.secA}/bindings/${mine.id}`)).statusCode).toBe(403);

    expect((await sec.delete(url)).statusCode).toBe(204);
    expect((await worker.patch(`/api/units/${tree.gridA1g2.id}`, { name: '第二网格' })).statusCode).toBe(403);
    expect((await auditRows('role_binding.delete', binding.id))[0]!.detail).toMatchObject({ role: 'community_staff' });
    expect((await sec.delete(url)).statusCode).toBe(404);
  });
});

describe('GET /api/roles', () => {
  it('401, 403 for staff who keep no accounts, 200 with permissions and second-factor flags', async () => {
    expect((await new Client(t.app).get('/api/roles')).statusCode).toBe(401);
    expect((await (await signedIn(t.app, 'commA1')).get('/api/roles')).statusCode).toBe(403);
    expect((await (await signedIn(t.app, 'audA')).get('/api/roles')).statusCode).toBe(403);
    const res = await (await signedIn(t.app, 'secA')).get('/api/roles');
    expect(res.statusCode).toBe(200);
    const byRole = Object.fromEntries(res.json().items.map((r: { role: string }) => [r.role, r]));
    expect(Object.keys(byRole)).toHaveLength(11);
    expect(byRole.auditor).toEqual({ role: 'auditor', permissions: ['audit.export', 'audit.read'], mfaRequired: false });
    expect(byRole.system_admin.permissions).toEqual(expect.arrayContaining(['user.create', 'user.update', 'unit.read']));
    expect(byRole.system_admin.permissions).not.toContain('role_binding.manage');
    expect(byRole.district_staff.mfaRequired).toBe(true);
  });
});

describe('audit trail of account administration', () => {
  it('never holds a password, hash or secret', async () => {
    const rows = await t.db.selectFrom('audit_log').select(['action', 'detail']).execute();
    expect(rows.some((r) => r.action.startsWith('user.'))).toBe(true);
    const text = JSON.stringify(rows);
    for (const secret of [TEST_PASSWORD, 'Fresh-Pass-2026', 'Strong-Pass-42', 'abcd1234', 'scrypt$']) expect(text).not.toContain(secret);
  });
});
