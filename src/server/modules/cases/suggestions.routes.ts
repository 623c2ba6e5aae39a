import type { Api } from '../../core/module.js';
import type { AppContext } from '../../core/context.js';
import { actorOf } from '../../core/http/request-context.js';
import * as S from '../../../shared/case-suggestions.schemas.js';
import { CaseIdParam } from '../../../shared/cases.schemas.js';
import { P } from './cases.policy.js';
import { dispatchTargets, duplicatesOf, likelyDuplicates, suggestForCase, suggestForReport } from './suggestions.service.js';

/** Dispatch suggestion, dispatch targets and likely duplicates of cases (mounted after casesRoutes). */
export function suggestionsRoutes(api: Api, ctx: AppContext): void {
  const tags = ['cases'];

  api.post('/cases/suggest', {
    config: { permission: P.report },
    schema: {
      tags,
      summary: 'Suggest the category (and, for a dispatcher, the handler) of a description being typed, learnt from the cases closed nearby',
      body: S.SuggestInput, response: { 200: S.Suggestion },
    },
  }, async (req) => suggestForReport(ctx, actorOf(req), req.body, req.locale));

  api.post('/cases/likely-duplicates', {
    config: { permission: P.report },
    schema: {
      tags,
      summary: 'Open cases of a category within 150 m of a point, reported in the last 30 days: shown before reporting. Outside your scope, only number, category, state, distance and date',
      body: S.LikelyDuplicatesInput, response: { 200: S.LikelyDuplicateList },
    },
  }, async (req) => likelyDuplicates(ctx, actorOf(req), req.body, req.locale));

  api.get('/cases/:id/suggestion', {
    schema: { tags, summary: 'The suggested categories and (for its dispatchers) handlers of a case', params: CaseIdParam, response: { 200: S.Suggestion } },
  }, async (req) => suggestForCase(ctx, actorOf(req), req.params.id, req.locale));

  api.get('/cases/:id/dispatch-targets', {
    schema: { tags, summary: 'The units and departments a dispatcher of the case may dispatch it to now', params: CaseIdParam, response: { 200: S.DispatchTargets } },
  }, async (req) => dispatchTargets(ctx, actorOf(req), req.params.id, req.locale));

  api.get('/cases/:id/duplicates', {
    schema: { tags, summary: 'Likely duplicates of a case: open, same category, within 150 m, last 30 days, that you can see; nearest first', params: CaseIdParam, response: { 200: S.DuplicateList } },
  }, async (req) => duplicatesOf(ctx, actorOf(req), req.params.id, req.locale));
}
