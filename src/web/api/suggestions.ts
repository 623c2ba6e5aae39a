import type { z } from 'zod';
import type * as S from '../../shared/case-suggestions.schemas.js';
import { http } from './client.js';

export type Suggestion = S.Suggestion;
export type HandlerSuggestion = S.HandlerSuggestion;
export type DispatchTargets = S.DispatchTargets;
export type DuplicateList = S.DuplicateList;
export type LikelyDuplicate = z.infer<typeof S.LikelyDuplicate>;
export type SuggestInput = S.SuggestInput;
export type LikelyDuplicatesInput = S.LikelyDuplicatesInput;

/** Dispatch suggestion, dispatch targets and likely duplicates (src/server/modules/cases/suggestions.routes.ts). */
export const suggestionsApi = {
  /** Categories (and, for a dispatcher there, handlers) for a description being typed. */
  suggest: (input: SuggestInput) => http.post<Suggestion>('/api/cases/suggest', input),
  forCase: (id: string) => http.get<Suggestion>(`/api/cases/${id}/suggestion`),
  dispatchTargets: (id: string) => http.get<DispatchTargets>(`/api/cases/${id}/dispatch-targets`),
  duplicates: (id: string) => http.get<DuplicateList>(`/api/cases/${id}/duplicates`).then((r) => r.items),
  likelyDuplicates: (input: LikelyDuplicatesInput) => http.post<{ items: LikelyDuplicate[] }>('/api/cases/likely-duplicates', input).then((r) => r.items),
};

export const suggestionKeys = {
  suggest: (input: SuggestInput) => ['cases', 'suggest', input] as const,
  forCase: (id: string) => ['cases', 'suggestion', id] as const,
  dispatchTargets: (id: string) => ['cases', 'dispatch-targets', id] as const,
  duplicates: (id: string) => ['cases', 'duplicates', id] as const,
  likelyDuplicates: (input: LikelyDuplicatesInput) => ['cases', 'likely-duplicates', input] as const,
};
