import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Descriptions, Empty, Flex, Row, Space, Table, Tag, Timeline, Typography } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { caseKeys, casesApi, type ApiCaseAction, type CaseDetail } from '../../api/cases.js';
import { useLocale, type Translate } from '../../app/i18n.js';
import { formatDateTime } from '../../components/format.js';
import { PageSpinner } from '../../app/AppLayout.js';
import { ActionModal, DANGER } from './ActionModal.js';
import { CaseMap, useGridArea } from './CaseMap.js';
import { actionKey, buttonActions, Deadline, stateKey, StateTag, SupervisionTag, UrgencyTag } from './common.js';
import { PhotoGallery } from '../../components/PhotoGallery.js';
import { DuplicatePanel } from './DuplicatePanel.js';

/** One case: header, place on a map, description, photos, reporter (masked), work orders, timeline and the actions allowed now. */
export default function CasePage() {
  const { id = '' } = useParams();
  const { t, locale } = useLocale();
  const navigate = useNavigate();
  const [action, setAction] = useState<ApiCaseAction | null>(null);
  const q = useQuery({ queryKey: caseKeys.detail(id), queryFn: () => casesApi.detail(id) });
  const area = useGridArea(q.data?.unit.id);

  if (q.isPending) return <PageSpinner />;
  if (q.isError) return <Alert type="error" showIcon title={q.error.message} action={<Button onClick={() => navigate('/cases')}>{t('ui.cases.back')}</Button>} />;
  const c = q.data;
  const actions = buttonActions(c);

  return (
    <Flex vertical gap={12} data-testid="case-page">
      <Card
        title={
          <Space wrap>
            <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate(-1)} aria-label={t('ui.cases.back')} />
            <Typography.Text strong data-testid="case-number">{c.number}</Typography.Text>
            <Tag>{c.category.name}</Tag>
            <StateTag state={c.state} />
            <UrgencyTag urgency={c.urgency} />
            <SupervisionTag mark={c.supervision} />
            {c.reopenCount > 0 && <Tag color="magenta">{t('ui.cases.reopened', { n: c.reopenCount })}</Tag>}
          </Space>
        }
        extra={<Deadline c={c} />}
      >
        <Flex gap={8} wrap data-testid="case-actions">
          {actions.length === 0 && <Typography.Text type="secondary">{t('ui.cases.noActions')}</Typography.Text>}
          {actions.map((a, i) => (
            <Button key={a} type={i === 0 && !DANGER.has(a) ? 'primary' : 'default'} danger={DANGER.has(a)} onClick={() => setAction(a)} data-testid={`action-${a}`}>
              {t(actionKey(a))}
            </Button>
          ))}
        </Flex>
      </Card>
      <DuplicatePanel c={c} />
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={14}>
          <Card title={t('ui.cases.details')} size="small">
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label={t('field.description')}><span data-testid="case-description" style={{ whiteSpace: 'pre-wrap' }}>{c.description}</span></Descriptions.Item>
              <Descriptions.Item label={t('ui.cases.col.place')}>{c.unit.name}{c.address ? ` · ${c.address}` : ''}</Descriptions.Item>
              <Descriptions.Item label={t('ui.cases.handlingUnit')}>{c.handlingUnit.name}</Descriptions.Item>
              <Descriptions.Item label={t('field.source')}>{t(`ui.cases.source.${c.source}`)}</Descriptions.Item>
              <Descriptions.Item label={t('ui.cases.reporter')}>
                <span data-testid="case-reporter">{[c.reporter.name, c.reporter.phone].filter(Boolean).join(' ') || '—'}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('ui.cases.reportedAt')}>{formatDateTime(c.createdAt, locale)}</Descriptions.Item>
              {c.hotlineOrderNo && <Descriptions.Item label={t('field.hotlineOrderNo')}>{c.hotlineOrderNo}</Descriptions.Item>}
              {c.hotlineDeadline && <Descriptions.Item label={t('field.hotlineDeadline')}><span data-testid="hotline-deadline">{formatDateTime(c.hotlineDeadline, locale)}</span></Descriptions.Item>}
              {c.rating && (
                <Descriptions.Item label={t('field.rating')}>{t(`ui.cases.rating.${c.rating}`)}{c.ratingComment ? ` — ${c.ratingComment}` : ''}</Descriptions.Item>
              )}
              {c.mergedInto && <Descriptions.Item label={t('field.targetId')}><a onClick={() => navigate(`/cases/${c.mergedInto!.id}`)}>{c.mergedInto.number}</a></Descriptions.Item>}
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card title={t('ui.cases.location')} size="small">
            {area.data && (area.data.focus.boundary || area.data.around.length > 0)
              ? <CaseMap focus={area.data.focus} around={area.data.around} point={{ lng: c.lng, lat: c.lat }} />
              : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={`${c.lng.toFixed(6)}, ${c.lat.toFixed(6)}`} />}
          </Card>
        </Col>
      </Row>
      {c.attachments.length > 0 && (
        <Card title={t('ui.attachments.photos')} size="small">
          <PhotoGallery photos={c.attachments} size={112} testId="case-photos" />
        </Card>
      )}
      <Card title={t('ui.cases.workOrders')} size="small">
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={c.workOrders}
          data-testid="work-orders"
          scroll={{ x: 700 }}
          locale={{ emptyText: t('ui.cases.noWorkOrders') }}
          columns={[
            { title: t('ui.cases.assignee'), key: 'assignee', render: (_, o) => <>{o.assignee.kind === 'unit' ? o.assignee.unit.name : o.assignee.department.name}{o.lead && c.workOrders.length > 1 ? <Tag color="blue" style={{ marginInlineStart: 6 }}>{t('ui.cases.lead')}</Tag> : null}</> },
            { title: t('field.state'), key: 'state', render: (_, o) => t(`ui.cases.order.${o.state}`) },
            { title: t('ui.cases.dispatchedAt'), key: 'd', render: (_, o) => `${formatDateTime(o.dispatchedAt, locale)}${o.dispatchedBy ? ` · ${o.dispatchedBy}` : ''}` },
            { title: t('ui.cases.claimedAt'), key: 'c', render: (_, o) => (o.claimedAt ? `${formatDateTime(o.claimedAt, locale)}${o.claimedBy ? ` · ${o.claimedBy}` : ''}` : '—') },
            { title: t('field.note'), dataIndex: 'note', render: (v: string | null) => v ?? '' },
          ]}
        />
        {c.extensionRequests.length > 0 && (
          <Flex vertical gap={4} style={{ marginTop: 12 }}>
            {c.extensionRequests.map((x) => (
              <Typography.Text key={x.id}>
                {t('ui.cases.extension', { amount: x.amount, unit: t(`ui.cases.limitUnit.${x.unit}`), state: t(`ui.cases.extensionState.${x.state}`) })} — {x.reason}
              </Typography.Text>
            ))}
          </Flex>
        )}
      </Card>
      <Card title={t('ui.cases.timeline')} size="small">
        <CaseTimeline c={c} t={t} locale={locale} />
      </Card>
      <ActionModal c={c} action={action} onClose={() => setAction(null)} />
    </Flex>
  );
}

/** The case's steps, oldest first: who, when, what, from → to, note. */
export function CaseTimeline({ c, t, locale }: { c: CaseDetail; t: Translate; locale: 'zh-CN' | 'en' }) {
  return (
    <Timeline
      data-testid="case-timeline"
      items={c.timeline.map((e) => ({
        color: e.toState === 'closed' ? 'green' : e.action === 'reject' || e.action.endsWith('fail') || e.action === 'return' ? 'red' : 'blue',
        content: (
          <div data-testid="timeline-event">
            <Typography.Text strong>{t(actionKey(e.action))}</Typography.Text>
            <Typography.Text type="secondary" style={{ marginInlineStart: 8 }}>{formatDateTime(e.occurredAt, locale)}</Typography.Text>
            {e.actor && <Typography.Text style={{ marginInlineStart: 8 }}>{e.actor}</Typography.Text>}
            <div>
              <Typography.Text type="secondary">
                {e.fromState ? `${t(stateKey(e.fromState))} → ` : ''}{t(stateKey(e.toState))}
              </Typography.Text>
            </div>
            {e.note && <div style={{ whiteSpace: 'pre-wrap' }}>{e.note}</div>}
            {e.attachmentIds.length > 0 && (
              <div style={{ marginTop: 6 }}>
                <PhotoGallery photos={c.attachments.filter((p) => e.attachmentIds.includes(p.id))} size={64} testId="timeline-photos" />
              </div>
            )}
          </div>
        ),
      }))}
    />
  );
}
