import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/core/config.js';
import type { AppContext } from '../../src/server/core/context.js';
import { FieldCipher } from '../../src/server/core/crypto.js';
import { createDb, createPool, type Db } from '../../src/server/core/db/index.js';
import { registryFromModules } from '../../src/server/core/module.js';
import { modules } from '../../src/server/modules/index.js';
import { CAPACITIES, decide, type CaseAction, type CaseState, type Level, type Rating } from '../../src/server/modules/cases/case.machine.js';
import { stageClock } from '../../src/server/modules/cases/cases.rules.js';
import { overdueNow } from '../../src/server/modules/cases/cases.service.js';
import { checkResidentFields } from '../../src/server/modules/registry/residents.validation.js';
import { CreateResidentInput } from '../../src/shared/registry/residents.schemas.js';
import { parseIdNumber } from '../../src/shared/validation/id-number.js';
import { Client, cloneDatabase, TestClock } from '../../test/helpers/app.js';
import { scale } from './district.js';
import { generateDistrict, type GeneratedDistrict } from './generate.js';
import type { FastifyInstance } from 'fastify';

/**
 * The generator's output read back through the real app, as a district user and as grid workers:
 * residents (masked, revealed, valid by the registry's own checks, found by their ID number's blind
 * index), households, buildings, cases with their timelines in the grid worker's scope only; every
 * sampled case's timeline replayed through the case state machine; stage clocks recomputed with the
 * real calendar; and the counts the size asked for.
 */

const RESIDENTS = 1500;
const CASES_PER_RESIDENT = 2;
const NOW = new Date('2026-11-20T09:00:00+08:00');

let db: Db;
let app: FastifyInstance;
let drop: () => Promise<void>;
let district: GeneratedDistrict;

async function signIn(username: string): Promise<Client> {
  const c = new Client(app);
  const res = await c.login(username, district.password);
  if (res.statusCode !== 200 || res.json().status !== 'ok') throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  return c;
}

beforeAll(async () => {
  const clone = await cloneDatabase();
  drop = clone.drop;
  const key = crypto.randomBytes(32);
  district = await generateDistrict(clone.url, {
    residents: RESIDENTS, casesPerResident: CASES_PER_RESIDENT, years: 1, seed: 42, now: NOW, dataKey: key, scryptLogN: 10,
  });
  const config = loadConfig({ LINLI_DATA_DIR: path.join(os.tmpdir(), 'linli-test-data'), LINLI_SCRYPT_LOG_N: '10', LINLI_DEMO_SEED: 'false' });
  const pool = createPool(clone.url, 5);
  db = createDb(pool);
  const ctx: AppContext = { config, pool, db, clock: new TestClock(NOW), cipher: new FieldCipher(key), permissions: registryFromModules(modules) };
  app = await buildApp(ctx, modules, { serveWeb: false });
  await app.ready();
}, 300_000);

afterAll(async () => {
  await app?.close();
  await db?.destroy();
  await drop?.();
});

const count = async (from: string, where = 'true') =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.raw(from)} WHERE ${sql.raw(where)}`.execute(db)).rows[0]!.n);

describe('the generated district', () => {
  it('has the size asked for, and every scoped row carries its unit’s path and region', async () => {
    const size = scale(RESIDENTS);
    expect(district.counts.residents).toBe(RESIDENTS);
    expect(await count('resident')).toBe(RESIDENTS);
    expect(await count('cases')).toBe(RESIDENTS * CASES_PER_RESIDENT);
    expect(await count('unit', "level = 'street'")).toBe(size.streets);
    expect(await count('unit', "level = 'community'")).toBe(size.communities);
    expect(await count('unit', "level = 'grid' AND boundary IS NOT NULL")).toBe(size.grids);
    expect(district.streets).toHaveLength(size.streets);
    const households = await count('household');
    expect(households).toBeGreaterThan(RESIDENTS / 3.5);
    expect(households).toBeLessThan(RESIDENTS / 1.8);
    expect(district.accounts.filter((a) => a.role === 'grid_worker')).toHaveLength(size.grids);
    expect(district.accounts.filter((a) => a.role === 'community_staff')).toHaveLength(size.communities);
    expect(district.accounts.filter((a) => a.role === 'street_staff')).toHaveLength(size.streets);
    expect(district.accounts.filter((a) => a.role === 'district_staff')).toHaveLength(1);
    for (const table of ['building', 'entrance', 'household', 'resident', 'cases', 'app_user']) {
      expect(await count(`${table} t JOIN unit u ON u.id = t.unit_id`, 't.unit_path <> u.path OR t.region_code <> u.region_code'), table).toBe(0);
    }
    // Registry rows and cases hang on grids; buildings and cases lie inside their grid.
    expect(await count('resident t JOIN unit u ON u.id = t.unit_id', "u.level <> 'grid'")).toBe(0);
    expect(await count('building t JOIN unit u ON u.id = t.unit_id', 'NOT (t.lng > u.bbox[1] AND t.lng < u.bbox[3] AND t.lat > u.bbox[2] AND t.lat < u.bbox[4])')).toBe(0);
    expect(await count('cases t JOIN unit u ON u.id = t.unit_id', "u.level <> 'grid' OR NOT (t.lng > u.bbox[1] AND t.lng < u.bbox[3] AND t.lat > u.bbox[2] AND t.lat < u.bbox[4])")).toBe(0);
    expect(await count('cases c JOIN unit h ON h.id = c.handling_unit_id', "NOT (c.unit_path <@ h.path) OR h.level <> c.handling_level")).toBe(0);
    // Realistic shares: most closed, some open, rejected, merged, overdue.
    const closed = await count('cases', "state = 'closed'");
    expect(closed / (RESIDENTS * CASES_PER_RESIDENT)).toBeGreaterThan(0.8);
    expect(await count('cases', "state IN ('reported','accepted','dispatched','in_progress','handled','verified')")).toBeGreaterThan(0);
    expect(await count('cases', "state = 'rejected'")).toBeGreaterThan(0);
    expect(await count('cases', "state = 'merged'")).toBeGreaterThan(0);
    expect(await count('cases', 'was_overdue')).toBeGreaterThan(0);
    expect(await count('cases', 'rating IS NOT NULL')).toBeGreaterThan(0);
    expect(await count('resident_tag')).toBeGreaterThan(RESIDENTS / 10);
    // A tag carries its resident's place (migrations/0021), given by the generator rather than looked up.
    expect(await count('resident_tag t JOIN resident r ON r.id = t.resident_id', 't.unit_path <> r.unit_path')).toBe(0);
    // The cockpit's tally (migrations/0023), counted once after the load with its trigger off, is on again and agrees.
    expect(await count('case_tally')).toBeGreaterThan(0);
    expect(await count('((SELECT * FROM case_tally_current EXCEPT SELECT * FROM case_tally_counted) UNION ALL (SELECT * FROM case_tally_counted EXCEPT SELECT * FROM case_tally_current)) d')).toBe(0);
    expect(await count('((SELECT * FROM case_tally_source_current EXCEPT SELECT * FROM case_tally_source_counted) UNION ALL (SELECT * FROM case_tally_source_counted EXCEPT SELECT * FROM case_tally_source_current)) d')).toBe(0);
    expect(await count('pg_trigger', "tgname = 'cases_tally' AND tgenabled = 'O'")).toBe(1);
  });

  it('shows residents, households and buildings through the API, masked, to the district and in scope to a grid worker', async () => {
    const districtUser = await signIn('bench-district');
    const gridA = district.accounts.find((a) => a.username === 'bench-grid-1')!;
    const gridB = district.accounts.find((a) => a.username === 'bench-grid-2')!;
    const worker = await signIn('bench-grid-1');
    const sample = await db.selectFrom('resident').select(['id', 'household_id', 'unit_id']).where('unit_id', '=', gridA.unitId).orderBy('id').limit(12).execute();
    expect(sample.length).toBeGreaterThan(0);
    for (const r of sample) {
      const seen = await districtUser.get(`/api/residents/${r.id}`);
      expect(seen.statusCode).toBe(200);
      const view = seen.json();
      expect(view.idNumber).toMatch(/^\d{6}\*+[\dX]{4}$/);
      expect(view.grid.id).toBe(gridA.unitId);
      // The grid worker may reveal: the stored ciphertext decrypts with the FieldCipher to a valid person.
      const revealed = await worker.post(`/api/residents/${r.id}/reveal`, { fields: ['idNumber', 'phone'], reason: '核对身份信息' });
      expect(revealed.statusCode).toBe(200);
      const { idNumber, phone } = revealed.json();
      const parsed = parseIdNumber(idNumber, NOW);
      expect(parsed.ok).toBe(true);
      const input = {
        householdId: r.household_id!, name: view.name, gender: view.gender, birthDate: view.birthDate, idNumber, phone,
        relation: view.relation, residenceType: view.residenceType, politicalStatus: view.politicalStatus,
      };
      expect(CreateResidentInput.safeParse(input).success).toBe(true);
      expect(checkResidentFields(input, NOW).problems).toEqual([]);
      // Exact search by ID number goes through the blind index.
      const found = await worker.get(`/api/residents?idNumber=${idNumber}`);
      expect(found.json().items.map((x: { id: string }) => x.id)).toEqual([r.id]);
      const household = await worker.get(`/api/households/${r.household_id}`);
      expect(household.statusCode).toBe(200);
      expect(household.json().members.map((m: { id: string }) => m.id)).toContain(r.id);
      const building = await districtUser.get(`/api/buildings/${household.json().building.id}`);
      expect(building.statusCode).toBe(200);
    }
    const other = await db.selectFrom('resident').select('id').where('unit_id', '=', gridB.unitId).limit(1).executeTakeFirstOrThrow();
    expect((await worker.get(`/api/residents/${other.id}`)).statusCode).toBe(404);
    expect((await districtUser.get(`/api/residents/${other.id}`)).statusCode).toBe(200);
  });

  it('shows cases with their timelines, and a grid worker only its grid’s', async () => {
    const districtUser = await signIn('bench-district');
    const gridA = district.accounts.find((a) => a.username === 'bench-grid-1')!;
    const gridB = district.accounts.find((a) => a.username === 'bench-grid-2')!;
    const worker = await signIn('bench-grid-1');
    const list = await worker.get('/api/cases?list=all&limit=200');
    expect(list.statusCode).toBe(200);
    expect(list.json().total).toBeGreaterThan(0);
    for (const c of list.json().items) expect(c.unit.id).toBe(gridA.unitId);
    expect(list.json().total).toBe(await count('cases', `unit_id = ${Number(gridA.unitId)}`));
    const mine = await db.selectFrom('cases').select('id').where('unit_id', '=', gridA.unitId).orderBy('id').limit(5).execute();
    for (const { id } of mine) {
      const res = await worker.get(`/api/cases/${id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().timeline[0].action).toBe('report');
      expect((await districtUser.get(`/api/cases/${id}`)).statusCode).toBe(200);
    }
    const theirs = await db.selectFrom('cases').select('id').where('unit_id', '=', gridB.unitId).limit(1).executeTakeFirstOrThrow();
    expect((await worker.get(`/api/cases/${theirs.id}`)).statusCode).toBe(404);
    expect((await districtUser.get(`/api/cases/${theirs.id}`)).statusCode).toBe(200);
    const overdue = await districtUser.get('/api/cases?list=overdue&limit=5');
    expect(overdue.statusCode).toBe(200);
  });

  it('writes timelines the case state machine accepts, and stage clocks the real calendar gives', async () => {
    const cases = await db.selectFrom('cases as c').innerJoin('case_category as k', 'k.id', 'c.category_id')
      .select(['c.id', 'c.state', 'c.handling_level', 'c.urgency', 'c.source', 'c.version', 'c.stage', 'c.stage_started_at', 'c.stage_deadline',
        'c.stage_warn_at', 'c.stage_limit_unit', 'c.overdue_level', 'c.created_at', 'c.response_deadline', 'c.responded_at', 'c.reopen_count', 'c.rating',
        'k.accept_limit', 'k.handle_limit', 'k.verify_limit', 'k.urgent_handle_limit'])
      .where(({ eb }) => eb(eb.fn('mod', ['c.id', eb.val(7)]), '=', 0)).orderBy('c.id').limit(400).execute();
    expect(cases.length).toBeGreaterThan(100);
    const events = await db.selectFrom('case_event').selectAll().where('case_id', 'in', cases.map((c) => c.id)).orderBy('case_id').orderBy('occurred_at').orderBy('id').execute();
    const byCase = new Map<string, typeof events>();
    for (const e of events) byCase.set(e.case_id, [...(byCase.get(e.case_id) ?? []), e]);
    for (const c of cases) {
      const timeline = byCase.get(c.id)!;
      let state: CaseState | null = null;
      let rated = false, reopenCount = 0, own = 0;
      for (const e of timeline) {
        expect(e.from_state, `${c.id} ${e.action}`).toBe(state);
        // The overdue watch's steps and a merge recorded on the case merged into keep the state.
        if (e.action.startsWith('overdue_') || (e.action === 'merge' && e.to_state !== 'merged')) {
          expect(e.to_state).toBe(state);
          continue;
        }
        own++;
        if (e.action === 'report') { state = e.to_state; continue; }
        const detail = e.detail as { rating?: Rating };
        const decision = decide(state!, e.action as CaseAction, CAPACITIES, {
          level: c.handling_level as Level, openCoOrders: 0, rated, reopenCount, extensionPending: false, rating: detail.rating,
        });
        expect(decision, `${c.id} ${state} ${e.action}`).toEqual({ ok: true, to: e.to_state });
        if (e.action === 'rate') { if (e.to_state === 'closed') rated = true; else reopenCount++; }
        state = e.to_state;
      }
      expect(c.state).toBe(state);
      expect(c.version).toBe(own);
      expect(c.reopen_count).toBe(reopenCount);
      const limits = { accept_limit: c.accept_limit, handle_limit: c.handle_limit, verify_limit: c.verify_limit, urgent_handle_limit: c.urgent_handle_limit };
      // The stage clock on the row is what the service would have set when the stage began.
      if (c.stage) {
        const clock = stageClock(limits, c.urgency, c.stage, c.stage_started_at!);
        expect(c.stage_deadline).toEqual(clock.stage_deadline);
        expect(c.stage_warn_at).toEqual(clock.stage_warn_at);
        expect(c.stage_limit_unit).toBe(clock.stage_limit_unit);
      } else expect(c.stage_started_at).toBeNull();
      expect(c.overdue_level).toBe(overdueNow(c, NOW));
      expect(c.response_deadline).toEqual(stageClock(limits, c.urgency, 'accept', c.created_at).stage_deadline);
      const response = timeline.find((e) => e.action === 'accept' || e.action === 'reject');
      expect(c.responded_at).toEqual(response?.occurred_at ?? null);
    }
  });
});
