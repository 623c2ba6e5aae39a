import { useMemo } from 'react';
import { Empty, Flex, Skeleton, Tag, Timeline, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import type { MessageKey } from '../../../shared/i18n/index.js';
import { registryKeys, residentsApi, type HistoryEntry, type ResidentView, type TagView } from '../../api/registry.js';
import { useLocale, type Translate } from '../../app/i18n.js';
import { formatDateTime } from '../../components/format.js';
import { genderKey, politicalKey, relationKey, residenceKey, residentStatusKey, useTags } from './common.js';

type Snapshot = Record<string, unknown>;

/** The fields of a history snapshot shown as changes, with their labels and how to show a value. */
const FIELDS: { key: string; label: MessageKey; show?: (v: string, t: Translate) => string }[] = [
  { key: 'name', label: 'ui.registry.resident.name' },
  { key: 'gender', label: 'ui.registry.resident.gender', show: (v, t) => t(genderKey(v)) },
  { key: 'birth_date', label: 'ui.registry.resident.birthDate' },
  { key: 'id_number', label: 'ui.registry.resident.idNumber' },
  { key: 'phone', label: 'ui.registry.resident.phone' },
  { key: 'ethnicity', label: 'ui.registry.resident.ethnicity' },
  { key: 'political_status', label: 'ui.registry.resident.politicalStatus', show: (v, t) => t(politicalKey(v)) },
  { key: 'relation', label: 'ui.registry.resident.relation', show: (v, t) => t(relationKey(v)) },
  { key: 'residence_type', label: 'ui.registry.resident.residenceType', show: (v, t) => t(residenceKey(v)) },
  { key: 'status', label: 'ui.registry.resident.status', show: (v, t) => t(residentStatusKey(v)) },
  { key: 'moved_in_on', label: 'ui.registry.resident.movedInOn' },
  { key: 'moved_out_on', label: 'ui.registry.resident.movedOutOn' },
  { key: 'deceased_on', label: 'ui.registry.resident.deceasedOn' },
  { key: 'tags', label: 'ui.registry.resident.tags' },
];

const KIND_COLORS: Record<HistoryEntry['kind'], string> = {
  update: 'blue', tags: 'cyan', move_in: 'green', household_change: 'purple', move_out: 'orange', death: 'gray',
};

/** The resident as a snapshot like those the history keeps (masked values, tag codes). */
function snapshotOf(r: ResidentView): Snapshot {
  return {
    name: r.name, gender: r.gender, birth_date: r.birthDate, id_number: r.idNumber, phone: r.phone, ethnicity: r.ethnicity,
    political_status: r.politicalStatus, relation: r.relation, residence_type: r.residenceType, status: r.status,
    moved_in_on: r.movedInOn, moved_out_on: r.movedOutOn, deceased_on: r.deceasedOn, tags: r.tags.map((x) => x.code),
  };
}

const norm = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '';
  if (Array.isArray(v)) return [...v].map(String).sort().join(',');
  return String(v);
};

export interface Change {
  label: MessageKey;
  before: string;
  after: string;
}

/** What one change did: the fields whose value before differs from the value after. */
export function changesBetween(before: Snapshot, after: Snapshot, t: Translate, tagName: (code: string) => string): Change[] {
  const out: Change[] = [];
  for (const f of FIELDS) {
    const a = norm(before[f.key]);
    const b = norm(after[f.key]);
    if (a === b) continue;
    const show = (v: string) => {
      if (!v) return '';
      if (f.key === 'tags') return v.split(',').map(tagName).join('、');
      return f.show ? f.show(v, t) : v;
    };
    out.push({ label: f.label, before: show(a), after: show(b) });
  }
  return out;
}

/** The history of a resident, newest first: what changed, by whom, when (and as of which date). */
export function ResidentHistory({ resident }: { resident: ResidentView }) {
  const { t, locale } = useLocale();
  const tags = useTags();
  const history = useQuery({ queryKey: registryKeys.history(resident.id), queryFn: () => residentsApi.history(resident.id) });
  const byCode = useMemo(() => new Map((tags.data ?? []).map((x: TagView) => [x.code, x.name])), [tags.data]);
  const tagName = (code: string) => byCode.get(code) ?? code;

  if (history.isPending) return <Skeleton active />;
  if (history.isError) return <Empty description={history.error.message} />;
  const items = history.data;
  if (items.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('ui.registry.history.none')} />;

  return (
    <Timeline
      data-testid="resident-history"
      items={items.map((h, i) => {
        const after = i === 0 ? snapshotOf(resident) : items[i - 1]!.before;
        const changes = changesBetween(h.before, after, t, tagName);
        return {
          key: h.id,
          color: KIND_COLORS[h.kind],
          content: (
            <Flex vertical gap={2}>
              <Flex gap={6} wrap align="center">
                <Tag color={KIND_COLORS[h.kind]}>{t(`ui.registry.history.kind.${h.kind}`)}</Tag>
                {h.effectiveOn && <Typography.Text>{t('ui.registry.history.effective', { date: h.effectiveOn })}</Typography.Text>}
              </Flex>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('ui.registry.history.by', { time: formatDateTime(h.validTo, locale), name: h.changedBy ?? t('ui.registry.history.system') })}
              </Typography.Text>
              {changes.map((c) => (
                <Typography.Text key={c.label} style={{ fontSize: 13 }}>
                  {t(c.label)}：<Typography.Text delete type="secondary">{c.before || t('ui.registry.history.empty')}</Typography.Text>
                  {' → '}
                  <Typography.Text strong>{c.after || t('ui.registry.history.empty')}</Typography.Text>
                </Typography.Text>
              ))}
            </Flex>
          ),
        };
      })}
    />
  );
}
