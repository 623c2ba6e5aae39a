import type { z } from 'zod';
import type * as S from '../../shared/fieldwork.schemas.js';
import { http, withQuery } from './client.js';

export type ChecklistView = S.ChecklistView;
export type OfflinePack = S.OfflinePackView;
export type VisitView = S.VisitView;
export type VisitList = z.infer<typeof S.VisitList>;
export type PatrolSummary = z.infer<typeof S.PatrolSummary>;
export type PatrolDetail = z.infer<typeof S.PatrolDetail>;
export type DiaryView = z.infer<typeof S.DiaryView>;
export type DiaryList = z.infer<typeof S.DiaryList>;
export type ComplianceView = S.ComplianceView;
export type ComplianceFigures = S.ComplianceFigures;
export type WorkerDay = S.WorkerDayViewT;
export type CreateVisitInput = z.input<typeof S.CreateVisitInput>;
export type CreatePatrolInput = z.input<typeof S.CreatePatrolInput>;
export type CreateDiaryInput = z.input<typeof S.CreateDiaryInput>;
export type RoutePoint = [number, number, number];

/** Field work reads. The writes (visits, patrols, diary entries) go through the phone's outbox (pwa/outbox.ts). */
export const fieldworkApi = {
  checklist: (q: { date?: string; lng?: number; lat?: number } = {}) => http.get<ChecklistView>('/api/checklist', q),
  offlinePack: () => http.get<OfflinePack>('/api/fieldwork/offline-pack'),
  visits: (q: { householdId?: string; from?: string; to?: string; limit?: number } = {}) => http.get<VisitList>('/api/visits', q),
  patrol: (id: string) => http.get<PatrolDetail>(`/api/patrols/${id}`),
  diary: (q: { authorId?: string; householdId?: string; limit?: number } = {}) => http.get<DiaryList>('/api/diary-entries', q),
  compliance: (q: { unitId: string; from: string; to: string }) => http.get<ComplianceView>('/api/fieldwork/compliance', q),
  complianceXlsxUrl: (q: { unitId: string; from: string; to: string }) => withQuery('/api/fieldwork/compliance.xlsx', q),
  workerDay: (userId: string, date: string) => http.get<WorkerDay>(`/api/fieldwork/workers/${userId}/day`, { date }),
};

export const fieldworkKeys = {
  checklist: ['fieldwork', 'checklist'] as const,
  offlinePack: ['fieldwork', 'offline-pack'] as const,
  visits: (householdId: string) => ['fieldwork', 'visits', householdId] as const,
  diary: (authorId: string) => ['fieldwork', 'diary', authorId] as const,
  compliance: (q: { unitId: string; from: string; to: string }) => ['fieldwork', 'compliance', q] as const,
  workerDay: (userId: string, date: string) => ['fieldwork', 'worker-day', userId, date] as const,
  patrol: (id: string) => ['fieldwork', 'patrol', id] as const,
};
