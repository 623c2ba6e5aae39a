import { useState } from 'react';
import { Link } from 'react-router';
import { Segmented, Table, Tag, Typography } from 'antd';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { HOTLINE_ROW_STATUSES } from '../../../shared/hotline.schemas.js';
import { hotlineApi, hotlineKeys, type HotlineJob, type HotlineRow, type HotlineRowStatus } from '../../api/hotline.js';
import { useT } from '../../app/i18n.js';

const PAGE = 20;
export const ROW_COLORS: Record<HotlineRowStatus, string> = { new: 'green', warning: 'gold', duplicate: 'default', error: 'red' };

/** The row-by-row report of an upload: filter by status; order number, status, where it goes, remarks, its case. */
export function RowsTable({ job }: { job: HotlineJob }) {
  const t = useT();
  const [status, setStatus] = useState<HotlineRowStatus | 'all'>('all');
  const [page, setPage] = useState(1);
  const rows = useQuery({
    queryKey: hotlineKeys.rows(job.id, `${status}:${job.status}`, (page - 1) * PAGE, PAGE),
    queryFn: () => hotlineApi.rows(job.id, { ...(status !== 'all' ? { status } : {}), offset: (page - 1) * PAGE, limit: PAGE }),
    placeholderData: keepPreviousData,
  });
  const count = (s: HotlineRowStatus) => job.counts[s];
  return (
    <div data-testid="hotline-rows">
      <Segmented<HotlineRowStatus | 'all'>
        style={{ marginBottom: 8 }}
        value={status}
        onChange={(v) => { setStatus(v); setPage(1); }}
        options={[
          { value: 'all', label: `${t('ui.hotline.all')} ${job.total ?? 0}` },
          ...HOTLINE_ROW_STATUSES.map((s) => ({ value: s, label: `${t(`ui.hotline.rowStatus.${s}`)} ${count(s)}` })),
        ]}
      />
      <Table<HotlineRow>
        rowKey="row"
        size="small"
        loading={rows.isFetching}
        dataSource={rows.data?.items ?? []}
        scroll={{ x: 'max-content' }}
        pagination={{ current: page, pageSize: PAGE, total: rows.data?.total ?? 0, showSizeChanger: false, onChange: setPage, showTotal: (total) => t('ui.common.total', { total }) }}
        columns={[
          { key: 'row', title: t('ui.hotline.row'), dataIndex: 'row', width: 64, align: 'right' },
          { key: 'orderNo', title: t('ui.hotline.orderNo'), render: (_, r) => r.orderNo ?? '—' },
          { key: 'status', title: t('ui.hotline.status'), render: (_, r) => <Tag color={ROW_COLORS[r.status]}>{t(`ui.hotline.rowStatus.${r.status}`)}</Tag> },
          {
            key: 'placement', title: t('ui.hotline.placement'),
            render: (_, r) => !r.placement ? '—'
              : r.placement.kind === 'building' ? t('ui.hotline.placement.building', { building: `${r.placement.unit.name} · ${r.placement.building ?? ''}` })
                : t(`ui.hotline.placement.${r.placement.kind}`, { unit: r.placement.unit.name }),
          },
          {
            key: 'messages', title: t('ui.hotline.messages'),
            render: (_, r) => (
              <div style={{ maxWidth: 520 }}>
                {r.messages.map((m, i) => (
                  <div key={i}>
                    <Typography.Text type={r.status === 'error' ? 'danger' : 'secondary'}>
                      {m.fieldLabel ? `${m.fieldLabel}：` : ''}{m.message}
                    </Typography.Text>
                  </div>
                ))}
              </div>
            ),
          },
          { key: 'case', title: t('ui.hotline.case'), render: (_, r) => (r.case ? <Link to={`/cases/${r.case.id}`} data-testid="hotline-case-link">{r.case.number}</Link> : '') },
        ]}
      />
    </div>
  );
}
