import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Alert, App, Button, Card, Col, Flex, Form, Input, Modal, Progress, Result, Row, Select, Statistic, Steps, Typography, Upload } from 'antd';
import { CloudUploadOutlined, InboxOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { hotlineApi, hotlineKeys, uploadHotlineFile, type HotlineJob } from '../../api/hotline.js';
import { caseKeys } from '../../api/cases.js';
import { useLocale } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { formatBytes } from '../../components/format.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { MappingStep } from './MappingStep.js';
import { RowsTable } from './RowsTable.js';

const busy = (j: HotlineJob | undefined) => !!j && (j.status === 'validating' || j.status === 'committing');

/**
 * 12345 工单导入: pick (or create) the hotline source, upload its export, confirm the mapping (saved
 * on the source), watch the check, read the preview (new / already imported / remarks / errors),
 * commit, and follow the links to the cases created.
 */
export default function HotlineImportPage() {
  const { t, locale } = useLocale();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const jobId = params.get('job');
  const [file, setFile] = useState<File | null>(null);
  const [remap, setRemap] = useState(false);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<{ name: string; unitId: string }>();

  const sources = useQuery({ queryKey: hotlineKeys.sources, queryFn: hotlineApi.sources });
  const sourceId = params.get('source') ?? sources.data?.[0]?.id ?? null;
  const setParam = (k: string, v: string | null) => setParams((p) => {
    const next = new URLSearchParams(p);
    if (v) next.set(k, v);
    else next.delete(k);
    return next;
  });

  const job = useQuery({
    queryKey: hotlineKeys.job(jobId ?? ''),
    queryFn: () => hotlineApi.job(jobId!),
    enabled: !!jobId,
    staleTime: 0,
    refetchInterval: (q) => (busy(q.state.data) ? 400 : false),
  });
  const j = job.data;
  const mapping = j && (j.status === 'mapping' || remap) && j.abilities.map;
  const proposal = useQuery({ queryKey: hotlineKeys.mapping(jobId ?? ''), queryFn: () => hotlineApi.mapping(jobId!), enabled: !!mapping, staleTime: 0 });

  const createSource = useMutation({
    mutationFn: (v: { name: string; unitId: string }) => hotlineApi.createSource(v),
    onSuccess: (s) => {
      void queryClient.invalidateQueries({ queryKey: hotlineKeys.sources });
      setParam('source', s.id);
      setCreating(false);
      form.resetFields();
      void message.success(t('ui.hotline.sourceCreated', { name: s.name }));
    },
    onError: (e) => showApiError(e, message, form, ['name', 'unitId']),
  });
  const upload = useMutation({
    mutationFn: () => uploadHotlineFile(sourceId!, file!, locale),
    onSuccess: ({ id }) => { setRemap(false); setParam('job', id); },
    onError: (e) => showApiError(e, message),
  });
  const commit = useMutation({
    mutationFn: () => hotlineApi.commit(jobId!),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: hotlineKeys.job(jobId!) });
      void queryClient.invalidateQueries({ queryKey: caseKeys.all });
    },
    onError: (e) => showApiError(e, message),
  });
  const restart = () => { setParam('job', null); setFile(null); setRemap(false); commit.reset(); };
  const refreshJob = () => { setRemap(false); void queryClient.invalidateQueries({ queryKey: hotlineKeys.job(jobId!) }); };

  const step = !sourceId ? 0 : !j ? 1 : mapping ? 2 : j.status === 'committed' ? 4 : j.status === 'failed' ? (j.validatedAt ? 3 : 1) : 3;
  const percent = j ? Math.floor(j.progress * 100) : 0;
  const again = <Button icon={<ReloadOutlined />} onClick={restart} data-testid="hotline-again">{t('ui.hotline.again')}</Button>;

  return (
    <Card size="small" title={t('ui.hotline.nav')}>
      <Steps
        size="small"
        current={step}
        status={j?.status === 'failed' ? 'error' : undefined}
        style={{ marginBottom: 16 }}
        items={(['source', 'upload', 'mapping', 'preview', 'done'] as const).map((s) => ({ title: t(`ui.hotline.step.${s}`) }))}
      />
      <Typography.Paragraph type="secondary">{t('ui.hotline.intro')}</Typography.Paragraph>

      <Flex gap={8} align="center" wrap style={{ marginBottom: 16 }}>
        <Typography.Text strong>{t('ui.hotline.source')}</Typography.Text>
        <Select
          style={{ minWidth: 320 }}
          placeholder={t('ui.hotline.sourcePlaceholder')}
          loading={sources.isPending}
          value={sourceId ?? undefined}
          disabled={!!jobId}
          options={(sources.data ?? []).map((s) => ({ value: s.id, label: `${s.name}（${s.unit.name}）` }))}
          onChange={(v: string) => setParam('source', v)}
          notFoundContent={t('ui.hotline.noSources')}
          data-testid="hotline-source"
        />
        {!jobId && <Button icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="hotline-new-source">{t('ui.hotline.newSource')}</Button>}
      </Flex>

      {!jobId && sourceId && (
        <Flex vertical gap={12} style={{ maxWidth: 640 }} data-testid="hotline-upload">
          <Upload.Dragger
            accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            maxCount={1}
            multiple={false}
            fileList={file ? [{ uid: 'file', name: file.name, size: file.size, status: 'done' }] : []}
            beforeUpload={(f) => { setFile(f); return false; }}
            onRemove={() => { setFile(null); return true; }}
            data-testid="hotline-file"
          >
            <p className="ant-upload-drag-icon"><InboxOutlined /></p>
            <p className="ant-upload-text">{t('ui.hotline.drop')}</p>
            <p className="ant-upload-hint">{t('ui.hotline.dropHint')}</p>
          </Upload.Dragger>
          <div>
            <Button type="primary" icon={<CloudUploadOutlined />} disabled={!file} loading={upload.isPending} onClick={() => upload.mutate()} data-testid="hotline-start-upload">
              {t('ui.hotline.upload')}
            </Button>
          </div>
        </Flex>
      )}

      {jobId && job.isError && <Alert type="error" showIcon title={job.error.message} action={again} />}
      {j && (
        <Flex vertical gap={12} data-testid="hotline-job" data-status={j.status}>
          <Typography.Text type="secondary">{`${j.fileName}（${formatBytes(j.fileSize, locale)}）· ${j.source.name} · ${j.unit.name}`}</Typography.Text>
          {mapping && proposal.data && <MappingStep jobId={j.id} proposal={proposal.data} onStarted={refreshJob} />}
          {mapping && proposal.isError && <Alert type="error" showIcon title={proposal.error.message} />}
          {j.status === 'validating' && (
            <div data-testid="hotline-progress">
              <Progress percent={percent} status="active" />
              <Typography.Text type="secondary">{t('ui.hotline.validating', { processed: j.processed, total: j.total ?? '…' })}</Typography.Text>
            </div>
          )}
          {j.status === 'failed' && <Alert type="error" showIcon title={t('ui.hotline.failed')} description={j.message} action={again} data-testid="hotline-failed" />}
          {!mapping && (j.status === 'ready' || j.status === 'committing' || j.status === 'committed') && (
            <>
              <Row gutter={[12, 12]} data-testid="hotline-counts">
                {([
                  ['new', j.counts.new, '#389e0d'],
                  ['warning', j.counts.warning, j.counts.warning ? '#d48806' : undefined],
                  ['duplicate', j.counts.duplicate, undefined],
                  ['error', j.counts.error, j.counts.error ? '#cf1322' : undefined],
                  ['deadlines', j.counts.deadlinesUpdated, undefined],
                ] as const).map(([k, v, color]) => (
                  <Col key={k} xs={12} sm={4}>
                    <Card size="small"><Statistic title={t(`ui.hotline.count.${k}`)} value={v} styles={{ content: color ? { color } : undefined }} /></Card>
                  </Col>
                ))}
              </Row>
              {j.status === 'ready' && (
                <Flex gap={8} wrap align="center">
                  <Button type="primary" disabled={!j.abilities.commit} loading={commit.isPending} onClick={() => commit.mutate()} data-testid="hotline-commit">
                    {j.counts.new + j.counts.warning > 0 ? t('ui.hotline.commit', { count: j.counts.new + j.counts.warning }) : t('ui.hotline.commitDeadlines', { count: j.counts.deadlinesUpdated })}
                  </Button>
                  {j.abilities.map && <Button onClick={() => setRemap(true)} data-testid="hotline-remap">{t('ui.hotline.remap')}</Button>}
                  {again}
                  <Typography.Text type="secondary">{t('ui.hotline.commitHint')}</Typography.Text>
                </Flex>
              )}
              {j.status === 'committing' && (
                <div data-testid="hotline-commit-progress">
                  <Progress percent={percent} status="active" />
                  <Typography.Text type="secondary">{t('ui.hotline.committing', { processed: j.processed, total: j.counts.new + j.counts.warning })}</Typography.Text>
                </div>
              )}
              {j.status === 'committed' && (
                <Result
                  status="success"
                  style={{ padding: '8px 0' }}
                  title={t('ui.hotline.committed')}
                  subTitle={<span data-testid="hotline-result">{t('ui.hotline.committedCounts', { created: j.counts.created, duplicate: j.counts.duplicate, errors: j.counts.error, deadlines: j.counts.deadlinesUpdated })}</span>}
                  extra={[
                    <Link key="cases" to="/cases"><Button type="primary">{t('ui.hotline.seeCases')}</Button></Link>,
                    <Button key="another" onClick={restart}>{t('ui.hotline.another')}</Button>,
                  ]}
                />
              )}
              <RowsTable job={j} />
            </>
          )}
        </Flex>
      )}

      <Modal
        open={creating}
        title={t('ui.hotline.newSource')}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        okButtonProps={{ loading: createSource.isPending, id: 'hotline-source-save' }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" onFinish={(v) => createSource.mutate(v)} data-testid="hotline-source-form">
          <Form.Item name="name" label={t('ui.hotline.sourceName')} extra={t('ui.hotline.sourceNameHint')} rules={[{ required: true, whitespace: true, message: t('validation.required') }]}>
            <Input maxLength={100} id="hotline-source-name" />
          </Form.Item>
          <Form.Item name="unitId" label={t('ui.hotline.sourceUnit')} extra={t('ui.hotline.sourceUnitHint')} rules={[{ required: true, message: t('validation.required') }]}>
            <UnitPicker id="hotline-source-unit" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
