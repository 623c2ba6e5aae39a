import type { z } from 'zod';
import type * as S from '../../shared/hotline.schemas.js';
import { XLSX_TYPE } from '../../shared/hotline.schemas.js';
import { ApiError, apiHeaders, errorFrom, http, withQuery } from './client.js';
import { translate, type Locale } from '../../shared/i18n/index.js';

export type HotlineSource = S.SourceView;
export type HotlineJob = S.HotlineJobView;
export type HotlineRow = S.HotlineRowView;
export type MappingProposal = S.MappingProposal;
export type HotlineMapping = z.input<typeof S.HotlineMapping>;
export type HotlineRowStatus = HotlineRow['status'];

export const hotlineApi = {
  sources: () => http.get<{ items: HotlineSource[] }>('/api/hotline/sources').then((r) => r.items),
  createSource: (body: { name: string; unitId: string }) => http.post<HotlineSource>('/api/hotline/sources', body),
  job: (id: string) => http.get<HotlineJob>(`/api/hotline/imports/${id}`),
  jobs: (sourceId?: string) => http.get<{ items: HotlineJob[] }>('/api/hotline/imports', { sourceId }).then((r) => r.items),
  mapping: (id: string) => http.get<MappingProposal>(`/api/hotline/imports/${id}/mapping`),
  validate: (id: string, mapping: HotlineMapping, save: boolean) => http.post<{ id: string }>(`/api/hotline/imports/${id}/validate`, { mapping, save }),
  rows: (id: string, q: { status?: HotlineRowStatus; offset: number; limit: number }) =>
    http.get<{ items: HotlineRow[]; total: number }>(`/api/hotline/imports/${id}/rows`, q),
  commit: (id: string) => http.post<{ id: string }>(`/api/hotline/imports/${id}/commit`),
};

export const hotlineKeys = {
  sources: ['hotline', 'sources'] as const,
  jobs: ['hotline', 'jobs'] as const,
  job: (id: string) => ['hotline', 'job', id] as const,
  mapping: (id: string) => ['hotline', 'mapping', id] as const,
  rows: (id: string, status: string, offset: number, limit: number) => ['hotline', 'rows', id, status, offset, limit] as const,
};

/** Upload an export as the raw request body; the server reads what the bytes really are. */
export async function uploadHotlineFile(sourceId: string, file: File, locale: Locale): Promise<{ id: string }> {
  const type = /\.xlsx$/i.test(file.name) ? XLSX_TYPE : /\.csv$/i.test(file.name) ? 'text/csv' : 'application/octet-stream';
  let res: Response;
  try {
    res = await fetch(withQuery(`/api/hotline/sources/${sourceId}/imports`, { fileName: file.name }), {
      method: 'POST',
      credentials: 'same-origin',
      headers: apiHeaders({ Accept: 'application/json', 'Content-Type': type }),
      body: file,
    });
  } catch {
    throw new ApiError(0, 'network', translate(locale, 'ui.error.network'));
  }
  if (!res.ok) throw await errorFrom(res);
  return (await res.json()) as { id: string };
}
