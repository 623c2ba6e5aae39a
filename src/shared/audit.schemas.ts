import { z } from 'zod';

export const AuditResult = z.enum(['success', 'failure', 'denied']);
export const AuditExportFormat = z.enum(['xlsx', 'csv']);

/** At most this many rows in one export. */
export const AUDIT_EXPORT_MAX_ROWS = 100_000;

/** The filters shared by the search and the export. */
const filters = {
  /** ISO date-time with a time zone, inclusive. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** ISO date-time with a time zone, inclusive. */
  to: z.iso.datetime({ offset: true }).optional(),
  /** The actor's username, exactly (case-insensitive). */
  actor: z.string().trim().min(1).max(64).optional(),
  /** An action exactly, or a prefix when it ends with '*' (e.g. 'auth.*'). */
  action: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9_.-]*\*?$/).optional(),
  result: AuditResult.optional(),
  resourceType: z.string().trim().min(1).max(50).optional(),
  resourceId: z.string().trim().min(1).max(64).optional(),
};

export const AuditSearchQuery = z.strictObject({
  ...filters,
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The nextCursor of the previous page. */
  cursor: z.string().max(200).optional(),
});
export type AuditSearchQuery = z.infer<typeof AuditSearchQuery>;

export const AuditExportQuery = z.strictObject({
  ...filters,
  format: AuditExportFormat.default('xlsx'),
});
export type AuditExportQuery = z.infer<typeof AuditExportQuery>;

export type AuditFilters = Pick<AuditSearchQuery, 'from' | 'to' | 'actor' | 'action' | 'result' | 'resourceType' | 'resourceId'>;

export const AuditEntryView = z.object({
  id: z.string(),
  occurredAt: z.string(),
  actorId: z.string().nullable(),
  actorUsername: z.string().nullable(),
  ip: z.string().nullable(),
  action: z.string(),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  unitPath: z.string().nullable(),
  result: AuditResult,
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;

export const AuditPage = z.object({ items: z.array(AuditEntryView), nextCursor: z.string().nullable() });
