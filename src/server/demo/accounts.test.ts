import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPassword } from '../core/auth/password.js';
import { ROLES } from '../../shared/roles.js';
import { DEMO_ACCOUNTS, demoPassword, formatDemoAccounts, readDemoAccounts, summarize, writeDemoAccounts, type DemoResult } from './accounts.js';

const policy = { minLength: 10, minClasses: 3 };

describe('demo accounts', () => {
  it('has one account per role, grid workers twice', () => {
    expect(DEMO_ACCOUNTS).toHaveLength(12);
    expect(new Set(DEMO_ACCOUNTS.map((a) => a.role))).toEqual(new Set(ROLES));
    expect(new Set(DEMO_ACCOUNTS.map((a) => a.username)).size).toBe(12);
  });

  it('makes a random password that passes the staff policy, or takes the configured one', () => {
    const a = demoPassword({ demoPassword: undefined }, policy);
    const b = demoPassword({ demoPassword: undefined }, policy);
    expect(a).not.toBe(b);
    for (const acc of DEMO_ACCOUNTS) expect(checkPassword(a, acc.username, policy)).toBeNull();
    const strict = { minLength: 30, minClasses: 4 };
    const long = demoPassword({ demoPassword: undefined }, strict);
    expect(checkPassword(long, 'admin', strict)).toBeNull();
    expect(demoPassword({ demoPassword: 'Given-Passw0rd' }, policy)).toBe('Given-Passw0rd');
  });

  it('summarises the counts', () => {
    expect(summarize({ districts: 1, streets: 11, communities: 118, grids: 16, microgrids: 32, buildings: 130, entrances: 163, households: 2963, residents: 7099, accounts: 12, cases: 231 }))
      .toBe('1 district, 11 streets, 118 communities, 16 grids, 32 micro-grids, 130 buildings, 163 entrances, 2 963 households, 7 099 residents, 12 accounts, 231 cases');
  });

  it('writes the accounts file for its owner only, and reads it back', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-demo-'));
    try {
      expect(await readDemoAccounts({ dataDir })).toBeNull();
      const result: DemoResult = {
        summary: 's', password: 'pw-Secret-1',
        accounts: [{ username: 'grid', role: 'grid_worker', displayName: '黄艳娇', unit: '龙湖东岸社区 第六网格', unitCode: '420105013007006', mfa: false }],
        counts: { districts: 1, streets: 0, communities: 0, grids: 0, microgrids: 0, buildings: 0, entrances: 0, households: 0, residents: 0, accounts: 1, cases: 0 },
      };
      const file = await writeDemoAccounts({ dataDir }, result);
      await writeDemoAccounts({ dataDir }, result); // replacing works too
      expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
      expect(await readDemoAccounts({ dataDir })).toEqual({ ...result, file });
      await fs.writeFile(file, '{ not json');
      expect(await readDemoAccounts({ dataDir })).toBeNull();
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('prints a table with the password, roles in English and Chinese, and the MFA note', () => {
    const text = formatDemoAccounts({
      summary: 's', password: 'abcd-EFGH-2345-wxyz',
      accounts: [
        { username: 'admin', role: 'system_admin', displayName: '系统管理员', unit: '汉阳区', unitCode: '420105000000', mfa: true },
        { username: 'grid', role: 'grid_worker', displayName: '黄艳娇', unit: '龙湖东岸社区 第六网格', unitCode: '420105013007006', mfa: false },
      ],
      counts: { districts: 1, streets: 0, communities: 0, grids: 0, microgrids: 0, buildings: 0, entrances: 0, households: 0, residents: 0, accounts: 2, cases: 0 },
    });
    expect(text).toContain('Demo accounts (password: abcd-EFGH-2345-wxyz)');
    expect(text).toMatch(/admin \*\s+System administrator 系统管理员\s+汉阳区/);
    expect(text).toMatch(/grid\s+Grid worker 网格员\s+龙湖东岸社区 第六网格\s+黄艳娇/);
    expect(text).toContain('authenticator app');
  });
});
