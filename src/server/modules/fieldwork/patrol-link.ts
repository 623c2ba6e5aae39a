import { sql, type SqlBool } from 'kysely';
import type { Executor } from '../../core/db/index.js';
import type { Actor } from '../../core/access/actor.js';
import { inScope } from '../../core/access/scope.js';
import { invalid } from '../../core/http/errors.js';
import { P } from './fieldwork.policy.js';

/**
 * The patrol a case was found on (发现问题 during a patrol). The phone sends a patrol only when it
 * stops — offline maybe hours later — while a case found on it goes at once (or through the outbox
 * before the patrol). So a report names its patrol in one of two ways:
 *   - patrolId: a patrol already stored — the caller's own, or (staff) one in their supervision scope;
 *   - patrolKey: the Idempotency-Key the caller's phone will send (or has sent) the patrol with. When
 *     that patrol is stored already it is resolved at once; otherwise the case keeps the key and the
 *     patrol, when it arrives, claims the caller's cases reported under its key (claimCasesOfPatrol).
 * A key only ever matches the reporter's own patrols, so nobody can hang a case on another's patrol.
 * Used by the case intake (cases.service recordReport) inside its transaction; no import of the
 * cases module here, so no cycle.
 */
export async function patrolOfReport(
  db: Executor, actor: Actor, input: { patrolId?: string; patrolKey?: string },
): Promise<{ patrol_id: string | null; patrol_key: string | null }> {
  if (input.patrolId && input.patrolKey) throw invalid('patrolKey', 'fieldwork.patrol_id_or_key');
  if (input.patrolId) {
    const p = await db.selectFrom('patrol').select('id').where('id', '=', input.patrolId)
      .where(sql<SqlBool>`(patrol.worker_id = ${actor.userId}::bigint OR ${inScope(actor, P.supervise, 'patrol.unit_path')})`)
      .executeTakeFirst();
    if (!p) throw invalid('patrolId', 'fieldwork.patrol_unknown');
    return { patrol_id: p.id, patrol_key: null };
  }
  if (input.patrolKey) {
    const p = await db.selectFrom('patrol').select('id').where('worker_id', '=', actor.userId)
      .where('idempotency_key', '=', input.patrolKey).executeTakeFirst();
    return { patrol_id: p?.id ?? null, patrol_key: input.patrolKey };
  }
  return { patrol_id: null, patrol_key: null };
}

/**
 * A patrol just stored under `key`: the cases its worker reported under that key before it arrived
 * are now found on it. Inside the patrol's transaction; the cases' version is left alone (this is
 * not a step of their loop). Answers the ids claimed.
 */
export async function claimCasesOfPatrol(db: Executor, workerId: string, key: string, patrolId: string): Promise<string[]> {
  const rows = await db.updateTable('cases').set({ patrol_id: patrolId })
    .where('reporter_user_id', '=', workerId).where('patrol_key', '=', key).where('patrol_id', 'is', null)
    .returning('id').execute();
  return rows.map((r) => r.id);
}
