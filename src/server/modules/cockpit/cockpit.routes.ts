import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf } from '../../core/http/request-context.js';
import * as S from '../../../shared/cockpit.schemas.js';
import { P } from './cockpit.policy.js';
import { summary } from './cockpit.service.js';

export function cockpitRoutes(api: Api, ctx: AppContext): void {
  api.get('/cockpit/summary', {
    config: { permission: P.read },
    schema: {
      tags: ['cockpit'],
      summary: 'The cockpit figures of a subtree for a period of Beijing days (default: your scope, this year to date)',
      querystring: S.CockpitQuery,
      response: { 200: S.CockpitSummary },
    },
  }, async (req) => summary(ctx, actorOf(req), req.query, req.locale));
}
