import type { Config } from '../core/config.js';
import type { AppContext } from '../core/context.js';

// PLACEHOLDER — being replaced by the demo-seed work in this same session.
export interface DemoResult { summary: string; password: string; accounts: { username: string; role: string; unit: string }[] }
export async function isDatabaseEmpty(ctx: AppContext): Promise<boolean> {
  return (await ctx.db.selectFrom('unit').select('id').limit(1).execute()).length === 0;
}
export async function seedDemo(_ctx: AppContext): Promise<DemoResult | null> { return null; }
export function printDemoAccounts(_r: DemoResult): void {}
export async function readDemoAccounts(_c: Config): Promise<DemoResult | null> { return null; }
