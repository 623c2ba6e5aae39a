import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { Database } from '../../core/db/index.js';
import { createTestApp, signedIn, Client, type TestApp } from '../../../../test/helpers/app.js';
import { buildTree, makeUser, type Tree } from '../../../../test/helpers/factories.js';
import { tick } from '../cases/cases.watch.js';
import { assemble } from './cockpit.service.js';
import { bounds, periodsOf } from './cockpit.periods.js';
import * as Q from './cockpit.queries.js';

/**
 * A small known set of cases on 2026-11-20 (a Friday; the exposed-rubbish category: accept within
 * 2 working hours, i.e. by 11:00), stepped through the real API, plus a few rows written directly
 * (a closed case rated 不满意, one a year earlier, one the day before, one in the other street).
 */
let t: TestApp;
let tree: Tree;
let resident: Client;
let comm: Client;
let worker1: Client;
let street: Client;
let district: Client;
const ids: Record<string, string> = {};

const IN_G1 = { lng: 114.272, lat: 30.552 };
const IN_G2 = { lng: 114.277, lat: 30.552 };
const GARBAGE = 'city_appearance.exposed_garbage';

async function ok<T = any>(res: { statusCode: number; body: string; json(): any }, status = 200): Promise<T> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res.json();
}
const step = async (c: Client, id: string, action: string, body: Record<string, unknown> = {}) => ok(await c.post(`/api/cases/${id}/actions/${action}`, body));
const report = async (c: Client, body: Record<string, unknown> = {}) =>
  (await ok<{ id: string }>(await c.post('/api/cases', { categoryCode: GARBAGE, description: '小区门口垃圾堆积', ...IN_G1, ...body }), 201)).id;
const at = (beijing: string) => new Date(`${beijing}+08:00`);
async function moveClock(to: string) {
  t.clock.advance(at(to).getTime() - t.clock.now().getTime());
  await signInAll();
}
async function signInAll() {
  resident = await signedIn(t.app, 'resident1');
  comm = await signedIn(t.app, 'commA1');
  worker1 = await signedIn(t.app, 'worker1');
  street = await signedIn(t.app, 'streetA');
  district = await signedIn(t.app, 'district1');
}
async function closeLoop(id: string, rating: 'satisfied' | 'basic') {
  await step(comm, id, 'dispatch', { unitId: tree.gridA1g1.id });
  await step(worker1, id, 'claim');
  await step(worker1, id, 'feed_back', { note: '已清理' });
  await step(worker1, id, 'verify_pass');
  await step(comm, id, 'close');
  await step(resident, id, 'rate', { rating });
}
const facts = (id: string) => t.db.selectFrom('cases').select(['responded_at', 'response_deadline', 'was_overdue', 'state', 'closed_at']).where('id', '=', id).executeTakeFirstOrThrow();

/** A closed case written directly, copied from case A with the given changes. */
async function insertCase(number: string, unit: { id: string; path: string }, created: string, changes: Record<string, unknown>, db: Kysely<Database> = t.db) {
  const { id: _id, number: _n, ...a } = await db.selectFrom('cases').selectAll().where('id', '=', ids.A!).executeTakeFirstOrThrow();
  const createdAt = at(created);
  const row = await db.insertInto('cases').values({
    ...a, number, unit_id: unit.id, unit_path: unit.path, idempotency_key: null, request_hash: null,
    created_at: createdAt, updated_at: createdAt, responded_at: new Date(createdAt.getTime() + 600_000),
    response_deadline: new Date(createdAt.getTime() + 7_200_000), closed_at: new Date(createdAt.getTime() + 10 * 3600_000),
    ...changes,
  } as never).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

beforeAll(async () => {
  t = await createTestApp();
  tree = await buildTree(t.ctx);
  await makeUser(t.ctx, 'resident1', 'resident', tree.gridA1g1, { displayName: '李居民' });
  await makeUser(t.ctx, 'commA1', 'community_staff', tree.commA1);
  await makeUser(t.ctx, 'worker1', 'grid_worker', tree.gridA1g1);
  await makeUser(t.ctx, 'streetA', 'street_staff', tree.streetA);
  await makeUser(t.ctx, 'district1', 'district_staff', tree.district);
  await moveClock('2026-11-20T09:00:00');
  ids.A = await report(resident);
  ids.B = await report(resident);
  ids.C = await report(resident);
  ids.D = await report(resident);
  ids.E = await report(resident);
  ids.F = await report(comm, { ...IN_G2, source: 'patrol' });
  await moveClock('2026-11-20T09:30:00');
  await step(comm, ids.A, 'accept');
  await closeLoop(ids.A, 'satisfied'); // closed after 0.5 h, on time
  await step(comm, ids.C, 'reject', { reason: '非本辖区职责' });
  await step(comm, ids.E, 'accept');
  await step(comm, ids.D, 'merge', { targetId: ids.E });
  await moveClock('2026-11-20T12:00:00');
  await step(comm, ids.B, 'accept'); // an hour past the accept deadline
  await closeLoop(ids.B, 'basic'); // closed after 3 h, late
  await tick(t.ctx); // E (still in its accept stage) and F (never accepted) turn red
  ids.G = await insertCase('HY-20261120-9001', tree.gridA1g2, '2026-11-20T08:00:00', { rating: 'dissatisfied', rated_at: at('2026-11-20T20:00:00') });
  ids.H = await insertCase('HY-20251120-9002', tree.gridA1g1, '2025-11-20T10:00:00', { rating: 'satisfied' });
  ids.I = await insertCase('HY-20261119-9003', tree.gridA1g1, '2026-11-19T10:00:00', { rating: null, rated_at: null, was_overdue: true });
  ids.J = await insertCase('HY-20261120-9004', tree.gridB1g1, '2026-11-20T10:00:00', {});
});
afterAll(() => t.close());

const DAY = 'from=2026-11-20&to=2026-11-20';

/**
 * The figure rows of a subtree and period from bench/cockpit-reference.sql and from Q.figures, each as
 * sorted JSON lines. The mean is a sum of whole microseconds divided (Linli) or an average of hours
 * (reference), the median's hours float8 or numeric: the same numbers, not always the same last digits.
 */
async function bothFigures(path: string, from: string, to: string) {
  const text = readFileSync(new URL('../../../../bench/cockpit-reference.sql', import.meta.url), 'utf8');
  const [start, end] = bounds({ from, to });
  const ref = await t.db.executeQuery<Q.FigureRow>(CompiledQuery.raw(text, [path, start, end]));
  const p = periodsOf(from, to);
  const mine = await Q.figures(t.db, { scopesFor: () => [tree.district.path] } as never, path,
    { cur: bounds(p.current), yoy: bounds(p.yoy), mom: bounds(p.mom) });
  const norm = (rows: Q.FigureRow[]) => rows.map((r) => JSON.stringify({
    ...r, mean_close_h: r.mean_close_h === null ? null : Number(Number(r.mean_close_h).toFixed(9)),
    median_close_h: r.median_close_h === null ? null : Number(Number(r.median_close_h).toFixed(9)),
  })).sort();
  return { ref: { rows: ref.rows, normalised: norm(ref.rows) }, mine: norm(mine) };
}

describe('case facts kept by the service and the watch', () => {
  it('responded_at is the first accept or reject; the accept deadline is kept; lateness sticks', async () => {
    const a = await facts(ids.A!);
    expect(a).toMatchObject({ responded_at: at('2026-11-20T09:30:00'), response_deadline: at('2026-11-20T11:00:00'), was_overdue: false, state: 'closed' });
    const b = await facts(ids.B!);
    expect(b).toMatchObject({ responded_at: at('2026-11-20T12:00:00'), response_deadline: at('2026-11-20T11:00:00'), was_overdue: true, state: 'closed' });
    expect(await facts(ids.C!)).toMatchObject({ responded_at: at('2026-11-20T09:30:00'), was_overdue: false, state: 'rejected' });
    expect(await facts(ids.D!)).toMatchObject({ responded_at: null, state: 'merged' });
    // Accepted in time, but not dispatched by the accept stage's deadline: the watch marks it.
    expect(await facts(ids.E!)).toMatchObject({ responded_at: at('2026-11-20T09:30:00'), was_overdue: true, state: 'accepted' });
    expect(await facts(ids.F!)).toMatchObject({ responded_at: null, was_overdue: true, state: 'reported' });
  });
});

describe('GET /api/cockpit/summary', () => {
  it('401 without a session, 403 without cockpit.read', async () => {
    expect((await new Client(t.app).get(`/api/cockpit/summary?${DAY}`)).statusCode).toBe(401);
    expect((await worker1.get(`/api/cockpit/summary?${DAY}`)).statusCode).toBe(403);
  });

  it('400 naming the field in Chinese for bad dates and periods', async () => {
    const bad = await street.get('/api/cockpit/summary?from=2026-02-30&to=2026-03-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ field: 'from', message: '开始时间：须为有效日期（YYYY-MM-DD）' });
    const format = await street.get('/api/cockpit/summary?from=2026-03-01&to=20260302');
    expect(format.json().error).toMatchObject({ field: 'to' });
    expect(format.json().error.message).toMatch(/^结束时间：/);
    const order = await street.get('/api/cockpit/summary?from=2026-03-02&to=2026-03-01');
    expect(order.json().error).toMatchObject({ field: 'to', message: '结束时间：结束日期不能早于开始日期' });
    const long = await street.get('/api/cockpit/summary?from=2020-01-01&to=2026-03-01');
    expect(long.json().error).toMatchObject({ field: 'to' });
    const unit = await street.get('/api/cockpit/summary?unitId=abc');
    expect(unit.json().error).toMatchObject({ field: 'unitId' });
    const extra = await street.get('/api/cockpit/summary?color=red');
    expect(extra.statusCode).toBe(400);
    street.lang = 'en';
    expect((await street.get('/api/cockpit/summary?from=2026-02-30')).json().error.message).toBe('From: must be a real date (YYYY-MM-DD)');
    street.lang = 'zh-CN';
  });

  it('404 for a unit outside the caller’s subtree', async () => {
    expect((await comm.get(`/api/cockpit/summary?unitId=${tree.streetA.id}&${DAY}`)).statusCode).toBe(404);
    expect((await comm.get(`/api/cockpit/summary?unitId=${tree.commB1.id}&${DAY}`)).statusCode).toBe(404);
    expect((await street.get(`/api/cockpit/summary?unitId=${tree.streetB.id}&${DAY}`)).statusCode).toBe(404);
    expect((await street.get(`/api/cockpit/summary?unitId=999999&${DAY}`)).statusCode).toBe(404);
  });

  it('the exact figures of the known cases, against a year earlier and the day before', async () => {
    const s = await ok(await street.get(`/api/cockpit/summary?${DAY}`));
    expect(s.unit).toMatchObject({ id: tree.streetA.id, level: 'street' });
    expect(s.period).toEqual({ from: '2026-11-20', to: '2026-11-20' });
    expect(s.yoyPeriod).toEqual({ from: '2025-11-20', to: '2025-11-20' });
    expect(s.momPeriod).toEqual({ from: '2026-11-19', to: '2026-11-19' });
    // A, B, G closed; C rejected; D merged; E, F open. J is in the other street.
    expect(s.current).toEqual({
      total: 7, open: 2, closed: 3, rejected: 1, merged: 1,
      overdue: 3, overdueOpen: 2,
      // not merged: A B C E F G, all with a known deadline; in time: A C E G.
      responseCounted: 6, respondedOnTime: 4, responseUnknown: 0, responseRate: 4 / 6,
      resolutionRate: 3 / 5,
      rated: 3, satisfiedOrBasic: 2, satisfactionRate: 2 / 3,
      closedOnTime: 2, onTimeRate: 2 / 3,
      meanHoursToClose: 4.5, medianHoursToClose: 3,
    });
    expect(s.yoy).toMatchObject({ total: 1, closed: 1, satisfactionRate: 1, onTimeRate: 1, meanHoursToClose: 10 });
    expect(s.mom).toMatchObject({ total: 1, closed: 1, rated: 0, satisfactionRate: null, onTimeRate: 0 });
    expect(s.byCategory).toEqual([{ code: 'city_appearance', name: '市容环境', total: 7, open: 2, closed: 3, rejected: 1, merged: 1 }]);
    expect(s.bySource).toEqual([{ source: 'resident', count: 6 }, { source: 'patrol', count: 1 }]);
    expect(s.byMonth).toEqual([{ month: '2026-11', count: 7, lastYear: 1 }]);
    const grids = Object.fromEntries(s.grids.map((g: { name: string; id: string; count: number; overdue: number }) => [g.id, g]));
    expect(grids[tree.gridA1g1.id]).toMatchObject({ count: 5, overdue: 2 });
    expect(grids[tree.gridA1g2.id]).toMatchObject({ count: 2, overdue: 1 });
    expect(grids[tree.gridA1g1.id].boundary.type).toBe('Polygon');
    expect(grids[tree.gridB1g1.id]).toBeUndefined();
    expect(s.outsideGrids).toBe(0);

    // The district sees the other street's case too; the community staff's default is their community.
    expect((await ok(await district.get(`/api/cockpit/summary?${DAY}`))).current.total).toBe(8);
    const mine = await ok(await comm.get(`/api/cockpit/summary?${DAY}`));
    expect(mine.unit.id).toBe(tree.commA1.id);
    expect(mine.current.total).toBe(7);
    street.lang = 'en';
    expect((await ok(await street.get(`/api/cockpit/summary?${DAY}`))).byCategory[0].name).toBe('City appearance');
    street.lang = 'zh-CN';
  });

  it('defaults to this Beijing year to date', async () => {
    const s = await ok(await street.get('/api/cockpit/summary'));
    expect(s.period).toEqual({ from: '2026-01-01', to: '2026-11-20' });
    expect(s.current.total).toBe(8); // I (19 November) too
  });

  it('equals the hand-written reference query (bench/cockpit-reference.sql)', async () => {
    for (const [unit, from, to] of [[tree.streetA, '2026-11-20', '2026-11-20'], [tree.district, '2026-01-01', '2026-11-20'], [tree.commA1, '2026-11-01', '2026-11-30'],
      // Whole years: the previous period is the year before, read once and copied (empty, then not).
      [tree.district, '2026-01-01', '2026-12-31'], [tree.district, '2027-01-01', '2027-12-31']] as const) {
      const s = await ok(await district.get(`/api/cockpit/summary?unitId=${unit.id}&from=${from}&to=${to}`));
      const { ref, mine } = await bothFigures(unit.path, from, to);
      expect(mine).toEqual(ref.normalised);
      const expected = assemble(ref.rows, await Q.topCategories(t.db), await Q.gridsUnder(t.db, { scopesFor: () => [tree.district.path] } as never, unit.path), 'zh-CN');
      expect({ current: s.current, yoy: s.yoy, mom: s.mom, byCategory: s.byCategory, bySource: s.bySource, byMonth: s.byMonth, grids: s.grids, outsideGrids: s.outsideGrids })
        .toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });
});

describe('migrations/0016 backfill of existing rows', () => {
  it('fills from the timeline what it can know and leaves the rest unknown', async () => {
    const migration = readFileSync(new URL('../../../../migrations/0016_case_facts.sql', import.meta.url), 'utf8');
    const backfill = migration.slice(migration.indexOf('-- The first accept or reject'), migration.indexOf('-- The cockpit reads'));
    const apiCases = [ids.A!, ids.B!, ids.C!, ids.D!, ids.E!, ids.F!];
    // As the rows stood before the migration.
    await t.db.updateTable('cases').set({ responded_at: null, response_deadline: null, was_overdue: false }).where('id', 'in', apiCases).execute();
    for (const statement of backfill.split(/;\s*\n/).map((s) => s.trim()).filter((s) => s.replace(/--.*$/gm, '').trim())) {
      await t.db.executeQuery(CompiledQuery.raw(statement));
    }
    // Responses come from the timeline for all.
    expect(await facts(ids.A!)).toMatchObject({ responded_at: at('2026-11-20T09:30:00'), response_deadline: null, was_overdue: false });
    expect(await facts(ids.C!)).toMatchObject({ responded_at: at('2026-11-20T09:30:00'), response_deadline: null });
    // Still in their first accept stage: the stage's deadline; the watch's red colouring makes them overdue.
    expect(await facts(ids.E!)).toMatchObject({ response_deadline: at('2026-11-20T11:00:00'), was_overdue: true });
    expect(await facts(ids.F!)).toMatchObject({ responded_at: null, response_deadline: at('2026-11-20T11:00:00'), was_overdue: true });
    // B was accepted late between two passes of the watch: its accept deadline (working hours) cannot be
    // recomputed in SQL, so it is unknown — and its lateness with it.
    expect(await facts(ids.B!)).toMatchObject({ responded_at: at('2026-11-20T12:00:00'), response_deadline: null, was_overdue: false });
    const s = await ok(await street.get(`/api/cockpit/summary?${DAY}`));
    expect(s.current).toMatchObject({ responseUnknown: 3, responseCounted: 3, respondedOnTime: 2 }); // E and G in time, F not
  });
});

describe('migrations/0023: the tally kept by the cases\' trigger', () => {
  const MEASURES = 'n, overdue, response_counted, responded_on_time, response_unknown, closed_on_time, rated, satisfied_or_basic, overdue_open, close_us, close_n';
  /** Rows where the tally (folded and not) and the cases counted afresh disagree (a row whose cases all left it is all zeros). */
  async function disagreements() {
    const kept = sql.raw(`(SELECT * FROM case_tally_current WHERE greatest(${MEASURES.split(', ').map((m) => `abs(${m})`).join(', ')}) > 0)`);
    const keptSources = sql.raw('(SELECT * FROM case_tally_source_current WHERE n <> 0 OR overdue <> 0)');
    const { rows } = await sql<Record<string, unknown>>`
      (${kept} EXCEPT SELECT * FROM case_tally_counted) UNION ALL (SELECT * FROM case_tally_counted EXCEPT ${kept})`.execute(t.db);
    const { rows: sources } = await sql<Record<string, unknown>>`
      (${keptSources} EXCEPT SELECT * FROM case_tally_source_counted) UNION ALL (SELECT * FROM case_tally_source_counted EXCEPT ${keptSources})`.execute(t.db);
    return [...rows, ...sources];
  }

  it('holds what the cases count afresh, through the API\'s whole case loop, direct writes, moves and deletes', async () => {
    const rowsOf = async (table: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(t.db)).rows[0]!.n);
    // The API's steps appended their changes; the watch's pass (tick, in beforeAll) folded them in.
    expect(await rowsOf('case_tally')).toBeGreaterThan(3);
    expect(await disagreements()).toEqual([]);
    expect((await tick(t.ctx)).folded).toBeGreaterThan(0); // the rows written directly since
    expect(await rowsOf('case_tally_change') + await rowsOf('case_tally_source_change')).toBe(0);
    expect(await disagreements()).toEqual([]);
    const garbageTop = await t.db.selectFrom('case_category').select('parent_id').where('code', '=', GARBAGE).executeTakeFirstOrThrow();
    const other = await t.db.selectFrom('case_category').select('id').where('parent_id', 'is not', null)
      .where('parent_id', '<>', garbageTop.parent_id!).orderBy('id').executeTakeFirstOrThrow();
    // Another grid, another top-level category, another month, another source, a late rating: each its own transaction.
    await t.db.updateTable('cases').set({ unit_id: tree.gridB1g1.id, unit_path: tree.gridB1g1.path }).where('id', '=', ids.G!).execute();
    await t.db.updateTable('cases').set({ category_id: other.id }).where('id', '=', ids.H!).execute();
    await t.db.updateTable('cases').set({ created_at: at('2026-10-31T23:30:00') }).where('id', '=', ids.I!).execute();
    await t.db.updateTable('cases').set({ source: 'hotline', was_overdue: true }).where('id', '=', ids.J!).execute();
    await t.db.updateTable('cases').set({ rating: 'basic', rated_at: at('2026-11-21T08:00:00') }).where('id', '=', ids.I!).execute();
    expect(await disagreements()).toEqual([]);
    // One statement over many rows (as the overdue watch writes), then a case gone.
    await t.db.updateTable('cases').set({ overdue_level: 'red', was_overdue: true }).where('state', 'not in', ['closed', 'rejected', 'merged']).execute();
    await t.db.deleteFrom('cases').where('id', '=', ids.J!).execute();
    expect(await rowsOf('case_tally_change')).toBeGreaterThan(0);
    expect(await disagreements()).toEqual([]);
    // A rolled-back write leaves no trace.
    await t.db.transaction().execute(async (trx) => {
      await trx.updateTable('cases').set({ state: 'closed', closed_at: at('2026-11-21T09:00:00') }).where('id', '=', ids.F!).execute();
      throw new Error('rolled back');
    }).catch(() => {});
    expect(await disagreements()).toEqual([]);
    // The cockpit reads folded rows and changes alike: it equals the reference query on every
    // period shape before the watch's fold and after it.
    for (const [from, to, fold] of [['2026-10-01', '2026-11-30', false], ['2026-01-01', '2026-11-20', false], ['2025-11-15', '2026-11-21', false],
      ['2026-10-01', '2026-11-30', true], ['2025-11-15', '2026-11-21', true]] as const) {
      if (fold) await sql`SELECT case_tally_fold()`.execute(t.db);
      const { ref, mine } = await bothFigures(tree.district.path, from, to);
      expect(mine).toEqual(ref.normalised);
    }
  });

  it('two writers of one tally row do not wait for each other (changes are appended, no row is locked)', async () => {
    let firstWritten!: () => void;
    const written = new Promise<void>((resolve) => { firstWritten = resolve; });
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    const first = t.db.transaction().execute(async (trx) => {
      await insertCase('HY-20261121-9101', tree.gridA1g1, '2026-11-21T10:00:00', {}, trx);
      firstWritten();
      await released;
    });
    await written;
    // Same grid, month, category and state group, while the first is still open: a wait would time out.
    await t.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL lock_timeout = '2s'`.execute(trx);
      await insertCase('HY-20261121-9102', tree.gridA1g1, '2026-11-21T11:00:00', {}, trx);
    });
    release();
    await first;
    expect(await disagreements()).toEqual([]);
  });

  it('case_tally_rebuild() counts it afresh', async () => {
    await sql`UPDATE case_tally SET n = n + 5`.execute(t.db);
    await sql`INSERT INTO case_tally_change SELECT * FROM case_tally LIMIT 1`.execute(t.db);
    expect((await disagreements()).length).toBeGreaterThan(0);
    await sql`SELECT case_tally_rebuild()`.execute(t.db);
    expect(await disagreements()).toEqual([]);
  });
});
