import { z } from 'zod';
import { sql } from 'kysely';
import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf } from '../../core/http/request-context.js';
import { notFound } from '../../core/http/errors.js';
import { Boundary } from '../../../shared/hierarchy.schemas.js';
import { UnitLevel } from '../../../shared/hierarchy.schemas.js';
import { P } from './cases.policy.js';

const AreaUnit = z.object({ id: z.string(), name: z.string(), level: UnitLevel, code: z.string(), boundary: Boundary.nullable() });
const ReportArea = z.object({ focus: AreaUnit, around: z.array(AreaUnit) });

/**
 * Where the caller may report: the unit their case.report reaches (a resident's grid, a worker's grid,
 * a community) with its boundary, and the grids inside it — for the phone's "pick on the map" when the
 * location service fails. Residents cannot browse the hierarchy; this shows them only their own area.
 */
export function reportAreaRoutes(api: Api, ctx: AppContext): void {
  api.get('/cases/report-area', {
    config: { permission: P.report },
    schema: { tags: ['cases'], summary: 'The area you may report cases in, with its grids’ boundaries (for picking a point on a map)', response: { 200: ReportArea } },
  }, async (req) => {
    const actor = actorOf(req);
    const scope = actor.scopesFor(P.report)[0];
    if (!scope) throw notFound();
    const cols = ['id', 'name', 'level', 'code', 'boundary'] as const;
    const focus = await ctx.db.selectFrom('unit').select(cols).where('path', '=', scope).executeTakeFirst();
    if (!focus) throw notFound();
    const grids = focus.level === 'grid' ? [] : await ctx.db.selectFrom('unit').select(cols)
      .where(sql<boolean>`path <@ ${scope}::ltree`).where('level', '=', 'grid').where('boundary', 'is not', null)
      .orderBy('code').limit(300).execute();
    const present = (u: typeof focus) => ({ id: u.id, name: u.name, level: u.level, code: u.code, boundary: (u.boundary ?? null) as z.infer<typeof Boundary> | null });
    return { focus: present(focus), around: grids.map(present) };
  });
}
