import { z } from 'zod';
import { Id, UnitRef } from './registry/common.schemas.js';

/**
 * 12345 hotline order import: sources (a hotline system a unit receives orders from, with the saved
 * column mapping), uploads, the mapping step, the row-by-row report and the commit.
 */

/** The fields of a hotline order, in the order the mapping step shows them. */
export const HOTLINE_FIELDS = ['orderNo', 'receivedAt', 'callerName', 'callerPhone', 'address', 'content', 'category', 'urgency', 'deadline'] as const;
export const HotlineField = z.enum(HOTLINE_FIELDS);
export type HotlineField = z.infer<typeof HotlineField>;
/** Without these columns no row can become a case. */
export const REQUIRED_FIELDS: readonly HotlineField[] = ['orderNo', 'content'];

export const HOTLINE_MAX_BYTES = 20 * 1024 * 1024;
export const HOTLINE_MAX_ROWS = 20_000;
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Content types an upload may be sent as (browsers send CSV as text/csv or application/vnd.ms-excel). */
export const HOTLINE_UPLOAD_TYPES = [XLSX_TYPE, 'text/csv', 'application/vnd.ms-excel', 'application/octet-stream'] as const;

const CategoryCode = z.string().regex(/^[a-z][a-z0-9_]{1,40}(\.[a-z][a-z0-9_]{1,40})?$/);
const Urgency = z.enum(['normal', 'urgent', 'critical']);
const Header = z.string().trim().min(1).max(200);
const Word = z.string().trim().min(1).max(100);

/** How a source's export is read: which header holds which field, its categories and urgencies. */
export const HotlineMapping = z.strictObject({
  columns: z.partialRecord(HotlineField, Header),
  /** Hotline category text → Linli category code. */
  categories: z.record(Word, CategoryCode).default({}),
  /** Where a category the table does not know goes (flagged as a warning). */
  defaultCategory: CategoryCode,
  /** Hotline urgency text → normal / urgent / critical. */
  urgencies: z.record(Word, Urgency).default({}),
});
export type HotlineMapping = z.infer<typeof HotlineMapping>;

/** A source's saved mapping as stored: empty until the first file is mapped. */
export const HotlineMappingView = z.object({
  columns: z.partialRecord(HotlineField, z.string()),
  categories: z.record(z.string(), z.string()),
  defaultCategory: z.string().nullable(),
  urgencies: z.record(z.string(), Urgency),
});
export type HotlineMappingView = z.infer<typeof HotlineMappingView>;

const Name = z.string().trim().min(1).max(100);

export const CreateSourceInput = z.strictObject({
  name: Name,
  /** The receiving district, street or community. */
  unitId: Id,
  mapping: HotlineMapping.optional(),
});
export type CreateSourceInput = z.infer<typeof CreateSourceInput>;

export const UpdateSourceInput = z.strictObject({
  name: Name.optional(),
  mapping: HotlineMapping.optional(),
  /** The version the client read (409 otherwise). */
  version: z.number().int().min(1),
});
export type UpdateSourceInput = z.infer<typeof UpdateSourceInput>;

export const SourceView = z.object({
  id: z.string(),
  name: z.string(),
  unit: UnitRef,
  mapping: HotlineMappingView,
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SourceView = z.infer<typeof SourceView>;
export const SourceList = z.object({ items: z.array(SourceView) });

export const UploadQuery = z.strictObject({ fileName: z.string().trim().min(1).max(255).optional() });
export const Accepted = z.object({ id: z.string() });

export const HOTLINE_JOB_STATUSES = ['mapping', 'validating', 'ready', 'failed', 'committing', 'committed'] as const;
export const HotlineJobStatus = z.enum(HOTLINE_JOB_STATUSES);

export const HotlineJobView = z.object({
  id: z.string(),
  source: z.object({ id: z.string(), name: z.string() }),
  unit: UnitRef,
  status: HotlineJobStatus,
  fileName: z.string(),
  fileFormat: z.enum(['xlsx', 'csv']),
  fileSize: z.number(),
  total: z.number().nullable(),
  processed: z.number(),
  /** 0–1: rows checked (validating) or written (committing) of all. */
  progress: z.number(),
  counts: z.object({
    new: z.number(),
    warning: z.number(),
    duplicate: z.number(),
    error: z.number(),
    created: z.number(),
    deadlinesUpdated: z.number(),
  }),
  /** Why the job failed, in the caller's language. */
  message: z.string().nullable(),
  createdBy: z.object({ id: z.string(), name: z.string() }),
  createdAt: z.string(),
  validatedAt: z.string().nullable(),
  committedAt: z.string().nullable(),
  abilities: z.object({ map: z.boolean(), commit: z.boolean() }),
});
export type HotlineJobView = z.infer<typeof HotlineJobView>;
export const HotlineJobList = z.object({ items: z.array(HotlineJobView) });
export const JobListQuery = z.strictObject({
  sourceId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

/** What the mapping step shows: the file's headers and first rows, values seen, a proposed mapping. */
export const MappingProposal = z.object({
  headers: z.array(z.string()),
  sampleRows: z.array(z.array(z.string())),
  /** Distinct values seen in each column (by header), at most a hundred; a column with more is left out. */
  columnValues: z.record(z.string(), z.array(z.string())),
  /** The source's saved mapping where its headers are in this file, else suggested from the header names. */
  mapping: HotlineMappingView,
  /** Fields whose column came from the saved mapping (the rest were suggested). */
  fromSource: z.array(HotlineField),
});
export type MappingProposal = z.infer<typeof MappingProposal>;

export const ValidateInput = z.strictObject({
  mapping: HotlineMapping,
  /** Keep this mapping on the source for its next files (default yes). */
  save: z.boolean().default(true),
});
export type ValidateInput = z.infer<typeof ValidateInput>;

export const HOTLINE_ROW_STATUSES = ['new', 'warning', 'duplicate', 'error'] as const;
export const HotlineRowStatus = z.enum(HOTLINE_ROW_STATUSES);

export const HotlineRowView = z.object({
  row: z.number(),
  orderNo: z.string().nullable(),
  status: HotlineRowStatus,
  messages: z.array(z.object({ field: z.string().nullable(), fieldLabel: z.string().nullable(), message: z.string() })),
  placement: z.object({
    kind: z.enum(['building', 'unit', 'source']),
    unit: z.object({ id: z.string(), name: z.string() }),
    building: z.string().nullable(),
  }).nullable(),
  /** The case created for this row, or the case the order already is. */
  case: z.object({ id: z.string(), number: z.string() }).nullable(),
});
export type HotlineRowView = z.infer<typeof HotlineRowView>;
export const HotlineRowPage = z.object({ items: z.array(HotlineRowView), total: z.number() });
export const RowsQuery = z.strictObject({
  status: HotlineRowStatus.optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
