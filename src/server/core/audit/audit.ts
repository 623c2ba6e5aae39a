import type { Expression } from 'kysely';
import { prepared, type Executor } from '../db/index.js';

export type AuditResult = 'success' | 'failure' | 'denied';

/** Who and where a request came from, as the audit log records it. */
export interface AuditContext {
  actorId: string | null;
  actorUsername: string | null;
  ip: string | null;
}

export interface AuditEntry {
  action: string;
  resourceType?: string;
  resourceId?: string | number | null;
  /** Where in the tree the record lies: the auditor's scope is cut by it. */
  unitPath?: string | null;
  result?: AuditResult;
  /** Never personal data in clear: names of fields changed, reasons, counts. */
  detail?: Record<string, unknown>;
}

/** The audit row's insert, not yet run: `resourceId` may be an expression (a row the same statement inserts). */
export function auditInsert(db: Executor, ctx: AuditContext, entry: AuditEntry, resourceId?: Expression<string>) {
  return db
    .insertInto('audit_log')
    .values({
      actor_id: ctx.actorId,
      actor_username: ctx.actorUsername,
      ip: ctx.ip,
      action: entry.action,
      resource_type: entry.resourceType ?? null,
      resource_id: resourceId ?? (entry.resourceId == null ? null : String(entry.resourceId)),
      unit_path: entry.unitPath ?? null,
      result: entry.result ?? 'success',
      detail: JSON.stringify(entry.detail ?? {}),
    });
}

/**
 * Append one row to the audit log. Call it with the same transaction as the change it records,
 * so that the change and its audit row commit or roll back together.
 */
export async function writeAudit(db: Executor, ctx: AuditContext, entry: AuditEntry): Promise<void> {
  await auditInsert(db, ctx, entry).modifyEnd(prepared).execute();
}
