import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, Executor } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import type { Permission } from '../../core/access/permissions.js';
import { inScope } from '../../core/access/scope.js';
import type { AuditFilters } from '../../../shared/audit.schemas.js';

/** A position in the log, newest first: (occurred_at, id) with occurred_at to the microsecond. */
export interface Keyset {
  at: string;
  id: string;
}

const columns = [
  'audit_log.id', 'audit_log.occurred_at', 'audit_log.actor_id', 'audit_log.actor_username', 'audit_log.ip',
  'audit_log.action', 'audit_log.resource_type', 'audit_log.resource_id', 'audit_log.unit_path', 'audit_log.result',
  'audit_log.detail',
] as const;
// JavaScript dates stop at milliseconds; the keyset needs PostgreSQL's microseconds.
const occurredKey = sql<string>`to_char(audit_log.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('occurred_key');

/**
 * The entries the caller may see: those whose unit lies in the scope of `permission`; those with no
 * unit (e.g. a failed sign-in with an unknown username) only when that scope starts at a root unit.
 */
function visible(eb: ExpressionBuilder<Database, 'audit_log'>, actor: Actor, permission: Permission): Expression<SqlBool> {
  const atRoot = actor.scopesFor(permission).some((path) => !path.includes('.'));
  const scoped = inScope(actor, permission, 'audit_log.unit_path');
  return atRoot ? eb.or([scoped, eb('audit_log.unit_path', 'is', null)]) : scoped;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

function conditions(
  eb: ExpressionBuilder<Database, 'audit_log'>, actor: Actor, permission: Permission, f: AuditFilters,
  bounds: { after?: Keyset; maxId?: string },
): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [visible(eb, actor, permission)];
  if (f.from) parts.push(eb('audit_log.occurred_at', '>=', new Date(f.from)));
  // Inclusive to the millisecond (the resolution of the times the API shows); the log keeps microseconds.
  if (f.to) parts.push(eb('audit_log.occurred_at', '<', new Date(Date.parse(f.to) + 1)));
  if (f.actor) parts.push(eb(sql`lower(audit_log.actor_username)`, '=', f.actor.toLowerCase()));
  if (f.action) {
    if (!f.action.endsWith('*')) parts.push(eb('audit_log.action', '=', f.action));
    else if (f.action.length > 1) parts.push(eb('audit_log.action', 'like', `${escapeLike(f.action.slice(0, -1))}%`));
  }
  if (f.result) parts.push(eb('audit_log.result', '=', f.result));
  if (f.resourceType) parts.push(eb('audit_log.resource_type', '=', f.resourceType));
  if (f.resourceId) parts.push(eb('audit_log.resource_id', '=', f.resourceId));
  if (bounds.after) {
    parts.push(sql<SqlBool>`(audit_log.occurred_at, audit_log.id) < (${bounds.after.at}::timestamptz, ${bounds.after.id}::bigint)`);
  }
  if (bounds.maxId) parts.push(eb('audit_log.id', '<=', bounds.maxId));
  return eb.and(parts);
}

/** One page of entries, newest first, after the keyset `after`; `limit + 1` rows tell whether more follow. */
export function searchAudit(db: Executor, actor: Actor, permission: Permission, f: AuditFilters, limit: number, after?: Keyset) {
  return db.selectFrom('audit_log').select(columns).select(occurredKey)
    .where((eb) => conditions(eb, actor, permission, f, { after }))
    .orderBy('audit_log.occurred_at', 'desc').orderBy('audit_log.id', 'desc')
    .limit(limit + 1)
    .execute();
}
export type AuditRow = Awaited<ReturnType<typeof searchAudit>>[number];

/** The newest id now: an export reads up to it, so rows appended meanwhile (its own audit row too) stay out. */
export async function lastAuditId(db: Executor): Promise<string> {
  const row = await db.selectFrom('audit_log').select(sql<string | null>`max(id)`.as('id')).executeTakeFirstOrThrow();
  return row.id ?? '0';
}

export async function countAudit(db: Executor, actor: Actor, permission: Permission, f: AuditFilters, maxId: string, cap: number): Promise<number> {
  // Counting stops one past the cap: "too many" needs no exact figure.
  const inner = db.selectFrom('audit_log').select('audit_log.id')
    .where((eb) => conditions(eb, actor, permission, f, { maxId })).limit(cap + 1);
  const row = await db.selectFrom(inner.as('hits')).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A batch of the export, newest first, with the name of the unit each entry lies in. */
export function exportBatch(db: Executor, actor: Actor, permission: Permission, f: AuditFilters, maxId: string, size: number, after?: Keyset) {
  return db.selectFrom('audit_log')
    .leftJoin('unit', (join) => join.on(sql<SqlBool>`unit.id = ltree2text(subpath(audit_log.unit_path, -1))::bigint`))
    .select(columns).select(occurredKey).select('unit.name as unit_name')
    .where((eb) => conditions(eb, actor, permission, f, { after, maxId }))
    .orderBy('audit_log.occurred_at', 'desc').orderBy('audit_log.id', 'desc')
    .limit(size)
    .execute();
}
export type AuditExportRow = Awaited<ReturnType<typeof exportBatch>>[number];
