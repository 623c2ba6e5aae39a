import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../core/config.js';
import { checkPassword, type PasswordPolicy } from '../core/auth/password.js';
import { ROLES, type Role } from '../../shared/roles.js';

/**
 * The demo accounts: one per role, each bound to a real place of the demo district; one shared
 * password; a file in the data directory (owner-only) so that `linli serve` can show them again.
 */

/** Where an account is bound: the district, a street or community by code, or a grid of a community by number. */
export type DemoPlace =
  | { level: 'district' }
  | { level: 'street' | 'community'; code: string }
  | { level: 'grid'; community: string; number: number };

export interface DemoAccountSpec {
  username: string;
  role: Role;
  displayName: string;
  place: DemoPlace;
}

const LONGYANG = '420105013000'; // 龙阳街道
const LONGHU = '420105013007'; // 龙湖东岸社区

/** The people are those of the 湖北日报 report (seed 004) where it names them. */
export const DEMO_ACCOUNTS: readonly DemoAccountSpec[] = [
  { username: 'admin', role: 'system_admin', displayName: '系统管理员', place: { level: 'district' } },
  { username: 'security', role: 'security_admin', displayName: '安全管理员', place: { level: 'district' } },
  { username: 'auditor', role: 'auditor', displayName: '审计管理员', place: { level: 'district' } },
  { username: 'district', role: 'district_staff', displayName: '区网格中心 王建国', place: { level: 'district' } },
  { username: 'street', role: 'street_staff', displayName: '龙阳街道 李红梅', place: { level: 'street', code: LONGYANG } },
  { username: 'community', role: 'community_staff', displayName: '陈念', place: { level: 'community', code: LONGHU } },
  { username: 'grid', role: 'grid_worker', displayName: '黄艳娇', place: { level: 'grid', community: LONGHU, number: 6 } },
  { username: 'grid2', role: 'grid_worker', displayName: '柳青', place: { level: 'grid', community: LONGHU, number: 2 } },
  { username: 'department', role: 'department_handler', displayName: '区城管执法局 张伟', place: { level: 'district' } },
  { username: 'partymember', role: 'party_member', displayName: '刘芳', place: { level: 'community', code: LONGHU } },
  { username: 'volunteer', role: 'volunteer', displayName: '赵磊', place: { level: 'community', code: LONGHU } },
  { username: 'resident', role: 'resident', displayName: '杨秀英', place: { level: 'grid', community: LONGHU, number: 6 } },
];

/** Role names for the console, English and Chinese. */
const ROLE_NAMES: Record<Role, [string, string]> = {
  system_admin: ['System administrator', '系统管理员'],
  security_admin: ['Security administrator', '安全管理员'],
  auditor: ['Auditor', '审计管理员'],
  district_staff: ['District staff', '区级工作人员'],
  street_staff: ['Street staff', '街道工作人员'],
  community_staff: ['Community staff', '社区工作人员'],
  grid_worker: ['Grid worker', '网格员'],
  department_handler: ['Department handler', '职能部门处置人员'],
  party_member: ['Party member', '党员'],
  volunteer: ['Volunteer', '志愿者'],
  resident: ['Resident', '居民'],
};

export const DemoAccount = z.object({
  username: z.string(),
  role: z.enum(ROLES),
  displayName: z.string(),
  /** The bound unit, named for people: "龙湖东岸社区 第六网格". */
  unit: z.string(),
  unitCode: z.string(),
  /** Whether the role must enrol a second factor at first sign-in. */
  mfa: z.boolean(),
});
export type DemoAccount = z.infer<typeof DemoAccount>;

export const DemoCounts = z.object({
  districts: z.number(), streets: z.number(), communities: z.number(), grids: z.number(), microgrids: z.number(),
  buildings: z.number(), entrances: z.number(), households: z.number(), residents: z.number(), accounts: z.number(),
  /** Absent in the accounts file of an install seeded before cases were. */
  cases: z.number().default(0),
});
export type DemoCounts = z.infer<typeof DemoCounts>;

export const DemoResult = z.object({
  summary: z.string(),
  password: z.string(),
  accounts: z.array(DemoAccount),
  counts: DemoCounts,
  /** Where the accounts were written (set when written or read). */
  file: z.string().optional(),
});
export type DemoResult = z.infer<typeof DemoResult>;

/** "7 099" — thousands grouped with a space. */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

export function summarize(c: DemoCounts): string {
  const n = (count: number, one: string, many: string) => `${grouped(count)} ${count === 1 ? one : many}`;
  return [
    n(c.districts, 'district', 'districts'), n(c.streets, 'street', 'streets'), n(c.communities, 'community', 'communities'),
    n(c.grids, 'grid', 'grids'), n(c.microgrids, 'micro-grid', 'micro-grids'), n(c.buildings, 'building', 'buildings'),
    n(c.entrances, 'entrance', 'entrances'), n(c.households, 'household', 'households'), n(c.residents, 'resident', 'residents'),
    n(c.accounts, 'account', 'accounts'), n(c.cases, 'case', 'cases'),
  ].join(', ');
}

/**
 * The demo password: LINLI_DEMO_PASSWORD when set, else a random one that passes the staff policy
 * for every demo username ("k7Qm-x2Rp-9fTz-Wc4h": easy to read out, four character classes).
 */
export function demoPassword(config: Pick<Config, 'demoPassword'>, policy: PasswordPolicy): string {
  if (config.demoPassword) return config.demoPassword;
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/l/I
  const groups = Math.max(4, Math.ceil((policy.minLength + 1) / 5));
  for (;;) {
    const password = Array.from({ length: groups }, () =>
      Array.from({ length: 4 }, () => alphabet[crypto.randomInt(alphabet.length)]).join('')).join('-');
    if (DEMO_ACCOUNTS.every((a) => checkPassword(password, a.username, policy) === null)) return password;
  }
}

export const ACCOUNTS_FILE = 'demo-accounts.json';

/** Write the accounts file, readable by its owner only. Replaces an older one whole. */
export async function writeDemoAccounts(config: Pick<Config, 'dataDir'>, result: DemoResult): Promise<string> {
  await fs.mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(config.dataDir, ACCOUNTS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const { password, accounts, summary, counts } = result;
  await fs.rm(tmp, { force: true });
  await fs.writeFile(tmp, JSON.stringify({ password, accounts, summary, counts }, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  await fs.rename(tmp, file);
  return file;
}

/** The accounts the last seed wrote, or null when there is no (readable) accounts file. */
export async function readDemoAccounts(config: Pick<Config, 'dataDir'>): Promise<DemoResult | null> {
  const file = path.join(config.dataDir, ACCOUNTS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = DemoResult.safeParse(json);
  return parsed.success ? { ...parsed.data, file } : null;
}

/** Terminal columns a string takes: CJK and full-width characters take two. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ? 2 : 1;
  }
  return w;
}
const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));

/** The demo accounts as a table on standard output (the URL is printed by `linli serve`). */
export function formatDemoAccounts(r: DemoResult): string {
  const rows = r.accounts.map((a) => {
    const [en, zh] = ROLE_NAMES[a.role];
    return [a.username + (a.mfa ? ' *' : ''), `${en} ${zh}`, a.unit, a.displayName];
  });
  const head = ['username', 'role', 'unit', 'name'];
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((row) => width(row[i]!))));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('   ');
  const mfa = r.accounts.filter((a) => a.mfa).map((a) => a.username);
  const out = [`Demo accounts (password: ${r.password})`, line(head), ...rows.map(line)];
  if (mfa.length) {
    out.push(`  * ${mfa.join(', ')}: their roles require two-factor sign-in; they enrol an authenticator app (TOTP) at the first sign-in.`);
  }
  if (r.file) out.push(`  (also in ${r.file}, readable by its owner only)`);
  return out.join('\n');
}

export function printDemoAccounts(r: DemoResult): void {
  console.log(formatDemoAccounts(r));
}
