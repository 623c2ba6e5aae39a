import type { StreamedFile } from '../../core/http/download.js';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { sql, type CompiledQuery, type Expression, type SqlBool } from 'kysely';
import type { AppContext } from '../../core/context.js';
import type { Executor, Trx } from '../../core/db/index.js';
import { pathWithin, type Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import { writeAudit, type AuditContext } from '../../core/audit/audit.js';
import { AppError, invalid } from '../../core/http/errors.js';
import { translate, type Locale, type MessageKey } from '../../../shared/i18n/index.js';
import { XLSX_CONTENT_TYPE, type ResidentsExportQuery, type UnitExportQuery } from '../../../shared/registry/import.schemas.js';
import { maskIdNumber, maskPhone } from '../../../shared/validation/mask.js';
import { P } from './registry.policy.js';
import { ageOn } from './residents.present.js';
import { seesSensitive, tagsOf } from './tags.queries.js';
import { residentSheetCells, residentSheetColumns } from './import.workbook.js';

/**
 * The registry's ledgers (台账) as formatted xlsx: residents of a subtree (the import template's
 * columns, so an export can be imported again), the special-groups ledger with the responsible grid
 * workers, buildings, organisations. Streamed with exceljs's WorkbookWriter from a database cursor
 * (memory flat), ID numbers and phones masked unless the exporter may reveal them there. Every export
 * is audited — kind, filters, row count, whether full values left — before the first row is sent.
 */

/** China keeps one time zone, UTC+8: file names carry Beijing time. */
const BEIJING_OFFSET_MS = 8 * 3600_000;
const FETCH = 1000;

export function fileStamp(d: Date): string {
  return new Date(d.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
}

/** A ledger: write() audits, then writes the workbook to `out`, reading the rows through a cursor. */
export type LedgerExport = StreamedFile;

/** Wait until the consumer took what is buffered; false when it went away. */
async function drained(out: Writable): Promise<boolean> {
  if (out.destroyed) return false;
  if (!out.writableNeedDrain) return true;
  await new Promise<void>((resolve) => {
    const done = () => { out.off('drain', done); out.off('close', done); resolve(); };
    out.on('drain', done);
    out.on('close', done);
  });
  return !out.destroyed;
}

interface LedgerColumn { label: string; width: number; numFmt?: string }

interface LedgerSpec<Row> {
  kind: 'residents' | 'special_groups' | 'buildings' | 'organisations';
  file: MessageKey;
  sheet: string;
  columns: LedgerColumn[];
  filters: Record<string, string>;
  auditPath: string;
  /** Rows, and (for personal data) how many of them carry full values. */
  count(trx: Trx): Promise<{ rows: number; fullValueRows?: number }>;
  /** The SELECT the cursor walks, in ledger order. */
  query: { toOperationNode(): unknown };
  cells(trx: Trx, rows: Row[]): Promise<unknown[][]>;
}

function ledger<Row>(ctx: AppContext, actor: Actor, audit: AuditContext, locale: Locale, spec: LedgerSpec<Row>): LedgerExport {
  const stamp = fileStamp(ctx.clock.now());
  return {
    filename: `${translate(locale, spec.file)}-${stamp}.xlsx`,
    asciiFilename: `linli-${spec.kind.replace('_', '-')}-${stamp}.xlsx`,
    contentType: XLSX_CONTENT_TYPE,
    write: (out) => ctx.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(async (trx) => {
      // One snapshot for the count and the rows, so the audited count is what was sent.
      const counted = await spec.count(trx);
      await writeAudit(ctx.db, audit, {
        action: 'registry.export', resourceType: spec.kind, unitPath: spec.auditPath,
        detail: { kind: spec.kind, filters: spec.filters, ...counted },
      });
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
      workbook.creator = 'Linli 邻里';
      const sheet = workbook.addWorksheet(spec.sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
      sheet.columns = spec.columns.map((c, i) => ({ key: `c${i}`, header: c.label, width: c.width, ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}) }));
      sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: spec.columns.length } };
      const header = sheet.getRow(1);
      header.font = { bold: true };
      header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF0F0F0' } };
      header.commit();
      await sql`DECLARE ledger NO SCROLL CURSOR FOR ${spec.query}`.execute(trx);
      for (;;) {
        const { rows } = await sql<Row>`FETCH FORWARD ${sql.lit(FETCH)} FROM ledger`.execute(trx);
        if (rows.length === 0) break;
        for (const cells of await spec.cells(trx, rows)) sheet.addRow(cells).commit();
        if (!(await drained(out))) return;
      }
      sheet.commit();
      await workbook.commit();
    }),
  };
}

/** The subtree an export is cut to: a unit in the caller's export scope (404 otherwise), or everything in scope. */
async function subtreeOf(db: Executor, actor: Actor, unitId: string | undefined): Promise<string | null> {
  if (!unitId) return null;
  const u = await db.selectFrom('unit').select('path').where('id', '=', unitId).where(inScope(actor, P.export, 'unit.path')).executeTakeFirst();
  if (!u) throw new AppError(404, 'not_found', 'registry.unit_not_found', undefined, 'unitId');
  return u.path;
}

const under = (column: string, path: string | null): Expression<SqlBool> => (path ? sql<SqlBool>`${sql.ref(column)} <@ ${path}::ltree` : sql<SqlBool>`true`);

interface UnitInfo { path: string; name: string; level: string }

/** The communities, grids and micro-grids around an export's rows: above the subtree and in it. */
async function unitsNear(db: Executor, actor: Actor, root: string | null): Promise<Map<string, UnitInfo>> {
  const roots = root ? [root] : actor.scopesFor(P.export);
  if (roots.length === 0) return new Map();
  const rows = await sql<UnitInfo>`
    SELECT path::text AS path, name, level FROM unit
    WHERE level IN ('community', 'grid', 'microgrid') AND (path <@ ANY(${roots}::ltree[]) OR path @> ANY(${roots}::ltree[]))`.execute(db);
  return new Map(rows.rows.map((u) => [u.path, u]));
}

/** The unit of `level` at or above `path` (walking up the ltree labels). */
function ancestor(units: Map<string, UnitInfo>, path: string, level: string): UnitInfo | undefined {
  const labels = path.split('.');
  for (let n = labels.length; n > 0; n--) {
    const u = units.get(labels.slice(0, n).join('.'));
    if (u?.level === level) return u;
  }
  return undefined;
}

const personal = (ctx: AppContext, actor: Actor, path: string, enc: string | null, mask: (v: string) => string): string | null => {
  if (!enc) return null;
  const plain = ctx.cipher.decrypt(enc);
  return actor.can(P.reveal, path) ? plain : mask(plain);
};

const label = (locale: Locale, key: MessageKey) => translate(locale, key);

/** Run a query built on the pool inside the export's transaction (its snapshot). */
async function first<T>(trx: Trx, q: { compile(): CompiledQuery<T> }): Promise<T> {
  return (await trx.executeQuery(q.compile())).rows[0]!;
}

const countWithFull = (reveal: Expression<SqlBool>, personalData: string) => [
  sql<string>`count(*)`.as('n'),
  sql<string>`count(*) FILTER (WHERE ${reveal} AND (${sql.raw(personalData)}))`.as('full'),
];

// ---------------------------------------------------------------------------------------------
// Residents

interface ResidentLedgerRow {
  id: string; unit_path: string; name: string; gender: string | null; birth_date: string | null;
  id_number_enc: string | null; phone_enc: string | null; ethnicity: string | null; political_status: string | null;
  relation: string | null; residence_type: string; moved_in_on: string | null; status: string;
  b_name: string | null; e_name: string | null; room: string | null;
}

/** Check a tags filter (ids, comma separated) like the search does: unknown or unseeable sensitive tags are 400. */
async function tagFilter(db: Executor, actor: Actor, tags: string | undefined): Promise<{ ids: string[]; sensitive: boolean }> {
  if (!tags) return { ids: [], sensitive: false };
  const ids = [...new Set(tags.split(','))];
  const found = await db.selectFrom('care_tag').select(['id', 'sensitive']).where('id', 'in', ids).execute();
  for (const id of ids) {
    const t = found.find((f) => f.id === id);
    if (!t || (t.sensitive && !actor.can(P.sensitiveTags))) throw invalid('tags', 'registry.tag_unknown', { id });
  }
  return { ids, sensitive: found.some((t) => t.sensitive) };
}

/** The residents the caller may export under `root`, with their household, building and entrance. */
function residentsBase(db: Executor, actor: Actor, root: string | null) {
  return db.selectFrom('resident as r')
    .leftJoin('household as h', 'h.id', 'r.household_id')
    .leftJoin('building as b', 'b.id', 'h.building_id')
    .leftJoin('entrance as e', 'e.id', 'h.entrance_id')
    .where(inScope(actor, P.export, 'r.unit_path'))
    .where(under('r.unit_path', root));
}

/** Rows of a residents ledger, and how many of them carry personal data the exporter may see in full. */
async function countResidents(trx: Trx, actor: Actor, base: ReturnType<typeof residentsBase>) {
  const c = await first(trx, base.select(countWithFull(inScope(actor, P.reveal, 'r.unit_path'), 'r.id_number_enc IS NOT NULL OR r.phone_enc IS NOT NULL')));
  return { rows: Number(c.n), fullValueRows: Number(c.full) };
}

export async function exportResidents(ctx: AppContext, actor: Actor, audit: AuditContext, locale: Locale, q: ResidentsExportQuery): Promise<LedgerExport> {
  const root = await subtreeOf(ctx.db, actor, q.unitId);
  const tagged = await tagFilter(ctx.db, actor, q.tags);
  const units = await unitsNear(ctx.db, actor, root);
  let base = residentsBase(ctx.db, actor, root);
  if (q.status !== 'all') base = base.where('r.status', '=', q.status);
  for (const tagId of tagged.ids) {
    base = base.where(sql<boolean>`EXISTS (SELECT 1 FROM resident_tag rt WHERE rt.resident_id = r.id AND rt.tag_id = ${tagId}::bigint)`);
  }
  // Filtering by a sensitive tag only finds people where the caller may see that tag.
  if (tagged.sensitive) base = base.where(inScope(actor, P.sensitiveTags, 'r.unit_path'));
  const query = base.select([
    'r.id', sql<string>`r.unit_path::text`.as('unit_path'), 'r.name', 'r.gender', 'r.birth_date', 'r.id_number_enc', 'r.phone_enc',
    'r.ethnicity', 'r.political_status', 'r.relation', 'r.residence_type', 'r.moved_in_on', 'r.status',
    'b.name as b_name', 'e.name as e_name', 'h.room',
  ]).orderBy('r.unit_path').orderBy('h.building_id').orderBy('h.entrance_id').orderBy('h.room').orderBy('r.id');

  const columns: LedgerColumn[] = [
    ...residentSheetColumns(locale, { markRequired: false }).map((c) => ({ label: String(c.header), width: c.width ?? 12, ...(c.style?.numFmt ? { numFmt: c.style.numFmt } : {}) })),
    { label: label(locale, 'export.col.grid'), width: 14 },
    { label: label(locale, 'export.col.status'), width: 8 },
  ];
  return ledger<ResidentLedgerRow>(ctx, actor, audit, locale, {
    kind: 'residents',
    file: 'export.file.residents',
    // The import reads this sheet name: an export can be imported again.
    sheet: translate(locale, 'import.sheet.residents'),
    columns,
    filters: { ...(q.unitId ? { unitId: q.unitId } : {}), ...(q.tags ? { tags: q.tags } : {}), status: q.status },
    auditPath: root ?? actor.unitPath,
    count: (trx) => countResidents(trx, actor, base),
    query,
    cells: async (trx, rows) => {
      const tags = await tagsOf(trx, 'resident_tag', rows.map((r) => r.id));
      return rows.map((r) => {
        const sensitiveOk = seesSensitive(actor, r.unit_path);
        const visible = (tags.get(r.id) ?? []).filter((t) => sensitiveOk || !t.sensitive);
        const grid = ancestor(units, r.unit_path, 'grid');
        return [
          ...residentSheetCells(locale, {
            name: r.name,
            idNumber: personal(ctx, actor, r.unit_path, r.id_number_enc, maskIdNumber),
            gender: r.gender, birthDate: r.birth_date,
            phone: personal(ctx, actor, r.unit_path, r.phone_enc, maskPhone),
            ethnicity: r.ethnicity, politicalStatus: r.political_status, relation: r.relation, residenceType: r.residence_type,
            building: r.b_name, entrance: r.e_name, room: r.room, movedInOn: r.moved_in_on,
            tags: visible.map((t) => (locale === 'en' ? t.name_en : t.name_zh)),
          }),
          grid?.name ?? null,
          translate(locale, `export.status.${r.status}` as MessageKey),
        ];
      });
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Special groups (空巢、独居、高龄、残疾、低保、退役军人) with the responsible grid workers

export const SPECIAL_GROUP_TAGS = ['empty_nest', 'living_alone', 'elderly_80', 'disabled', 'low_income', 'veteran'];

interface SpecialRow {
  id: string; unit_path: string; name: string; gender: string | null; birth_date: string | null;
  id_number_enc: string | null; phone_enc: string | null; b_name: string | null; b_address: string | null; e_name: string | null; room: string | null;
}

/** Active grid workers bound at each grid and micro-grid near the export: path → names. */
async function gridWorkers(db: Executor, actor: Actor, root: string | null): Promise<Map<string, string[]>> {
  const roots = root ? [root] : actor.scopesFor(P.export);
  if (roots.length === 0) return new Map();
  const rows = await sql<{ path: string; name: string }>`
    SELECT u.path::text AS path, a.display_name AS name
    FROM role_binding rb JOIN unit u ON u.id = rb.unit_id JOIN app_user a ON a.id = rb.user_id
    WHERE rb.role = 'grid_worker' AND a.is_active AND u.level IN ('grid', 'microgrid')
      AND (u.path <@ ANY(${roots}::ltree[]) OR u.path @> ANY(${roots}::ltree[]))
    ORDER BY a.display_name, a.id`.execute(db);
  const out = new Map<string, string[]>();
  for (const r of rows.rows) out.set(r.path, [...(out.get(r.path) ?? []), r.name]);
  return out;
}

export async function exportSpecialGroups(ctx: AppContext, actor: Actor, audit: AuditContext, locale: Locale, q: UnitExportQuery): Promise<LedgerExport> {
  const root = await subtreeOf(ctx.db, actor, q.unitId);
  const units = await unitsNear(ctx.db, actor, root);
  const workers = await gridWorkers(ctx.db, actor, root);
  const today = ctx.clock.now();
  const sensitiveScope = inScope(actor, P.sensitiveTags, 'r.unit_path');
  const base = residentsBase(ctx.db, actor, root)
    .where('r.status', '=', 'active')
    // Sensitive groups (disability, low income) only where the caller may see them.
    .where(sql<boolean>`EXISTS (SELECT 1 FROM resident_tag rt JOIN care_tag t ON t.id = rt.tag_id
      WHERE rt.resident_id = r.id AND t.is_active AND t.code = ANY(${SPECIAL_GROUP_TAGS}::text[])
        AND (NOT t.sensitive OR ${sensitiveScope}))`);
  const query = base.select([
    'r.id', sql<string>`r.unit_path::text`.as('unit_path'), 'r.name', 'r.gender', 'r.birth_date', 'r.id_number_enc', 'r.phone_enc',
    'b.name as b_name', 'b.address as b_address', 'e.name as e_name', 'h.room',
  ]).orderBy('r.unit_path').orderBy('h.building_id').orderBy('h.entrance_id').orderBy('h.room').orderBy('r.id');

  const col = (key: MessageKey, width: number, numFmt?: string): LedgerColumn => ({ label: label(locale, key), width, ...(numFmt ? { numFmt } : {}) });
  return ledger<SpecialRow>(ctx, actor, audit, locale, {
    kind: 'special_groups',
    file: 'export.file.special_groups',
    sheet: translate(locale, 'export.sheet.special_groups'),
    columns: [
      col('export.col.community', 14), col('export.col.grid', 14), col('import.col.name', 12), col('import.col.gender', 7),
      col('export.col.age', 7), col('import.col.idNumber', 22, '@'), col('import.col.phone', 15, '@'), col('export.col.address', 32),
      col('export.col.categories', 22), col('export.col.gridWorkers', 20),
    ],
    filters: q.unitId ? { unitId: q.unitId } : {},
    auditPath: root ?? actor.unitPath,
    count: (trx) => countResidents(trx, actor, base),
    query,
    cells: async (trx, rows) => {
      const tags = await tagsOf(trx, 'resident_tag', rows.map((r) => r.id));
      return rows.map((r) => {
        const sensitiveOk = seesSensitive(actor, r.unit_path);
        const groups = (tags.get(r.id) ?? []).filter((t) => SPECIAL_GROUP_TAGS.includes(t.code) && (sensitiveOk || !t.sensitive));
        const names = new Set<string>();
        for (const [path, list] of workers) if (pathWithin(r.unit_path, path)) list.forEach((n) => names.add(n));
        const address = [r.b_address ?? r.b_name, r.e_name, r.room].filter(Boolean).join(' ');
        return [
          ancestor(units, r.unit_path, 'community')?.name ?? null,
          ancestor(units, r.unit_path, 'grid')?.name ?? null,
          r.name,
          r.gender ? translate(locale, `import.value.gender.${r.gender}` as MessageKey) : null,
          ageOn(r.birth_date, today),
          personal(ctx, actor, r.unit_path, r.id_number_enc, maskIdNumber),
          personal(ctx, actor, r.unit_path, r.phone_enc, maskPhone),
          address || null,
          groups.map((t) => (locale === 'en' ? t.name_en : t.name_zh)).join('、'),
          [...names].join('、') || null,
        ];
      });
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Buildings

interface BuildingLedgerRow {
  id: string; unit_path: string; name: string; address: string | null; building_type: string; floors: number | null;
  lng: number | null; lat: number | null; entrances: string; households: string; residents: string;
}

export async function exportBuildings(ctx: AppContext, actor: Actor, audit: AuditContext, locale: Locale, q: UnitExportQuery): Promise<LedgerExport> {
  const root = await subtreeOf(ctx.db, actor, q.unitId);
  const units = await unitsNear(ctx.db, actor, root);
  const base = ctx.db.selectFrom('building as b').where(inScope(actor, P.export, 'b.unit_path')).where(under('b.unit_path', root));
  const query = base.select([
    'b.id', sql<string>`b.unit_path::text`.as('unit_path'), 'b.name', 'b.address', 'b.building_type', 'b.floors', 'b.lng', 'b.lat',
    sql<string>`(SELECT count(*) FROM entrance e WHERE e.building_id = b.id)`.as('entrances'),
    sql<string>`(SELECT count(*) FROM household h WHERE h.building_id = b.id)`.as('households'),
    sql<string>`(SELECT count(*) FROM resident r JOIN household h ON h.id = r.household_id WHERE h.building_id = b.id AND r.status = 'active')`.as('residents'),
  ]).orderBy('b.unit_path').orderBy('b.name').orderBy('b.id');
  const col = (key: MessageKey, width: number): LedgerColumn => ({ label: label(locale, key), width });
  return ledger<BuildingLedgerRow>(ctx, actor, audit, locale, {
    kind: 'buildings',
    file: 'export.file.buildings',
    sheet: translate(locale, 'export.sheet.buildings'),
    columns: [
      col('export.col.community', 14), col('export.col.grid', 14), col('export.col.buildingName', 16), col('export.col.buildingAddress', 30),
      col('export.col.buildingType', 10), col('export.col.floors', 8), col('export.col.entrances', 8), col('export.col.households', 8),
      col('export.col.residents', 11), col('export.col.lng', 12), col('export.col.lat', 12),
    ],
    filters: q.unitId ? { unitId: q.unitId } : {},
    auditPath: root ?? actor.unitPath,
    count: async (trx) => ({ rows: Number((await first(trx, base.select(sql<string>`count(*)`.as('n')))).n) }),
    query,
    cells: async (_trx, rows) => rows.map((b) => [
      ancestor(units, b.unit_path, 'community')?.name ?? null,
      ancestor(units, b.unit_path, 'grid')?.name ?? null,
      b.name,
      b.address,
      translate(locale, `building.type.${b.building_type}` as MessageKey),
      b.floors,
      Number(b.entrances),
      Number(b.households),
      Number(b.residents),
      b.lng,
      b.lat,
    ]),
  });
}

// ---------------------------------------------------------------------------------------------
// Organisations

interface OrganisationLedgerRow {
  id: string; unit_path: string; unit_name: string; kind: string; name: string; uscc: string | null; contact_name: string | null;
  contact_phone_enc: string | null; address: string | null; b_name: string | null; status: string;
}

export async function exportOrganisations(ctx: AppContext, actor: Actor, audit: AuditContext, locale: Locale, q: UnitExportQuery): Promise<LedgerExport> {
  const root = await subtreeOf(ctx.db, actor, q.unitId);
  const units = await unitsNear(ctx.db, actor, root);
  const base = ctx.db.selectFrom('organisation as o')
    .innerJoin('unit as u', 'u.id', 'o.unit_id')
    .leftJoin('building as b', 'b.id', 'o.building_id')
    .where(inScope(actor, P.export, 'o.unit_path'))
    .where(under('o.unit_path', root));
  const query = base.select([
    'o.id', sql<string>`o.unit_path::text`.as('unit_path'), 'u.name as unit_name', 'o.kind', 'o.name', 'o.uscc', 'o.contact_name',
    'o.contact_phone_enc', 'o.address', 'b.name as b_name', 'o.status',
  ]).orderBy('o.unit_path').orderBy('o.status').orderBy('o.name').orderBy('o.id');
  const col = (key: MessageKey, width: number, numFmt?: string): LedgerColumn => ({ label: label(locale, key), width, ...(numFmt ? { numFmt } : {}) });
  return ledger<OrganisationLedgerRow>(ctx, actor, audit, locale, {
    kind: 'organisations',
    file: 'export.file.organisations',
    sheet: translate(locale, 'export.sheet.organisations'),
    columns: [
      col('export.col.community', 14), col('export.col.unit', 14), col('export.col.orgName', 28), col('export.col.orgKind', 10),
      col('export.col.uscc', 22, '@'), col('export.col.contactName', 10), col('export.col.contactPhone', 15, '@'),
      col('export.col.orgAddress', 30), col('export.col.orgBuilding', 12), col('export.col.orgStatus', 9),
    ],
    filters: q.unitId ? { unitId: q.unitId } : {},
    auditPath: root ?? actor.unitPath,
    count: async (trx) => {
      const c = await first(trx, base.select(countWithFull(inScope(actor, P.reveal, 'o.unit_path'), 'o.contact_phone_enc IS NOT NULL')));
      return { rows: Number(c.n), fullValueRows: Number(c.full) };
    },
    query,
    cells: async (_trx, rows) => rows.map((o) => [
      ancestor(units, o.unit_path, 'community')?.name ?? null,
      o.unit_name,
      o.name,
      translate(locale, `organisation.kind.${o.kind}` as MessageKey),
      o.uscc,
      o.contact_name,
      personal(ctx, actor, o.unit_path, o.contact_phone_enc, maskPhone),
      o.address,
      o.b_name,
      translate(locale, `organisation.status.${o.status}` as MessageKey),
    ]),
  });
}
