import type * as S from '../../shared/cockpit.schemas.js';
import { http } from './client.js';

export type CockpitSummary = S.CockpitSummary;
export type CockpitFigures = S.CockpitFigures;
export type CockpitQuery = { unitId?: string; from?: string; to?: string };

export const cockpitApi = {
  summary: (q: CockpitQuery) => http.get<CockpitSummary>('/api/cockpit/summary', q),
};

export const cockpitKeys = {
  summary: (q: CockpitQuery) => ['cockpit', 'summary', q] as const,
};
