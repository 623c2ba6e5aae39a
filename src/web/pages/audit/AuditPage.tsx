import { useState } from 'react';
import { App, Button, Card, DatePicker, Flex, Form, Input, Progress, Select, Space, Table, Tag, Typography, type GetProps } from 'antd';
import { DownloadOutlined, SearchOutlined } from '@ant-design/icons';
import { useInfiniteQuery } from '@tanstack/react-query';
import { isMessageKey, type Locale } from '../../../shared/i18n/index.js';
import { auditApi, auditKeys, downloadAuditExport, saveBlob, type AuditEntryView, type AuditExportFormat, type AuditFilters, type DownloadProgress } from '../../api/audit.js';
import { useLocale, type Translate } from '../../app/i18n.js';
import { hasPermission, useCurrentUser } from '../../app/session.js';
import { showApiError } from '../../components/apiErrors.js';
import { formatBytes, formatDateTime } from '../../components/format.js';

type RangeValue = GetProps<typeof DatePicker.RangePicker>['value'];
type Result = AuditEntryView['result'];

interface FilterValues {
  range?: RangeValue;
  actor?: string;
  action?: string;
  result?: Result;
}

const RESULT_COLORS: Record<Result, string> = { success: 'green', failure: 'red', denied: 'orange' };

export function actionLabel(t: Translate, action: string): string | null {
  const key = `ui.action.${action}`;
  return isMessageKey(key) ? t(key) : null;
}

function toFilters(v: FilterValues): AuditFilters {
  const [from, to] = v.range ?? [];
  return {
    from: from ? from.toISOString() : undefined,
    to: to ? to.toISOString() : undefined,
    actor: v.actor?.trim() || undefined,
    action: v.action?.trim() || undefined,
    result: v.result,
  };
}

interface ExportState extends DownloadProgress {
  format: AuditExportFormat;
  done: boolean;
  filename?: string;
}

/** 审计日志: search the log newest first, page with "load more", export what the filters select. */
export default function AuditPage() {
  const { t, locale } = useLocale();
  const { message } = App.useApp();
  const me = useCurrentUser();
  const [form] = Form.useForm<FilterValues>();
  const [filters, setFilters] = useState<AuditFilters>({});
  const [exporting, setExporting] = useState<ExportState | null>(null);

  const log = useInfiniteQuery({
    queryKey: auditKeys.search(filters),
    queryFn: ({ pageParam }) => auditApi.search(filters, pageParam ?? undefined),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    staleTime: 0,
  });
  const rows = log.data?.pages.flatMap((p) => p.items) ?? [];

  const runExport = async (format: AuditExportFormat) => {
    setExporting({ format, bytes: 0, total: null, rows: format === 'csv' ? 0 : null, done: false });
    try {
      const file = await downloadAuditExport(format, filters, (p) => setExporting((s) => (s ? { ...s, ...p } : s)));
      saveBlob(file);
      setExporting((s) => (s ? { ...s, done: true, filename: file.filename } : s));
      void message.success(t('ui.audit.exported', { filename: file.filename }));
    } catch (e) {
      setExporting(null);
      showApiError(e, message);
    }
  };
  const canExport = hasPermission(me, 'audit.export');
  const busy = !!exporting && !exporting.done;

  return (
    <Flex vertical gap={12}>
      <Card title={t('ui.nav.audit')} size="small">
        <Form<FilterValues>
          form={form}
          layout="inline"
          onFinish={(v) => setFilters(toFilters(v))}
          style={{ rowGap: 8 }}
          data-testid="audit-filters"
        >
          <Form.Item name="range" label={t('ui.audit.period')}>
            <DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" allowEmpty={[true, true]} />
          </Form.Item>
          <Form.Item name="actor" label={t('ui.audit.actor')}>
            <Input allowClear placeholder={t('ui.audit.actorPlaceholder')} style={{ width: 150 }} />
          </Form.Item>
          <Form.Item name="action" label={t('ui.audit.action')}>
            <Input allowClear placeholder="auth.*" style={{ width: 150 }} />
          </Form.Item>
          <Form.Item name="result" label={t('ui.audit.result')}>
            <Select<Result>
              allowClear
              style={{ width: 120 }}
              options={(['success', 'failure', 'denied'] as const).map((r) => ({ value: r, label: t(`ui.audit.result.${r}`) }))}
            />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>{t('ui.common.search')}</Button>
              <Button onClick={() => { form.resetFields(); setFilters({}); }}>{t('ui.common.reset')}</Button>
            </Space>
          </Form.Item>
        </Form>
        {canExport && (
          <Flex gap={8} wrap align="center" style={{ marginTop: 12 }}>
            <Typography.Text type="secondary">{t('ui.audit.exportHint')}</Typography.Text>
            <Button icon={<DownloadOutlined />} disabled={busy} loading={busy && exporting.format === 'xlsx'} onClick={() => void runExport('xlsx')}>
              {t('ui.audit.exportXlsx')}
            </Button>
            <Button icon={<DownloadOutlined />} disabled={busy} loading={busy && exporting.format === 'csv'} onClick={() => void runExport('csv')}>
              {t('ui.audit.exportCsv')}
            </Button>
          </Flex>
        )}
        {exporting && <ExportProgress state={exporting} locale={locale} t={t} onClose={() => setExporting(null)} />}
      </Card>
      <Card size="small">
        <Table<AuditEntryView>
          rowKey="id"
          size="small"
          data-testid="audit-table"
          loading={log.isFetching && !log.isFetchingNextPage}
          dataSource={rows}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: log.isError ? log.error.message : t('ui.audit.none') }}
          expandable={{
            expandedRowRender: (r) => <AuditDetail entry={r} t={t} />,
            expandRowByClick: true,
          }}
          columns={[
            { key: 'time', title: t('ui.audit.time'), render: (_, r) => formatDateTime(r.occurredAt, locale) },
            { key: 'actor', title: t('ui.audit.actor'), render: (_, r) => r.actorUsername ?? <Typography.Text type="secondary">—</Typography.Text> },
            {
              key: 'action',
              title: t('ui.audit.action'),
              render: (_, r) => {
                const label = actionLabel(t, r.action);
                return (
                  <Space size={4} wrap>
                    {label && <span>{label}</span>}
                    <Typography.Text code style={{ fontSize: 12 }}>{r.action}</Typography.Text>
                  </Space>
                );
              },
            },
            { key: 'resource', title: t('ui.audit.resource'), render: (_, r) => (r.resourceType ? `${r.resourceType}${r.resourceId ? ` #${r.resourceId}` : ''}` : '—') },
            { key: 'result', title: t('ui.audit.result'), render: (_, r) => <Tag color={RESULT_COLORS[r.result]}>{t(`ui.audit.result.${r.result}`)}</Tag> },
            { key: 'ip', title: t('ui.audit.ip'), render: (_, r) => r.ip ?? '—' },
          ]}
        />
        <Flex justify="center" style={{ marginTop: 12 }}>
          {log.hasNextPage ? (
            <Button onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage}>{t('ui.audit.loadMore')}</Button>
          ) : rows.length > 0 ? (
            <Typography.Text type="secondary">{t('ui.audit.end', { count: rows.length })}</Typography.Text>
          ) : null}
        </Flex>
      </Card>
    </Flex>
  );
}

function AuditDetail({ entry, t }: { entry: AuditEntryView; t: Translate }) {
  return (
    <Flex vertical gap={4} style={{ padding: '4px 8px' }}>
      {entry.unitPath && <Typography.Text type="secondary">{t('ui.audit.unitPath')}: <Typography.Text code>{entry.unitPath}</Typography.Text></Typography.Text>}
      <Typography.Text type="secondary">{t('ui.audit.detail')}:</Typography.Text>
      <pre style={{ margin: 0, padding: 8, background: '#fafafa', border: '1px solid #f0f0f0', borderRadius: 4, fontSize: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {JSON.stringify(entry.detail, null, 2)}
      </pre>
    </Flex>
  );
}

function ExportProgress({ state, locale, t, onClose }: { state: ExportState; locale: Locale; t: Translate; onClose: () => void }) {
  const percent = state.done ? 100 : state.total ? Math.min(99, Math.floor((state.bytes / state.total) * 100)) : undefined;
  const received = state.rows === null
    ? t('ui.audit.receivedBytes', { bytes: formatBytes(state.bytes, locale) })
    : t('ui.audit.receivedRows', { bytes: formatBytes(state.bytes, locale), rows: state.rows.toLocaleString(locale) });
  return (
    <Flex vertical gap={4} style={{ marginTop: 12, maxWidth: 520 }} data-testid="export-progress">
      <Flex justify="space-between" align="center">
        <Typography.Text>
          {state.done ? t('ui.audit.exportDone', { filename: state.filename ?? '' }) : t('ui.audit.exporting', { format: state.format.toUpperCase() })}
        </Typography.Text>
        {state.done && <Button type="link" size="small" onClick={onClose}>{t('ui.common.close')}</Button>}
      </Flex>
      <Progress percent={percent ?? 100} status={state.done ? 'success' : 'active'} showInfo={percent !== undefined} />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>{received}</Typography.Text>
    </Flex>
  );
}
