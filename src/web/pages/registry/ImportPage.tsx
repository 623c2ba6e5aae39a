import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Alert, App, Button, Card, Col, Descriptions, Flex, Form, Progress, Result, Row, Space, Statistic, Steps, Table, Tag, Typography, Upload } from 'antd';
import { CloudUploadOutlined, DownloadOutlined, InboxOutlined, ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { MessageKey } from '../../../shared/i18n/index.js';
import { saveBlob } from '../../api/audit.js';
import {
  downloadWithProgress, importApi, registryKeys, uploadImport, type ImportIssueView, type ImportJobView, type UploadProgress,
} from '../../api/registry.js';
import { useLocale } from '../../app/i18n.js';
import { hasPermission, useCurrentUser } from '../../app/session.js';
import { showApiError } from '../../components/apiErrors.js';
import { formatBytes, formatDateTime } from '../../components/format.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useDefaultUnit, useRefetchOnLocale } from './common.js';

const ISSUES_PAGE = 20;
const STATUS_COLORS: Record<ImportJobView['status'], string> = {
  validating: 'processing', ready: 'blue', failed: 'red', committing: 'processing', committed: 'green',
};
const statusKey = (s: ImportJobView['status']): MessageKey => `import.status.${s}`;
const busy = (j: ImportJobView | undefined) => !!j && (j.status === 'validating' || j.status === 'committing');

/**
 * 导入: download the template, choose where the people live, upload the filled workbook (progress of
 * the bytes sent), watch it being checked, read the row-by-row report, commit the good rows (all or
 * nothing, with progress) and see what was written.
 */
export default function ImportPage() {
  useRefetchOnLocale();
  const { t, locale } = useLocale();
  const { message } = App.useApp();
  const me = useCurrentUser();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const jobId = params.get('job');
  const fallbackUnit = useDefaultUnit();
  // Not chosen yet (undefined): the caller's own community or grid; cleared: null.
  const [picked, setPicked] = useState<string | null | undefined>(undefined);
  const unitId = picked === undefined ? fallbackUnit : picked ?? undefined;
  const [file, setFile] = useState<File | null>(null);
  const [sending, setSending] = useState<UploadProgress | null>(null);
  const [issuesPage, setIssuesPage] = useState(1);
  const [templateBytes, setTemplateBytes] = useState<number | null>(null);

  const openJob = (id: string | null) => setParams((p) => {
    const next = new URLSearchParams(p);
    if (id) next.set('job', id);
    else next.delete('job');
    return next;
  });

  const job = useQuery({
    queryKey: registryKeys.importJob(jobId ?? ''),
    queryFn: () => importApi.job(jobId!),
    enabled: !!jobId,
    staleTime: 0,
    refetchInterval: (q) => (busy(q.state.data) ? 400 : false),
  });
  const j = job.data;
  const issues = useQuery({
    queryKey: registryKeys.importIssues(jobId ?? '', (issuesPage - 1) * ISSUES_PAGE, ISSUES_PAGE),
    queryFn: () => importApi.issues(jobId!, (issuesPage - 1) * ISSUES_PAGE, ISSUES_PAGE),
    enabled: !!j && j.status !== 'validating',
    placeholderData: keepPreviousData,
  });
  const recent = useQuery({ queryKey: registryKeys.imports, queryFn: importApi.list, refetchInterval: busy(j) ? 2000 : false });

  const template = useMutation({
    mutationFn: () => downloadWithProgress(importApi.templateUrl, undefined, 'template.xlsx', (p) => setTemplateBytes(p.bytes)),
    onSuccess: (f) => { saveBlob(f); setTemplateBytes(null); void message.success(t('ui.registry.import.templateSaved', { filename: f.filename })); },
    onError: (e) => { setTemplateBytes(null); showApiError(e, message); },
  });

  const upload = useMutation({
    mutationFn: () => uploadImport(file!, unitId!, locale, setSending),
    onSuccess: ({ id }) => {
      setSending(null);
      setIssuesPage(1);
      openJob(id);
      void queryClient.invalidateQueries({ queryKey: registryKeys.imports });
    },
    onError: (e) => { setSending(null); showApiError(e, message); },
  });

  const commit = useMutation({
    mutationFn: () => importApi.commit(jobId!),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: registryKeys.importJob(jobId!) }),
    onError: (e) => showApiError(e, message),
  });

  // Once committed, the registry has changed.
  const committedId = j?.status === 'committed' ? j.id : null;
  useEffect(() => {
    if (!committedId) return;
    void queryClient.invalidateQueries({ queryKey: registryKeys.residents });
    void queryClient.invalidateQueries({ queryKey: registryKeys.buildings });
    void queryClient.invalidateQueries({ queryKey: registryKeys.imports });
  }, [committedId]);
  // A job that finished checking: the list of recent imports shows its counts.
  const settled = j && !busy(j) ? `${j.id}:${j.status}` : null;
  useEffect(() => {
    if (settled) void queryClient.invalidateQueries({ queryKey: registryKeys.imports });
  }, [settled]);

  const restart = () => {
    openJob(null);
    setFile(null);
    commit.reset();
  };

  const step = !j ? 0 : j.status === 'validating' ? 1 : j.status === 'ready' ? 2 : j.status === 'failed' ? (j.validatedAt ? 3 : 1) : 3;
  const sentPercent = sending?.total ? Math.floor((sending.loaded / sending.total) * 100) : undefined;

  return (
    <Flex vertical gap={12}>
      <Card
        size="small"
        title={t('ui.registry.nav.import')}
        extra={(
          <Button icon={<DownloadOutlined />} loading={template.isPending} onClick={() => template.mutate()} data-testid="download-template">
            {template.isPending && templateBytes !== null ? t('ui.registry.import.templateBytes', { bytes: formatBytes(templateBytes, locale) }) : t('ui.registry.import.template')}
          </Button>
        )}
      >
        <Steps
          size="small"
          current={step}
          status={j?.status === 'failed' ? 'error' : undefined}
          style={{ marginBottom: 16 }}
          items={[
            { title: t('ui.registry.import.step.upload') },
            { title: t('ui.registry.import.step.validate') },
            { title: t('ui.registry.import.step.preview') },
            { title: t('ui.registry.import.step.commit') },
          ]}
        />
        {!jobId && (
          <Form layout="vertical" data-testid="import-form" style={{ maxWidth: 640 }}>
            <Typography.Paragraph type="secondary">{t('ui.registry.import.intro')}</Typography.Paragraph>
            <Form.Item label={t('ui.registry.import.unit')} required extra={t('ui.registry.import.unitHint')}>
              <UnitPicker value={unitId} onChange={(v) => setPicked(v ?? null)} id="import-unit" />
            </Form.Item>
            <Form.Item label={t('ui.registry.import.file')} required>
              <Upload.Dragger
                accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                maxCount={1}
                multiple={false}
                fileList={file ? [{ uid: 'file', name: file.name, size: file.size, status: 'done' }] : []}
                beforeUpload={(f) => { setFile(f); return false; }}
                onRemove={() => { setFile(null); return true; }}
                data-testid="import-file"
              >
                <p className="ant-upload-drag-icon"><InboxOutlined /></p>
                <p className="ant-upload-text">{t('ui.registry.import.drop')}</p>
                <p className="ant-upload-hint">{t('ui.registry.import.dropHint')}</p>
              </Upload.Dragger>
            </Form.Item>
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Button
                type="primary"
                icon={<CloudUploadOutlined />}
                disabled={!file || !unitId}
                loading={upload.isPending}
                onClick={() => upload.mutate()}
                data-testid="start-upload"
              >
                {t('ui.registry.import.upload')}
              </Button>
              {sending && (
                <div data-testid="upload-progress">
                  <Progress percent={sentPercent ?? 0} status="active" />
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('ui.registry.import.sent', { sent: formatBytes(sending.loaded, locale), total: sending.total ? formatBytes(sending.total, locale) : '?' })}
                  </Typography.Text>
                </div>
              )}
            </Space>
          </Form>
        )}
        {jobId && job.isError && <Alert type="error" showIcon title={job.error.message} action={<Button onClick={restart}>{t('ui.registry.import.again')}</Button>} />}
        {j && <JobPanel job={j} onRestart={restart} commit={() => commit.mutate()} committing={commit.isPending} />}
        {j && j.status !== 'validating' && (issues.data?.total ?? 0) > 0 && (
          <div style={{ marginTop: 16 }}>
            <Typography.Title level={5}>{t('ui.registry.import.issues', { count: issues.data?.total ?? 0 })}</Typography.Title>
            <Table<ImportIssueView>
              rowKey={(r) => `${r.row}-${r.columnKey ?? ''}-${r.message}`}
              size="small"
              data-testid="import-issues"
              loading={issues.isFetching}
              dataSource={issues.data?.items ?? []}
              scroll={{ x: 'max-content' }}
              pagination={{
                current: issuesPage,
                pageSize: ISSUES_PAGE,
                total: issues.data?.total ?? 0,
                showSizeChanger: false,
                onChange: setIssuesPage,
                showTotal: (total) => t('ui.common.total', { total }),
              }}
              columns={[
                { key: 'row', title: t('ui.registry.import.row'), dataIndex: 'row', width: 80, align: 'right' },
                { key: 'column', title: t('ui.registry.import.column'), render: (_, r) => r.column ?? <Typography.Text type="secondary">{t('ui.registry.import.wholeRow')}</Typography.Text> },
                { key: 'message', title: t('ui.registry.import.message'), render: (_, r) => <Typography.Text type="danger">{r.message}</Typography.Text> },
              ]}
            />
          </div>
        )}
      </Card>
      {hasPermission(me, 'registry.import') && (
        <Card size="small" title={t('ui.registry.import.recent')}>
          <Table<ImportJobView>
            rowKey="id"
            size="small"
            data-testid="import-recent"
            loading={recent.isFetching && !recent.data}
            dataSource={recent.data ?? []}
            pagination={false}
            scroll={{ x: 'max-content' }}
            locale={{ emptyText: t('ui.registry.import.noRecent') }}
            onRow={(r) => ({ onClick: () => { setIssuesPage(1); openJob(r.id); }, style: { cursor: 'pointer' } })}
            columns={[
              { key: 'time', title: t('ui.registry.import.time'), render: (_, r) => formatDateTime(r.createdAt, locale) },
              { key: 'file', title: t('ui.registry.import.file'), dataIndex: 'fileName' },
              { key: 'unit', title: t('ui.registry.import.unit'), render: (_, r) => r.unit.name },
              { key: 'status', title: t('ui.registry.import.status'), render: (_, r) => <Tag color={STATUS_COLORS[r.status]}>{t(statusKey(r.status))}</Tag> },
              { key: 'counts', title: t('ui.registry.import.counts'), render: (_, r) => t('ui.registry.import.countsShort', { valid: r.valid, errors: r.errors }) },
              { key: 'by', title: t('ui.registry.import.by'), render: (_, r) => r.createdBy.name },
            ]}
          />
        </Card>
      )}
    </Flex>
  );
}

function JobPanel({ job: j, onRestart, commit, committing }: { job: ImportJobView; onRestart: () => void; commit: () => void; committing: boolean }) {
  const { t, locale } = useLocale();
  const percent = Math.floor(j.progress * 100);
  const again = <Button icon={<ReloadOutlined />} onClick={onRestart} data-testid="import-again">{t('ui.registry.import.again')}</Button>;
  return (
    <Flex vertical gap={12} data-testid="import-job" data-status={j.status}>
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2, md: 3 }}
        items={[
          { key: 'file', label: t('ui.registry.import.file'), children: `${j.fileName}（${formatBytes(j.fileSize, locale)}）` },
          { key: 'unit', label: t('ui.registry.import.unit'), children: j.unit.name },
          { key: 'status', label: t('ui.registry.import.status'), children: <Tag color={STATUS_COLORS[j.status]}>{t(statusKey(j.status))}</Tag> },
          { key: 'by', label: t('ui.registry.import.by'), children: `${j.createdBy.name} · ${formatDateTime(j.createdAt, locale)}` },
        ]}
      />
      {j.status === 'validating' && (
        <div data-testid="validate-progress">
          <Progress percent={percent} status="active" />
          <Typography.Text type="secondary">{t('ui.registry.import.validating', { processed: j.processed, total: j.total ?? '…' })}</Typography.Text>
        </div>
      )}
      {j.status === 'failed' && (
        <Alert type="error" showIcon title={t('ui.registry.import.failed')} description={j.message} action={again} data-testid="import-failed" />
      )}
      {(j.status === 'ready' || j.status === 'committing' || j.status === 'committed') && (
        <Row gutter={[12, 12]} data-testid="import-counts">
          {([
            ['total', j.total ?? 0, undefined],
            ['valid', j.valid, '#389e0d'],
            ['errors', j.errors, j.errors ? '#cf1322' : undefined],
            ['new', j.new, undefined],
            ['updated', j.updated, undefined],
            ['unchanged', j.unchanged, undefined],
          ] as const).map(([k, v, color]) => (
            <Col key={k} xs={8} sm={4}>
              <Card size="small"><Statistic title={t(`ui.registry.import.count.${k}`)} value={v} styles={{ content: color ? { color } : undefined }} /></Card>
            </Col>
          ))}
        </Row>
      )}
      {j.status === 'ready' && (
        <Flex gap={8} wrap align="center">
          <Button type="primary" disabled={!j.abilities.commit} loading={committing} onClick={commit} data-testid="import-commit">
            {t('ui.registry.import.commit', { count: j.valid })}
          </Button>
          {again}
          <Typography.Text type="secondary">
            {j.valid === 0 ? t('ui.registry.import.nothingValid') : j.errors > 0 ? t('ui.registry.import.commitHintErrors', { errors: j.errors }) : t('ui.registry.import.commitHint')}
          </Typography.Text>
        </Flex>
      )}
      {j.status === 'committing' && (
        <div data-testid="commit-progress">
          <Progress percent={percent} status="active" />
          <Typography.Text type="secondary">{t('ui.registry.import.committing', { processed: j.processed, total: j.valid })}</Typography.Text>
        </div>
      )}
      {j.status === 'committed' && (
        <Result
          status="success"
          style={{ padding: '8px 0' }}
          title={t('ui.registry.import.committed')}
          subTitle={<span data-testid="import-result">{t('ui.registry.import.committedCounts', { new: j.new, updated: j.updated, unchanged: j.unchanged, households: j.householdsCreated })}</span>}
          extra={[
            <Link key="residents" to={`/residents?unit=${j.unit.id}`}><Button type="primary">{t('ui.registry.import.seeResidents')}</Button></Link>,
            <Button key="again" onClick={onRestart}>{t('ui.registry.import.another')}</Button>,
          ]}
        />
      )}
    </Flex>
  );
}
