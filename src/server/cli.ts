import { parseArgs } from 'node:util';
import { loadConfig } from './core/config.js';
import { openDatabase } from './core/database.js';

const HELP = `linli — community grid governance (邻里)

Usage: linli <command> [options]

Commands:
  serve                       Start Linli (embedded PostgreSQL unless DATABASE_URL is set);
                              seeds the demo district into an empty database
  migrate                     Apply pending database migrations and exit
  seed-demo                   Seed the demo district (汉阳区) into an empty database
  create-user                 Create an account
      --username <name> --name <display name> --unit <unit code> --role <role>
      [--password <pw>]       (asked for on standard input when left out)
  reset-password              Set a new password (and lift a lockout)
      --username <name> [--password <pw>]
  open311-partner             Register an Open311 partner reporting into a unit's area; prints its api key once
      --name <partner name> --unit <unit code>
  open311-partners            List the Open311 partners
  open311-revoke              Stop a partner's api key at once
      --id <partner id>
  help                        Show this text

Environment: PORT (3000), HOST (127.0.0.1), LINLI_DATA_DIR (./data), DATABASE_URL (embedded when unset);
see the README for the rest.`;

async function readPassword(given: string | undefined): Promise<string> {
  if (given) return given;
  if (process.stdin.isTTY) process.stderr.write('Password: ');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split('\n')[0]!.trim();
}

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      username: { type: 'string' }, name: { type: 'string' }, unit: { type: 'string' },
      role: { type: 'string' }, password: { type: 'string' }, id: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (command === 'help' || command === '--help' || command === '-h' || values.help) {
    console.log(HELP);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const { serve } = await import('./serve.js');
      await serve(config);
      return -1; // keeps running
    }
    case 'migrate': {
      const database = await openDatabase(config);
      console.log(database.migrations.applied.length
        ? `Applied ${database.migrations.applied.join(', ')}`
        : 'The schema is up to date');
      await database.close();
      return 0;
    }
    case 'seed-demo': {
      const { withContext } = await import('./serve.js');
      const { seedDemo, printDemoAccounts } = await import('./demo/seed.js');
      return withContext(config, async (ctx) => {
        const result = await seedDemo(ctx);
        if (!result) {
          console.error('The database is not empty; the demo district is seeded only into an empty one.');
          return 1;
        }
        printDemoAccounts(result);
        return 0;
      });
    }
    case 'create-user': {
      const { withContext } = await import('./serve.js');
      const { createUserFromCli } = await import('./modules/users/users.cli.js');
      if (!values.username || !values.name || !values.unit || !values.role) {
        console.error('create-user needs --username, --name, --unit (a unit code) and --role');
        return 2;
      }
      const password = await readPassword(values.password);
      return withContext(config, async (ctx) => {
        await createUserFromCli(ctx, { username: values.username!, displayName: values.name!, unitCode: values.unit!, role: values.role!, password });
        console.log(`Created ${values.username} (${values.role} at ${values.unit})`);
        return 0;
      });
    }
    case 'reset-password': {
      const { withContext } = await import('./serve.js');
      const { resetPasswordFromCli } = await import('./modules/users/users.cli.js');
      if (!values.username) {
        console.error('reset-password needs --username');
        return 2;
      }
      const password = await readPassword(values.password);
      return withContext(config, async (ctx) => {
        await resetPasswordFromCli(ctx, values.username!, password);
        console.log(`New password set for ${values.username}; any lockout is lifted and their sessions ended`);
        return 0;
      });
    }
    case 'open311-partner': {
      if (!values.name || !values.unit) {
        console.error('open311-partner needs --name and --unit (a unit code)');
        return 2;
      }
      const { withContext } = await import('./serve.js');
      const { createPartnerFromCli } = await import('./modules/open311/open311.cli.js');
      return withContext(config, async (ctx) => {
        const p = await createPartnerFromCli(ctx, values.name!, values.unit!);
        console.log(`Open311 partner ${p.partnerId} "${values.name}" reports into ${p.unitName} (${values.unit}).`);
        console.log(`api_key: ${p.apiKey}`);
        console.log('Give this key to the partner now: only its hash is kept, it cannot be shown again.');
        return 0;
      });
    }
    case 'open311-partners': {
      const { withContext } = await import('./serve.js');
      const { listPartners } = await import('./modules/open311/open311.cli.js');
      return withContext(config, async (ctx) => {
        const rows = await listPartners(ctx);
        if (rows.length === 0) console.log('No Open311 partners yet (add one with open311-partner).');
        for (const r of rows) {
          console.log(`${r.id}\t${r.is_active ? 'active ' : 'revoked'}\t${r.name}\t${r.unit_name} (${r.unit_code})\t${r.requests} requests\tsince ${r.created_at.toISOString().slice(0, 10)}`);
        }
        return 0;
      });
    }
    case 'open311-revoke': {
      if (!values.id) {
        console.error('open311-revoke needs --id (see open311-partners)');
        return 2;
      }
      const { withContext } = await import('./serve.js');
      const { revokePartner } = await import('./modules/open311/open311.cli.js');
      return withContext(config, async (ctx) => {
        const name = await revokePartner(ctx, values.id!);
        console.log(`The api key of "${name}" no longer works.`);
        return 0;
      });
    }
    default:
      console.error(`Unknown command "${command}".\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exit(code); },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
