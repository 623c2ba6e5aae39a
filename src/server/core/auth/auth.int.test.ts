import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedIn, Client, TEST_PASSWORD, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';

let t: TestApp;
let tree: Tree;

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
});
afterAll(() => t.close());

/** A fresh community secretary for one test, so lockouts and sessions do not leak between tests. */
let n = 0;
async function staff(prefix: string): Promise<string> {
  const username = `${prefix}${++n}`;
  await makeUser(t.ctx, username, 'community_staff', tree.commA1);
  return username;
}

async function loginAudit(username: string) {
  return t.db.selectFrom('audit_log').select(['action', 'result', 'actor_id', 'actor_username', 'detail'])
    .where('action', '=', 'auth.login').where('actor_username', '=', username).orderBy('id').execute();
}

describe('sign-in', () => {
  it('signs in and sets a HttpOnly, Secure, SameSite=Strict session cookie for the whole site', async () => {
    const username = await staff('login');
    const c = new Client(t.app);
    const res = await c.login(username, TEST_PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    const header = String(res.headers['set-cookie']);
    expect(header).toMatch(/^linli_sid=[\w-]{20,};/);
    expect(header).toMatch(/;\s*HttpOnly/i);
    expect(header).toMatch(/;\s*Secure/i);
    expect(header).toMatch(/;\s*SameSite=Strict/i);
    expect(header).toMatch(/;\s*Path=\/(;|$)/);
    const me = await c.get('/api/auth/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username, mfa: { enabled: false, required: false, pending: false } });
    expect(me.json().bindings).toEqual([expect.objectContaining({ role: 'community_staff', unitId: tree.commA1.id })]);
    expect(me.json().permissions).toContain('unit.read');
  });

  it('matches the username case-insensitively', async () => {
    const username = await staff('Case');
    expect((await new Client(t.app).login(username.toUpperCase(), TEST_PASSWORD)).json().status).toBe('ok');
  });

  it('answers a wrong password and an unknown user alike: 401 with the same message', async () => {
    const username = await staff('wrong');
    const c = new Client(t.app);
    const wrong = await c.login(username, 'Not-the-passw0rd');
    const unknown = await c.login('nobody-here', TEST_PASSWORD);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error).toEqual({ code: 'invalid_credentials', message: '用户名或密码错误' });
    expect(wrong.headers['set-cookie']).toBeUndefined();
    c.lang = 'en';
    expect((await c.login('nobody-here', 'x')).json().error.message).toBe('Wrong username or password');
  });

  it('refuses a login body without a username or with unknown fields, naming the field', async () => {
    const c = new Client(t.app);
    const missing = await c.post('/api/auth/login', { password: 'x' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'invalid', field: 'username', message: '用户名：必填' });
    const wrongType = await c.post('/api/auth/login', { username: 42, password: 'x' });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error).toMatchObject({ field: 'username', message: '用户名：类型应为文本' });
    const extra = await c.post('/api/auth/login', { username: 'a', password: 'b', remember: true });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.field).toBe('remember');
  });

  it('opens a new session at every login, and the cookie held before the login stops working', async () => {
    const username = await staff('fixation');
    const c = await signedIn(t.app, username);
    const before = c.cookie!;
    expect((await c.login(username, TEST_PASSWORD)).statusCode).toBe(200);
    const after = c.cookie!;
    expect(after).not.toBe(before);
    expect((await c.get('/api/auth/me')).statusCode).toBe(200);
    const replay = new Client(t.app);
    replay.cookie = before;
    const res = await replay.get('/api/auth/me');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
  });

  it('a planted (unknown) cookie is not adopted: the login issues a different id', async () => {
    const username = await staff('planted');
    const c = new Client(t.app);
    c.cookie = 'linli_sid=attacker-chosen-value';
    expect((await c.get('/api/auth/me')).statusCode).toBe(401);
    await c.login(username, TEST_PASSWORD);
    expect(c.cookie).not.toBe('linli_sid=attacker-chosen-value');
    expect((await c.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('records every attempt in the audit log as auth.login: success, failure and denied', async () => {
    const username = await staff('audited');
    const c = new Client(t.app);
    await c.login(username, TEST_PASSWORD);
    await c.login(username, 'wrong-password');
    await c.login('ghost-user', 'whatever');
    await t.db.updateTable('app_user').set({ is_active: false }).where('username', '=', username).execute();
    const disabled = await c.login(username, TEST_PASSWORD);
    expect(disabled.statusCode).toBe(403);
    expect(disabled.json().error.code).toBe('disabled');
    const rows = await loginAudit(username);
    expect(rows.map((r) => [r.result, (r.detail as { reason?: string }).reason])).toEqual([
      ['success', undefined], ['failure', 'wrong_password'], ['denied', 'disabled'],
    ]);
    expect(rows.every((r) => r.actor_id !== null)).toBe(true);
    const ghost = await loginAudit('ghost-user');
    expect(ghost).toEqual([expect.objectContaining({ result: 'failure', actor_id: null, detail: { reason: 'unknown_user' } })]);
  });
});

describe('session lifetime', () => {
  it('expires after the idle timeout; activity just under it keeps the session and slides the window', async () => {
    const username = await staff('idle');
    const c = await signedIn(t.app, username);
    const idle = t.config.sessionIdleMinutes;
    expect(idle).toBe(30);
    t.clock.advanceMinutes(idle - 1);
    expect((await c.get('/api/auth/me')).statusCode).toBe(200);
    // The window now starts at the last request: another idle-1 minutes is fine again.
    t.clock.advanceMinutes(idle - 1);
    expect((await c.get('/api/auth/me')).statusCode).toBe(200);
    t.clock.advanceMinutes(idle);
    const res = await c.get('/api/auth/me');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
    // The dead session is deleted on the server, not just refused.
    expect(await t.db.selectFrom('session').select('session.id').innerJoin('app_user', 'app_user.id', 'session.user_id')
      .where('app_user.username', '=', username).execute()).toEqual([]);
  });

  it('ends at the absolute lifetime even when kept active', async () => {
    const username = await staff('absolute');
    const c = await signedIn(t.app, username);
    const lifetimeMinutes = t.config.sessionAbsoluteHours * 60;
    let elapsed = 0;
    const step = 20;
    while (elapsed + step < lifetimeMinutes) {
      t.clock.advanceMinutes(step);
      elapsed += step;
      expect((await c.get('/api/auth/me')).statusCode).toBe(200);
    }
    t.clock.advanceMinutes(lifetimeMinutes - elapsed);
    expect((await c.get('/api/auth/me')).statusCode).toBe(401);
  });

  it('logout ends the session on the server: replaying the old cookie is 401', async () => {
    const username = await staff('logout');
    const c = await signedIn(t.app, username);
    const cookie = c.cookie!;
    const res = await c.post('/api/auth/logout');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(String(res.headers['set-cookie'])).toMatch(/^linli_sid=;/);
    const replay = new Client(t.app);
    replay.cookie = cookie;
    expect((await replay.get('/api/auth/me')).statusCode).toBe(401);
    expect((await replay.get('/api/units/roots')).statusCode).toBe(401);
    const audit = await t.db.selectFrom('audit_log').select('actor_username').where('action', '=', 'auth.logout')
      .where('actor_username', '=', username).execute();
    expect(audit).toHaveLength(1);
    // Logging out without a session is harmless.
    expect((await new Client(t.app).post('/api/auth/logout')).statusCode).toBe(200);
  });
});

describe('lockout', () => {
  it('locks the account after 5 wrong passwords, even for the right one, then lets it in after the lockout', async () => {
    const username = await staff('lock');
    const c = new Client(t.app);
    expect(t.config.lockoutThreshold).toBe(5);
    for (let i = 0; i < 5; i++) expect((await c.login(username, `wrong-${i}`)).statusCode).toBe(401);
    const locked = await c.login(username, TEST_PASSWORD);
    expect(locked.statusCode).toBe(423);
    expect(locked.json().error.code).toBe('locked');
    expect(locked.json().error.message).toBe(`登录失败次数过多，账号已锁定，请 ${t.config.lockoutMinutes} 分钟后再试`);
    c.lang = 'en';
    expect((await c.login(username, TEST_PASSWORD)).json().error.message).toMatch(/try again in \d+ minutes/);
    expect(c.cookie).toBeNull();

    t.clock.advanceMinutes(t.config.lockoutMinutes - 1);
    const stillLocked = await c.login(username, TEST_PASSWORD);
    expect(stillLocked.statusCode).toBe(423);
    expect(stillLocked.json().error.message).toMatch(/in 1 minutes/);
    t.clock.advanceMinutes(1);
    const ok = await c.login(username, TEST_PASSWORD);
    expect(ok.statusCode).toBe(200);
    expect((await c.get('/api/auth/me')).statusCode).toBe(200);

    const rows = await loginAudit(username);
    expect(rows.map((r) => r.result)).toEqual([
      'failure', 'failure', 'failure', 'failure', 'failure', 'denied', 'denied', 'denied', 'success',
    ]);
    expect(rows.filter((r) => r.result === 'denied').every((r) => (r.detail as { reason: string }).reason === 'locked')).toBe(true);
  });

  it('a success resets the failure count', async () => {
    const username = await staff('reset');
    const c = new Client(t.app);
    for (let i = 0; i < 4; i++) await c.login(username, 'wrong');
    expect((await c.login(username, TEST_PASSWORD)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await c.login(username, 'wrong')).statusCode).toBe(401);
    expect((await c.login(username, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('takes its threshold and duration from the configuration', async () => {
    const t3 = await createTestApp({ LINLI_LOCKOUT_THRESHOLD: '3', LINLI_LOCKOUT_MINUTES: '15' });
    try {
      const tr = await buildTree(t3.ctx);
      await makeUser(t3.ctx, 'three', 'grid_worker', tr.gridA1g1);
      const c = new Client(t3.app);
      for (let i = 0; i < 3; i++) expect((await c.login('three', 'wrong')).statusCode).toBe(401);
      const locked = await c.login('three', TEST_PASSWORD);
      expect(locked.statusCode).toBe(423);
      expect(locked.json().error.message).toContain('15 分钟');
      t3.clock.advanceMinutes(14);
      expect((await c.login('three', TEST_PASSWORD)).statusCode).toBe(423);
      t3.clock.advanceMinutes(1);
      expect((await c.login('three', TEST_PASSWORD)).statusCode).toBe(200);
    } finally {
      await t3.close();
    }
  });
});

describe('password change', () => {
  it('401 without a session', async () => {
    const res = await new Client(t.app).post('/api/auth/password', { currentPassword: 'x', newPassword: 'y' });
    expect(res.statusCode).toBe(401);
  });

  it('applies the staff policy and names newPassword in the 400', async () => {
    const username = await staff('policy');
    const c = await signedIn(t.app, username);
    const change = (newPassword: string) => c.post('/api/auth/password', { currentPassword: TEST_PASSWORD, newPassword });
    const short = await change('Ab1!xyz');
    expect(short.statusCode).toBe(400);
    expect(short.json().error).toEqual({ code: 'invalid', field: 'newPassword', message: '新密码：密码至少 10 个字符' });
    const classes = await change('onlylowercaseletters');
    expect(classes.statusCode).toBe(400);
    expect(classes.json().error.field).toBe('newPassword');
    expect(classes.json().error.message).toContain('至少 3 类');
    const named = await change(`X1!${username}-pw`);
    expect(named.statusCode).toBe(400);
    expect(named.json().error.message).toBe('新密码：密码不能包含用户名');
    c.lang = 'en';
    const en = await change('short');
    expect(en.json().error.message).toBe('New password: The password must have at least 10 characters');
    const empty = await change('');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toMatchObject({ field: 'newPassword', message: 'New password: is required' });
  });

  it('names currentPassword when the current password is wrong, and keeps the old one', async () => {
    const username = await staff('current');
    const c = await signedIn(t.app, username);
    const res = await c.post('/api/auth/password', { currentPassword: 'not-it', newPassword: 'Brand-New-Pass-42' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({ code: 'invalid', field: 'currentPassword', message: '当前密码：当前密码不正确' });
    expect((await new Client(t.app).login(username, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('changes the password, ends the other sessions and keeps this one', async () => {
    const username = await staff('change');
    const here = await signedIn(t.app, username);
    const elsewhere = await signedIn(t.app, username);
    const res = await here.post('/api/auth/password', { currentPassword: TEST_PASSWORD, newPassword: 'Brand-New-Pass-42' });
    expect(res.statusCode).toBe(200);
    expect((await here.get('/api/auth/me')).statusCode).toBe(200);
    expect((await elsewhere.get('/api/auth/me')).statusCode).toBe(401);
    expect((await new Client(t.app).login(username, TEST_PASSWORD)).statusCode).toBe(401);
    expect((await new Client(t.app).login(username, 'Brand-New-Pass-42')).statusCode).toBe(200);
    const audit = await t.db.selectFrom('audit_log').select('result').where('action', '=', 'auth.password_change')
      .where('actor_username', '=', username).execute();
    expect(audit).toEqual([{ result: 'success' }]);
  });

  it('gives residents the lighter policy, and staff thresholds come from the configuration', async () => {
    await makeUser(t.ctx, 'resident-pw', 'resident', tree.gridA1g1);
    const r = await signedIn(t.app, 'resident-pw');
    const light = await r.post('/api/auth/password', { currentPassword: TEST_PASSWORD, newPassword: 'garden42' });
    expect(light.statusCode).toBe(200);

    const strict = await createTestApp({ LINLI_PASSWORD_MIN_LENGTH: '14', LINLI_PASSWORD_MIN_CLASSES: '4' });
    try {
      const tr = await buildTree(strict.ctx);
      await makeUser(strict.ctx, 'strict', 'street_staff', tr.streetA);
      const c = await signedIn(strict.app, 'strict');
      const res = await c.post('/api/auth/password', { currentPassword: TEST_PASSWORD, newPassword: 'Abcdefgh12345' });
      expect(res.json().error.message).toBe('新密码：密码至少 14 个字符');
      const three = await c.post('/api/auth/password', { currentPassword: TEST_PASSWORD, newPassword: 'Abcdefgh123456' });
      expect(three.json().error.message).toContain('至少 4 类');
      const ok = await c.post('/api/auth/password', { currentPassword: TEST_PASSWORD, newPassword: 'Abcdefgh12345!' });
      expect(ok.statusCode).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe('interface language', () => {
  it('stores the language and answers in it when the request names none', async () => {
    const username = await staff('locale');
    const c = await signedIn(t.app, username);
    const bad = await c.put('/api/auth/locale', { locale: 'fr' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('locale');
    expect((await c.put('/api/auth/locale', { locale: 'en' })).statusCode).toBe(200);
    expect((await c.get('/api/auth/me')).json().locale).toBe('en');
    const res = await t.app.inject({ method: 'GET', url: '/api/units/999999999', headers: { cookie: c.cookie! } });
    expect(res.json().error.message).toBe('Not found');
  });
});
