import { z } from 'zod';
import { Id, UnitRef } from './common.schemas.js';
import { RESIDENT_STATUSES } from './residents.schemas.js';

/** 居民 workbook import and ledger (台账) export. */

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** The largest workbook accepted for import. */
export const IMPORT_MAX_BYTES = 50 * 1024 * 1024;
/** The most data rows one import may hold. */
export const IMPORT_MAX_ROWS = 200_000;

/**
 * The columns of the resident sheet, in order: the import template's columns and the residents
 * export's first columns (so an export can be imported again). `required` columns must be present
 * in the header; 楼栋 and 房号 may be left empty only for a person already registered.
 */
export const IMPORT_COLUMNS = [
  { key: 'name', required: true },
  { key: 'idNumber', required: true },
  { key: 'gender', required: false },
  { key: 'birthDate', required: false },
  { key: 'phone', required: false },
  { key: 'ethnicity', required: false },
  { key: 'politicalStatus', required: false },
  { key: 'relation', required: false },
  { key: 'residenceType', required: false },
  { key: 'building', required: true },
  { key: 'entrance', required: false },
  { key: 'room', required: true },
  { key: 'movedInOn', required: false },
  { key: 'tags', required: false },
] as const;
export type ImportColumnKey = (typeof IMPORT_COLUMNS)[number]['key'];

export const IMPORT_STATUSES = ['validating', 'ready', 'failed', 'committing', 'committed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const ImportUploadQuery = z.strictObject({
  /** The community, grid or micro-grid the rows belong to; buildings are looked up in its subtree. */
  unitId: Id,
  /** The name of the uploaded file, for the job list. */
  fileName: z.string().trim().min(1).max(255).optional(),
});
export type ImportUploadQuery = z.infer<typeof ImportUploadQuery>;

export const ImportAccepted = z.object({ id: z.string() });

export const ImportJobView = z.object({
  id: z.string(),
  unit: UnitRef,
  status: z.enum(IMPORT_STATUSES),
  fileName: z.string(),
  fileSha256: z.string(),
  fileSize: z.number(),
  /** Data rows in the sheet: an estimate while validating, exact afterwards (null until known). */
  total: z.number().nullable(),
  /** Rows checked (validating) or written (committing) so far. */
  processed: z.number(),
  /** 0…1: of the rows to check while validating, of the valid rows while committing. */
  progress: z.number(),
  valid: z.number(),
  errors: z.number(),
  new: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  householdsCreated: z.number(),
  /** Why the job failed, in the caller's language. */
  message: z.string().nullable(),
  createdBy: z.object({ id: z.string(), name: z.string() }),
  createdAt: z.string(),
  validatedAt: z.string().nullable(),
  committedAt: z.string().nullable(),
  abilities: z.object({ commit: z.boolean() }),
});
export type ImportJobView = z.infer<typeof ImportJobView>;

export const ImportListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const ImportJobList = z.object({ items: z.array(ImportJobView) });

export const ImportIssuesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
export const ImportIssueView = z.object({
  /** The row number as the spreadsheet shows it (the header is row 1). */
  row: z.number(),
  /** The column header in the caller's language, or null for the whole row. */
  column: z.string().nullable(),
  columnKey: z.string().nullable(),
  message: z.string(),
});
export const ImportIssueList = z.object({ items: z.array(ImportIssueView), total: z.number() });

export const EXPORT_KINDS = ['residents', 'special_groups', 'buildings', 'organisations'] as const;

export const ResidentsExportQuery = z.strictObject({
  /** Only this unit's subtree (default: everything you may export). */
  unitId: Id.optional(),
  /** One or more tag ids, comma separated: residents carrying all of them. */
  tags: z.string().regex(/^\d{1,18}(,\d{1,18})*$/).optional(),
  status: z.enum([...RESIDENT_STATUSES, 'all']).default('active'),
});
export type ResidentsExportQuery = z.infer<typeof ResidentsExportQuery>;

export const UnitExportQuery = z.strictObject({ unitId: Id.optional() });
export type UnitExportQuery = z.infer<typeof UnitExportQuery>;
