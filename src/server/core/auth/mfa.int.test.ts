import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { createTestApp, signedIn, Client, TEST_PASSWORD, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';

let t: TestApp;
let tree: Tree;

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
});
afterAll(() => t.close());

/** The code an authenticator app shows for this secret at the test clock's time (not the wall clock). */
function codeAt(secret: string, at = t.clock.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at.getTime() });
}

/** A six-digit code that no authenticator would accept right now (outside the ±1 step window). */
function wrongCodeFor(secret: string): string {
  const now = t.clock.now().getTime();
  const valid = new Set([-1, 0, 1].map((d) => codeAt(secret, new Date(now + d * 30_000))));
  for (let i = 0; ; i++) {
    const candidate = String(i).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

/** Let the clock move to the next TOTP step, so that a new code is not a replay. */
function nextStep() {
  t.clock.advance(30_000);
}

let n = 0;
async function admin(): Promise<string> {
  const username = `admin${++n}`;
  await makeUser(t.ctx, username, 'system_admin', tree.district);
  return username;
}

/** Sign in, set up and confirm an authenticator; returns the signed-in client, the secret and the recovery codes. */
async function enrolled(username: string): Promise<{ c: Client; secret: string; recoveryCodes: string[] }> {
  const c = new Client(t.app);
  const login = await c.login(username, TEST_PASSWORD);
  expect(login.statusCode).toBe(200);
  const setup = await c.post('/api/auth/mfa/setup');
  expect(setup.statusCode).toBe(200);
  const { secret } = setup.json();
  const enable = await c.post('/api/auth/mfa/enable', { code: codeAt(secret) });
  expect(enable.statusCode).toBe(200);
  return { c, secret, recoveryCodes: enable.json().recoveryCodes };
}

describe('two-factor sign-in for a role that requires it', () => {
  it('makes a system admin enrol before anything else, then lets them in with a new session', async () => {
    const username = await admin();
    const c = new Client(t.app);
    const login = await c.login(username, TEST_PASSWORD);
    expect(login.statusCode).toBe(200);
    expect(login.json()).toEqual({ status: 'mfa_enrollment_required' });
    const pendingCookie = c.cookie!;
    expect(pendingCookie).toBeTruthy();

    // Until enrolled, every other /api route answers 401 mfa_required.
    for (const res of [
      await c.get('/api/units/roots'),
      await c.get(`/api/units/${tree.district.id}`),
      await c.post('/api/auth/password', { currentPassword: TEST_PASSWORD, newPassword: 'Another-Passw0rd' }),
      await c.post('/api/auth/mfa/disable', { password: TEST_PASSWORD }),
    ]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toEqual({ code: 'mfa_required', message: '请输入动态验证码' });
    }
    const me = await c.get('/api/auth/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username, bindings: [], permissions: [], mfa: { enabled: false, required: true, pending: true } });

    const setup = await c.post('/api/auth/mfa/setup');
    expect(setup.statusCode).toBe(200);
    const { secret, otpauthUri, qrDataUrl } = setup.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const uri = new URL(otpauthUri);
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Linli 邻里');
    expect(decodeURIComponent(uri.pathname)).toContain(username);
    expect(qrDataUrl).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/=]{100,}$/);
    // The secret is kept encrypted, never in clear.
    const row = await t.db.selectFrom('app_user').select(['mfa_secret_enc', 'mfa_enabled']).where('username', '=', username).executeTakeFirstOrThrow();
    expect(row.mfa_enabled).toBe(false);
    expect(row.mfa_secret_enc).not.toContain(secret);
    expect(t.ctx.cipher.decrypt(row.mfa_secret_enc!)).toBe(secret);

    const wrong = await c.post('/api/auth/mfa/enable', { code: wrongCodeFor(secret) });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toMatchObject({ code: 'mfa_invalid', field: 'mfaCode' });
    const short = await c.post('/api/auth/mfa/enable', { code: '12' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.field).toBe('code');

    const enable = await c.post('/api/auth/mfa/enable', { code: codeAt(secret) });
    expect(enable.statusCode).toBe(200);
    const { recoveryCodes } = enable.json();
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
    expect(c.cookie).toBeTruthy();
    expect(c.cookie).not.toBe(pendingCookie);

    expect((await c.get('/api/units/roots')).statusCode).toBe(200);
    const after = (await c.get('/api/auth/me')).json();
    expect(after.mfa).toEqual({ enabled: true, required: true, pending: false });
    expect(after.bindings).toEqual([expect.objectContaining({ role: 'system_admin' })]);

    // The pending session is gone.
    const old = new Client(t.app);
    old.cookie = pendingCookie;
    expect((await old.get('/api/auth/me')).statusCode).toBe(401);

    // Only hashes of the recovery codes are stored.
    const stored = await t.db.selectFrom('mfa_recovery_code').innerJoin('app_user', 'app_user.id', 'mfa_recovery_code.user_id')
      .select('code_hash').where('app_user.username', '=', username).execute();
    expect(stored).toHaveLength(10);
    expect(stored.map((s) => s.code_hash)).not.toContain(recoveryCodes[0]);
    const audit = await t.db.selectFrom('audit_log').select('action').where('action', '=', 'auth.mfa_enable')
      .where('actor_username', '=', username).execute();
    expect(audit).toHaveLength(1);

    // Enrolling again is refused.
    expect((await c.post('/api/auth/mfa/setup')).statusCode).toBe(409);
  });

  it('asks for the code at the next sign-in; a used code cannot be replayed', async () => {
    const username = await admin();
    const { secret } = await enrolled(username);
    const usedAtEnable = codeAt(secret);

    const c = new Client(t.app);
    const login = await c.login(username, TEST_PASSWORD);
    expect(login.json()).toEqual({ status: 'mfa_required' });
    expect((await c.get('/api/units/roots')).json().error.code).toBe('mfa_required');
    expect((await c.get('/api/auth/me')).json().mfa).toEqual({ enabled: true, required: true, pending: true });

    // The code that confirmed the authenticator was used once already.
    const replay = await c.post('/api/auth/mfa/verify', { code: usedAtEnable });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error).toEqual({ code: 'mfa_invalid', message: '动态验证码或恢复码不正确' });

    nextStep();
    const pendingCookie = c.cookie;
    const code = codeAt(secret);
    const ok = await c.post('/api/auth/mfa/verify', { code });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ok' });
    expect(c.cookie).not.toBe(pendingCookie);
    expect((await c.get('/api/units/roots')).statusCode).toBe(200);

    // The same code on another sign-in, still within its validity window: refused.
    const other = new Client(t.app);
    await other.login(username, TEST_PASSWORD);
    const again = await other.post('/api/auth/mfa/verify', { code });
    expect(again.statusCode).toBe(401);
    expect((await other.get('/api/units/roots')).statusCode).toBe(401);

    const audit = await t.db.selectFrom('audit_log').select(['result', 'detail']).where('action', '=', 'auth.mfa')
      .where('actor_username', '=', username).orderBy('id').execute();
    expect(audit.map((a) => a.result)).toEqual(['failure', 'success', 'failure']);
    expect(audit[1]!.detail).toEqual({ method: 'totp' });
  });

  it('accepts a recovery code once only', async () => {
    const username = await admin();
    const { recoveryCodes } = await enrolled(username);
    const c = new Client(t.app);
    await c.login(username, TEST_PASSWORD);
    const first = await c.post('/api/auth/mfa/verify', { recoveryCode: recoveryCodes[0] });
    expect(first.statusCode).toBe(200);
    expect((await c.get('/api/units/roots')).statusCode).toBe(200);

    const d = new Client(t.app);
    await d.login(username, TEST_PASSWORD);
    const reused = await d.post('/api/auth/mfa/verify', { recoveryCode: recoveryCodes[0] });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.code).toBe('mfa_invalid');
    // Another code works, typed in upper case and without dashes.
    const other = await d.post('/api/auth/mfa/verify', { recoveryCode: recoveryCodes[1]!.toUpperCase().replace(/-/g, '') });
    expect(other.statusCode).toBe(200);

    const e = new Client(t.app);
    await e.login(username, TEST_PASSWORD);
    const none = await e.post('/api/auth/mfa/verify', {});
    expect(none.statusCode).toBe(400);
    expect(none.json().error.field).toBe('mfaCode');
  });

  it('counts wrong codes toward the lockout', async () => {
    const username = await admin();
    const { secret } = await enrolled(username);
    nextStep();
    const c = new Client(t.app);
    await c.login(username, TEST_PASSWORD);
    for (let i = 0; i < t.config.lockoutThreshold; i++) {
      const res = await c.post('/api/auth/mfa/verify', { code: wrongCodeFor(secret) });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('mfa_invalid');
    }
    const locked = await c.post('/api/auth/mfa/verify', { code: codeAt(secret) });
    expect(locked.statusCode).toBe(423);
    expect(locked.json().error.message).toContain(`${t.config.lockoutMinutes} 分钟`);
    expect((await new Client(t.app).login(username, TEST_PASSWORD)).statusCode).toBe(423);

    t.clock.advanceMinutes(t.config.lockoutMinutes);
    const d = new Client(t.app);
    expect((await d.login(username, TEST_PASSWORD)).json().status).toBe('mfa_required');
    expect((await d.post('/api/auth/mfa/verify', { code: codeAt(secret) })).statusCode).toBe(200);
  });

  it('401 for verify without a session; a system admin cannot turn two-factor off (409)', async () => {
    expect((await new Client(t.app).post('/api/auth/mfa/verify', { code: '123456' })).statusCode).toBe(401);
    const username = await admin();
    const { c } = await enrolled(username);
    const res = await c.post('/api/auth/mfa/disable', { password: TEST_PASSWORD });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('mfa_required_by_role');
    c.lang = 'en';
    expect((await c.post('/api/auth/mfa/disable', { password: TEST_PASSWORD })).json().error.message)
      .toBe('Your role requires two-factor sign-in; it cannot be turned off');
    const row = await t.db.selectFrom('app_user').select('mfa_enabled').where('username', '=', username).executeTakeFirstOrThrow();
    expect(row.mfa_enabled).toBe(true);
  });
});

describe('two-factor sign-in for other staff', () => {
  it('is optional: a community secretary can turn it on and off', async () => {
    await makeUser(t.ctx, 'secretary', 'community_staff', tree.commA1);
    const c = await signedIn(t.app, 'secretary');
    expect((await c.get('/api/auth/me')).json().mfa).toEqual({ enabled: false, required: false, pending: false });
    const cookie = c.cookie;
    const { secret } = (await c.post('/api/auth/mfa/setup')).json();
    const enable = await c.post('/api/auth/mfa/enable', { code: codeAt(secret) });
    expect(enable.statusCode).toBe(200);
    expect(enable.json().recoveryCodes).toHaveLength(10);
    // A complete session stays as it is.
    expect(enable.headers['set-cookie']).toBeUndefined();
    expect(c.cookie).toBe(cookie);
    expect((await c.get('/api/auth/me')).json().mfa).toEqual({ enabled: true, required: false, pending: false });

    const d = new Client(t.app);
    expect((await d.login('secretary', TEST_PASSWORD)).json().status).toBe('mfa_required');
    nextStep();
    expect((await d.post('/api/auth/mfa/verify', { code: codeAt(secret) })).statusCode).toBe(200);

    const wrong = await d.post('/api/auth/mfa/disable', { password: 'not-my-password' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toMatchObject({ field: 'password', message: '密码：当前密码不正确' });
    const off = await d.post('/api/auth/mfa/disable', { password: TEST_PASSWORD });
    expect(off.statusCode).toBe(200);
    expect((await d.get('/api/auth/me')).json().mfa.enabled).toBe(false);
    expect((await new Client(t.app).login('secretary', TEST_PASSWORD)).json().status).toBe('ok');
    const rows = await t.db.selectFrom('mfa_recovery_code').innerJoin('app_user', 'app_user.id', 'mfa_recovery_code.user_id')
      .select('code_hash').where('app_user.username', '=', 'secretary').execute();
    expect(rows).toEqual([]);
    const audit = await t.db.selectFrom('audit_log').select('action').where('actor_username', '=', 'secretary')
      .where('action', 'in', ['auth.mfa_enable', 'auth.mfa_disable']).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['auth.mfa_enable', 'auth.mfa_disable']);
  });

  it('the roles that require it come from the configuration', async () => {
    const t2 = await createTestApp({ LINLI_MFA_REQUIRED_ROLES: 'grid_worker' });
    try {
      const tr = await buildTree(t2.ctx);
      await makeUser(t2.ctx, 'worker', 'grid_worker', tr.gridA1g1);
      await makeUser(t2.ctx, 'sysadmin', 'system_admin', tr.district);
      expect((await new Client(t2.app).login('worker', TEST_PASSWORD)).json().status).toBe('mfa_enrollment_required');
      expect((await new Client(t2.app).login('sysadmin', TEST_PASSWORD)).json().status).toBe('ok');
    } finally {
      await t2.close();
    }
  });
});
