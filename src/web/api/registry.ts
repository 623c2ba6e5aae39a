import type { z } from 'zod';
import type * as C from '../../shared/registry/common.schemas.js';
import type * as R from '../../shared/registry/residents.schemas.js';
import type * as B from '../../shared/registry/buildings.schemas.js';
import type * as O from '../../shared/registry/organisations.schemas.js';
import type * as I from '../../shared/registry/import.schemas.js';
import { XLSX_CONTENT_TYPE } from '../../shared/registry/import.schemas.js';
import { ApiError, apiHeaders, errorFrom, http, withQuery, type Query } from './client.js';
import { filenameFrom, type DownloadedFile, type DownloadProgress } from './audit.js';
import { translate, type Locale } from '../../shared/i18n/index.js';

export type TagView = C.TagView;

export type ResidentView = R.ResidentView;
export type ResidentSearch = Partial<z.input<typeof R.ResidentSearchQuery>>;
export type CreateResidentInput = R.CreateResidentInput;
export type UpdateResidentInput = R.UpdateResidentInput;
export type HistoryEntry = z.infer<typeof R.HistoryEntry>;
export type Revealed = z.infer<typeof R.Revealed>;
export type RevealField = z.infer<typeof R.RevealInput>['fields'][number];
export type ResidentStatus = (typeof R.RESIDENT_STATUSES)[number];

export type BuildingView = B.BuildingView;
export type BuildingDetail = B.BuildingDetail;
export type BuildingListQuery = Partial<z.input<typeof B.BuildingListQuery>>;
export type CreateBuildingInput = B.CreateBuildingInput;
export type UpdateBuildingInput = B.UpdateBuildingInput;
export type BuildingFloorView = B.BuildingFloorView;
export type ViewHousehold = z.infer<typeof B.ViewHousehold>;
export type HouseholdView = B.HouseholdView;
export type CreateHouseholdInput = B.CreateHouseholdInput;
export type UpdateHouseholdInput = B.UpdateHouseholdInput;
export type EntranceView = z.infer<typeof B.EntranceView>;

export type OrganisationView = O.OrganisationView;
export type OrganisationListQuery = Partial<z.input<typeof O.OrganisationListQuery>>;
export type CreateOrganisationInput = O.CreateOrganisationInput;
export type UpdateOrganisationInput = O.UpdateOrganisationInput;

export type ImportJobView = I.ImportJobView;
export type ImportIssueView = z.infer<typeof I.ImportIssueView>;
export type ExportKind = (typeof I.EXPORT_KINDS)[number];

export interface Settings {
  mapTileUrl: string | null;
  mapAttribution: string | null;
}

export const tagsApi = {
  list: () => http.get<{ items: TagView[] }>('/api/care-tags').then((r) => r.items),
};

export const residentsApi = {
  search: (q: ResidentSearch) => http.get<{ items: ResidentView[]; total: number; totalCapped: boolean }>('/api/residents', q as Query),
  get: (id: string) => http.get<ResidentView>(`/api/residents/${id}`),
  create: (input: CreateResidentInput) => http.post<ResidentView>('/api/residents', input),
  update: (id: string, input: UpdateResidentInput) => http.patch<ResidentView>(`/api/residents/${id}`, input),
  moveOut: (id: string, input: { version: number; date: string; note?: string }) => http.post<ResidentView>(`/api/residents/${id}/move-out`, input),
  death: (id: string, input: { version: number; date: string; note?: string }) => http.post<ResidentView>(`/api/residents/${id}/death`, input),
  changeHousehold: (id: string, input: { version: number; householdId: string; date: string; relation?: string }) =>
    http.post<ResidentView>(`/api/residents/${id}/household`, input),
  reveal: (id: string, fields: RevealField[], reason: string) => http.post<Revealed>(`/api/residents/${id}/reveal`, { fields, reason }),
  history: (id: string) => http.get<{ items: HistoryEntry[] }>(`/api/residents/${id}/history`).then((r) => r.items),
};

export const buildingsApi = {
  list: (q: BuildingListQuery) => http.get<{ items: BuildingView[]; total: number }>('/api/buildings', q as Query),
  get: (id: string) => http.get<BuildingDetail>(`/api/buildings/${id}`),
  create: (input: CreateBuildingInput) => http.post<BuildingDetail>('/api/buildings', input),
  update: (id: string, input: UpdateBuildingInput) => http.patch<BuildingDetail>(`/api/buildings/${id}`, input),
  addEntrance: (id: string, name: string) => http.post<EntranceView>(`/api/buildings/${id}/entrances`, { name }),
  view: (id: string) => http.get<BuildingFloorView>(`/api/buildings/${id}/view`),
};

export const householdsApi = {
  get: (id: string) => http.get<HouseholdView>(`/api/households/${id}`),
  create: (input: CreateHouseholdInput) => http.post<HouseholdView>('/api/households', input),
  update: (id: string, input: UpdateHouseholdInput) => http.patch<HouseholdView>(`/api/households/${id}`, input),
};

export const organisationsApi = {
  list: (q: OrganisationListQuery) => http.get<{ items: OrganisationView[]; total: number }>('/api/organisations', q as Query),
  get: (id: string) => http.get<OrganisationView>(`/api/organisations/${id}`),
  create: (input: CreateOrganisationInput) => http.post<OrganisationView>('/api/organisations', input),
  update: (id: string, input: UpdateOrganisationInput) => http.patch<OrganisationView>(`/api/organisations/${id}`, input),
  reveal: (id: string, reason: string) => http.post<{ contactPhone: string | null }>(`/api/organisations/${id}/reveal`, { reason }),
};

export const settingsApi = {
  get: () => http.get<Settings>('/api/settings'),
};

export const importApi = {
  templateUrl: '/api/registry/import/template',
  job: (id: string) => http.get<ImportJobView>(`/api/registry/imports/${id}`),
  list: () => http.get<{ items: ImportJobView[] }>('/api/registry/imports').then((r) => r.items),
  issues: (id: string, offset: number, limit: number) =>
    http.get<{ items: ImportIssueView[]; total: number }>(`/api/registry/imports/${id}/issues`, { offset, limit }),
  commit: (id: string) => http.post<{ id: string }>(`/api/registry/imports/${id}/commit`),
};

/** Query keys, so that a change refreshes exactly what it touched. */
export const registryKeys = {
  tags: ['care-tags'] as const,
  settings: ['settings'] as const,
  residents: ['residents'] as const,
  residentSearch: (q: ResidentSearch) => ['residents', 'search', q] as const,
  resident: (id: string) => ['residents', 'detail', id] as const,
  history: (id: string) => ['residents', 'history', id] as const,
  buildings: ['buildings'] as const,
  buildingList: (q: BuildingListQuery) => ['buildings', 'list', q] as const,
  building: (id: string) => ['buildings', 'detail', id] as const,
  buildingView: (id: string) => ['buildings', 'view', id] as const,
  household: (id: string) => ['buildings', 'household', id] as const,
  organisations: ['organisations'] as const,
  organisationList: (q: OrganisationListQuery) => ['organisations', 'list', q] as const,
  imports: ['registry-imports'] as const,
  importJob: (id: string) => ['registry-imports', 'job', id] as const,
  importIssues: (id: string, offset: number, limit: number) => ['registry-imports', 'issues', id, offset, limit] as const,
};

export interface UploadProgress {
  loaded: number;
  total: number | null;
}

/**
 * Upload a workbook as the raw request body (POST /api/registry/imports?unitId=), through
 * XMLHttpRequest so that the bytes sent can be shown while they go.
 */
export function uploadImport(
  file: File, unitId: string, locale: Locale, onProgress: (p: UploadProgress) => void, signal?: AbortSignal,
): Promise<{ id: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', withQuery('/api/registry/imports', { unitId, fileName: file.name }));
    xhr.withCredentials = true;
    // Only .xlsx is offered for upload; the server checks what the bytes really are.
    for (const [k, v] of Object.entries(apiHeaders({ Accept: 'application/json', 'Content-Type': XLSX_CONTENT_TYPE }))) {
      xhr.setRequestHeader(k, v);
    }
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : null });
    xhr.onload = () => {
      const res = new Response(xhr.responseText || null, { status: xhr.status, headers: { 'Content-Type': xhr.getResponseHeader('Content-Type') ?? 'application/json' } });
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as { id: string });
        } catch {
          reject(new ApiError(xhr.status, 'http_' + xhr.status, translate(locale, 'ui.error.http', { status: xhr.status })));
        }
        return;
      }
      void errorFrom(res).then(reject);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', translate(locale, 'ui.error.network')));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}

/** Download a file from the API with a streaming reader, reporting the bytes as they arrive. */
export async function downloadWithProgress(
  path: string, query: Query | undefined, fallbackName: string, onProgress: (p: DownloadProgress) => void, signal?: AbortSignal,
): Promise<DownloadedFile> {
  let res: Response;
  try {
    res = await fetch(withQuery(path, query), { credentials: 'same-origin', headers: apiHeaders(), signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', String(e));
  }
  if (!res.ok) throw await errorFrom(res);
  const lengthHeader = res.headers.get('Content-Length');
  const total = lengthHeader ? Number(lengthHeader) || null : null;
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.byteLength;
      onProgress({ bytes, total, rows: null });
    }
  } else {
    const buf = new Uint8Array(await res.arrayBuffer());
    chunks.push(buf);
    bytes = buf.byteLength;
    onProgress({ bytes, total, rows: null });
  }
  const type = res.headers.get('Content-Type') ?? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  return { blob: new Blob(chunks, { type }), filename: filenameFrom(res.headers.get('Content-Disposition'), fallbackName) };
}

const EXPORT_PATHS: Record<ExportKind, string> = {
  residents: '/api/registry/exports/residents',
  special_groups: '/api/registry/exports/special-groups',
  buildings: '/api/registry/exports/buildings',
  organisations: '/api/registry/exports/organisations',
};

export function exportLedger(
  kind: ExportKind, filters: { unitId?: string; tags?: string; status?: string }, onProgress: (p: DownloadProgress) => void,
): Promise<DownloadedFile> {
  const query: Query = kind === 'residents' || kind === 'special_groups'
    ? { unitId: filters.unitId, tags: kind === 'residents' ? filters.tags : undefined, status: kind === 'residents' ? filters.status : undefined }
    : { unitId: filters.unitId };
  return downloadWithProgress(EXPORT_PATHS[kind], query, `${kind}.xlsx`, onProgress);
}
