import ExcelJS from 'exceljs';
import { sql, type SqlBool } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { pathWithin, type Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, invalid } from '../../core/http/errors.js';
import type { StreamedFile } from '../../core/http/download.js';
import type { UnitLevel } from '../../core/db/index.js';
import { translate, type Locale, type MessageKey } from '../../../shared/i18n/index.js';
import { XLSX_CONTENT_TYPE } from '../../../shared/registry/import.schemas.js';
import type * as S from '../../../shared/fieldwork.schemas.js';
import { fileStamp } from '../registry/export.service.js';
import { P } from './fieldwork.policy.js';
import * as Q from './fieldwork.queries.js';
import { dailyQuota, daysBetween, expectedVisits } from './visit-rules.js';
import { householdStatuses, periodBounds, today } from './fieldwork.service.js';
import { presentDiary, presentPatrol, presentVisit } from './fieldwork.present.js';
import { photosOf } from '../cases/attachments.service.js';

/**
 * Supervision (履职考核): for a subtree and a period, per grid worker and per grid — visits made
 * against the visits the rules expect, special households overdue, days the daily quota was met,
 * patrols (count, hours clipped to the period, distance), cases reported on patrol, diary entries.
 * Every figure is counted from the recorded rows, so it can be checked against them.
 */

const MAX_DAYS = 366;

interface Work {
  visits: { visitor_id: string; unit_path: string; day: string; household_id: string }[];
  patrols: { worker_id: string; unit_path: string; seconds: number; distance_m: number }[];
  cases: { reporter_user_id: string; unit_path: string }[];
  diary: { author_id: string; unit_path: string }[];
}

async function workIn(ctx: AppContext, path: string, start: Date, end: Date): Promise<Work> {
  const [visits, patrols, cases, diary] = await Promise.all([
    sql<Work['visits'][number]>`
      SELECT visitor_id::text AS visitor_id, unit_path::text AS unit_path, household_id::text AS household_id,
        to_char(occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day
      FROM visit WHERE unit_path <@ ${path}::ltree AND occurred_at >= ${start} AND occurred_at < ${end}`.execute(ctx.db),
    sql<Work['patrols'][number]>`
      SELECT worker_id::text AS worker_id, unit_path::text AS unit_path, distance_m,
        extract(epoch FROM least(ended_at, ${end}::timestamptz) - greatest(started_at, ${start}::timestamptz))::float8 AS seconds
      FROM patrol WHERE unit_path <@ ${path}::ltree AND started_at < ${end} AND ended_at > ${start}`.execute(ctx.db),
    sql<Work['cases'][number]>`
      SELECT reporter_user_id::text AS reporter_user_id, unit_path::text AS unit_path
      FROM cases WHERE (source = 'patrol' OR patrol_id IS NOT NULL) AND unit_path <@ ${path}::ltree AND created_at >= ${start} AND created_at < ${end}`.execute(ctx.db),
    sql<Work['diary'][number]>`
      SELECT author_id::text AS author_id, unit_path::text AS unit_path
      FROM diary_entry WHERE unit_path <@ ${path}::ltree AND occurred_at >= ${start} AND occurred_at < ${end}`.execute(ctx.db),
  ]);
  return { visits: visits.rows, patrols: patrols.rows, cases: cases.rows, diary: diary.rows };
}

function figures(
  work: Work, households: Awaited<ReturnType<typeof householdStatuses>>['households'], rules: Q.RuleRow[],
  days: number, quota: number | null, quotaTimes: number,
): S.ComplianceFigures {
  const perDay = new Map<string, number>();
  for (const v of work.visits) perDay.set(v.day, (perDay.get(v.day) ?? 0) + 1);
  const needed = quota === null ? null : quota * quotaTimes;
  return {
    households: households.length,
    specialHouseholds: households.filter((h) => h.status.special).length,
    visitsDone: work.visits.length,
    householdsVisited: new Set(work.visits.map((v) => v.household_id)).size,
    visitsDue: expectedVisits(households.map((h) => ({ unitPath: h.unit_path, tags: h.tagCodes })), rules, days),
    overdueSpecial: households.filter((h) => h.status.special && h.status.state === 'overdue').length,
    quotaDaysMet: needed === null ? 0 : [...perDay.values()].filter((n) => n >= needed).length,
    days,
    patrols: work.patrols.length,
    patrolHours: Math.round(work.patrols.reduce((s, p) => s + p.seconds, 0) / 36) / 100,
    patrolDistanceM: work.patrols.reduce((s, p) => s + p.distance_m, 0),
    casesFound: work.cases.length,
    diaryEntries: work.diary.length,
  };
}

export async function compliance(ctx: AppContext, actor: Actor, q: S.ComplianceQuery): Promise<S.ComplianceView> {
  if (q.to < q.from) throw invalid('to', 'fieldwork.period_order');
  if (daysBetween(q.from, q.to) + 1 > MAX_DAYS) throw invalid('to', 'fieldwork.period_too_long', { days: MAX_DAYS });
  const unit = await Q.unitInScope(ctx.db, actor, q.unitId, [P.supervise]);
  if (!unit) throw new AppError(404, 'not_found', 'fieldwork.unit_not_found', undefined, 'unitId');
  const now = ctx.clock.now();
  const [start, end] = periodBounds(q.from, q.to);
  const lastDay = q.to < today(ctx) ? q.to : today(ctx);
  const days = lastDay < q.from ? 0 : daysBetween(q.from, lastDay) + 1;
  // Overdue is judged at the period's end (or now, if that is still to come).
  const asOf = end < now ? new Date(end.getTime() - 1) : now;

  const [{ households, rules }, work, grids, workers] = await Promise.all([
    householdStatuses(ctx.db, actor, { path: unit.path, permission: P.supervise, now: asOf, before: asOf }),
    workIn(ctx, unit.path, start, end),
    ctx.db.selectFrom('unit').select(['id', 'name', 'level', 'code', 'path']).where('level', '=', 'grid')
      .where(sql<SqlBool>`(path <@ ${unit.path}::ltree OR path @> ${unit.path}::ltree)`).orderBy('code').execute(),
    ctx.db.selectFrom('role_binding as rb').innerJoin('app_user as u', 'u.id', 'rb.user_id').innerJoin('unit as g', 'g.id', 'rb.unit_id')
      .select(['u.id', 'u.display_name', 'g.id as grid_id', 'g.name as grid_name', 'g.level as grid_level', 'g.code as grid_code', 'g.path as grid_path'])
      .where('rb.role', '=', 'grid_worker').where('u.is_active', '=', true)
      .where(sql<SqlBool>`g.path <@ ${unit.path}::ltree`).where(inScope(actor, P.supervise, 'g.path'))
      .orderBy('g.code').orderBy('u.display_name').orderBy('u.id').execute(),
  ]);
  const under = (path: string) => <T extends { unit_path: string }>(rows: T[]) => rows.filter((r) => pathWithin(r.unit_path, path));
  return {
    unit: { id: unit.id, name: unit.name, level: unit.level as UnitLevel, code: unit.code },
    from: q.from,
    to: q.to,
    quota: dailyQuota(unit.path, rules),
    workers: workers.map((w) => {
      const mine: Work = {
        visits: work.visits.filter((v) => v.visitor_id === w.id),
        patrols: work.patrols.filter((p) => p.worker_id === w.id),
        cases: work.cases.filter((c) => c.reporter_user_id === w.id),
        diary: work.diary.filter((d) => d.author_id === w.id),
      };
      return {
        id: w.id, name: w.display_name,
        grid: { id: w.grid_id, name: w.grid_name, level: w.grid_level as UnitLevel, code: w.grid_code },
        figures: figures(mine, under(w.grid_path)(households), rules, days, dailyQuota(w.grid_path, rules), 1),
      };
    }),
    grids: grids.map((g) => {
      const inGrid = under(g.path);
      const count = workers.filter((w) => w.grid_path === g.path || pathWithin(w.grid_path, g.path)).length;
      const gridWork: Work = { visits: inGrid(work.visits), patrols: inGrid(work.patrols), cases: inGrid(work.cases), diary: inGrid(work.diary) };
      return {
        grid: { id: g.id, name: g.name, level: g.level as UnitLevel, code: g.code },
        workers: count,
        figures: figures(gridWork, inGrid(households), rules, days, dailyQuota(g.path, rules), Math.max(1, count)),
      };
    }),
  };
}

/** A grid worker's day, for their supervisor (or themself): visits, patrols, diary, cases reported. */
export async function workerDay(ctx: AppContext, actor: Actor, userId: string, date: string): Promise<S.WorkerDayViewT> {
  const user = await ctx.db.selectFrom('app_user').select(['id', 'display_name', 'unit_path']).where('id', '=', userId).executeTakeFirst();
  if (!user || (user.id !== actor.userId && !actor.can(P.supervise, user.unit_path))) {
    throw new AppError(404, 'not_found', 'fieldwork.worker_not_found', undefined, 'userId');
  }
  const [start, end] = periodBounds(date, date);
  const [visits, patrols, diary, cases] = await Promise.all([
    Q.listVisits(ctx.db, actor, { visitorId: userId, from: start, to: end, limit: 500, offset: 0 }),
    Q.listPatrols(ctx.db, actor, { workerId: userId, from: start, to: end, limit: 500, offset: 0 }),
    Q.listDiary(ctx.db, actor, { authorId: userId, from: start, to: end, limit: 500, offset: 0 }),
    ctx.db.selectFrom('cases').select(['id', 'number', 'description', 'state', 'created_at'])
      .where('reporter_user_id', '=', userId).where('created_at', '>=', start).where('created_at', '<', end)
      .where(inScope(actor, 'case.read', 'cases.unit_path')).orderBy('created_at').execute(),
  ]);
  const [patrolPhotos, diaryPhotos] = await Promise.all([
    photosOf(ctx.db, 'patrol', patrols.rows.map((p) => p.id)),
    photosOf(ctx.db, 'diary_entry', diary.rows.map((d) => d.id)),
  ]);
  return {
    worker: { id: user.id, name: user.display_name },
    date,
    visits: visits.rows.map(presentVisit).reverse(),
    patrols: patrols.rows.map((p) => presentPatrol(p, patrolPhotos)).reverse(),
    diary: diary.rows.map((d) => presentDiary(d, diaryPhotos)).reverse(),
    cases: cases.map((c) => ({ id: c.id, number: c.number, description: c.description, state: c.state, createdAt: c.created_at.toISOString() })),
  };
}

const COLUMNS: [MessageKey, (f: S.ComplianceFigures) => number][] = [
  ['fieldwork.export.households', (f) => f.households],
  ['fieldwork.export.special_households', (f) => f.specialHouseholds],
  ['fieldwork.export.visits_done', (f) => f.visitsDone],
  ['fieldwork.export.households_visited', (f) => f.householdsVisited],
  ['fieldwork.export.visits_due', (f) => f.visitsDue],
  ['fieldwork.export.overdue_special', (f) => f.overdueSpecial],
  ['fieldwork.export.quota_days', (f) => f.quotaDaysMet],
  ['fieldwork.export.days', (f) => f.days],
  ['fieldwork.export.patrols', (f) => f.patrols],
  ['fieldwork.export.patrol_hours', (f) => f.patrolHours],
  ['fieldwork.export.patrol_km', (f) => Math.round(f.patrolDistanceM / 10) / 100],
  ['fieldwork.export.cases_found', (f) => f.casesFound],
  ['fieldwork.export.diary_entries', (f) => f.diaryEntries],
];

/** The compliance figures as xlsx (one sheet per worker, one per grid), streamed; audited before it is sent. */
export async function exportCompliance(ctx: AppContext, actor: Actor, audit: AuditContext, locale: Locale, q: S.ComplianceQuery): Promise<StreamedFile> {
  const view = await compliance(ctx, actor, q);
  const unit = await Q.unitInScope(ctx.db, actor, q.unitId, [P.supervise]);
  const stamp = fileStamp(ctx.clock.now());
  const t = (k: MessageKey) => translate(locale, k);
  return {
    filename: `${t('fieldwork.export.file')}-${view.unit.name}-${q.from}-${q.to}-${stamp}.xlsx`,
    asciiFilename: `linli-fieldwork-compliance-${q.from}-${q.to}-${stamp}.xlsx`,
    contentType: XLSX_CONTENT_TYPE,
    write: async (out) => {
      await writeAudit(ctx.db, audit, {
        action: 'fieldwork.export', resourceType: 'unit', resourceId: view.unit.id, unitPath: unit!.path,
        detail: { from: q.from, to: q.to, workers: view.workers.length, grids: view.grids.length },
      });
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
      workbook.creator = 'Linli 邻里';
      const sheet = (name: MessageKey, first: MessageKey[], rows: [unknown[], S.ComplianceFigures][]) => {
        const ws = workbook.addWorksheet(t(name), { views: [{ state: 'frozen', ySplit: 1 }] });
        ws.columns = [...first.map(() => ({ width: 22 })), ...COLUMNS.map(() => ({ width: 14 }))];
        const header = ws.addRow([...first.map(t), ...COLUMNS.map(([k]) => t(k))]);
        header.font = { bold: true };
        header.commit();
        for (const [lead, f] of rows) ws.addRow([...lead, ...COLUMNS.map(([, get]) => get(f))]).commit();
        ws.commit();
      };
      sheet('fieldwork.export.sheet_workers', ['fieldwork.export.grid', 'fieldwork.export.worker'], view.workers.map((w) => [[w.grid.name, w.name], w.figures]));
      sheet('fieldwork.export.sheet_grids', ['fieldwork.export.grid', 'fieldwork.export.workers'], view.grids.map((g) => [[g.grid.name, g.workers], g.figures]));
      await workbook.commit();
    },
  };
}
