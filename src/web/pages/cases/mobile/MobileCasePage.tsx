import { useState } from 'react';
import { useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Card, DotLoading, ErrorBlock, Popup, Selector, Space, Steps, Tag, TextArea, Toast } from 'antd-mobile';
import { ApiError } from '../../../api/client.js';
import { caseKeys, casesApi, type ApiCaseAction, type CaseDetail } from '../../../api/cases.js';
import { useLocale } from '../../../app/i18n.js';
import { formatDateTime } from '../../../components/format.js';
import { actionKey, buttonActions, stateKey } from '../common.js';
import { MobileShell } from './MobileShell.js';
import { PhotoGallery } from '../../../components/PhotoGallery.js';
import { DuplicatePanel } from '../DuplicatePanel.js';
import { PhotoPicker, photoIds, photosBusy, usePhotos } from '../../../components/PhotoPicker.js';

/** Actions a phone handles; the rest (dispatch, whistle …) are done on the desktop case page. */
const PHONE_ACTIONS: readonly ApiCaseAction[] = ['claim', 'feed_back', 'return', 'escalate', 'verify_pass', 'verify_fail', 'rate', 'accept', 'reject', 'close'];
const REASON: readonly ApiCaseAction[] = ['return', 'escalate', 'verify_fail', 'reject'];
const NEGATIVE: readonly ApiCaseAction[] = ['return', 'escalate', 'verify_fail', 'reject'];
/** Steps that take photos: the handling's result, the verification on site, a return. */
const WITH_PHOTOS: readonly ApiCaseAction[] = ['feed_back', 'verify_pass', 'verify_fail', 'return'];

/** One case on the phone: what, where, its photos, its timeline, and the buttons for what one may do now. */
export default function MobileCasePage() {
  const { id = '' } = useParams();
  const { t, locale } = useLocale();
  const q = useQuery({ queryKey: caseKeys.detail(id), queryFn: () => casesApi.detail(id), refetchOnMount: 'always' });
  const [action, setAction] = useState<ApiCaseAction | null>(null);

  if (q.isPending) return <MobileShell title={t('ui.cases.m.case')} back="/m/cases"><div style={{ padding: 24, textAlign: 'center' }}><DotLoading /></div></MobileShell>;
  if (q.isError) return <MobileShell title={t('ui.cases.m.case')} back="/m/cases"><ErrorBlock status="default" title={q.error.message} description="" /></MobileShell>;
  const c = q.data;
  const actions = buttonActions(c).filter((a) => PHONE_ACTIONS.includes(a));

  return (
    <MobileShell title={t('ui.cases.m.case')} back="/m/cases">
      <Card style={{ margin: 8 }} data-testid="m-case">
        <Space wrap align="center">
          <strong data-testid="case-number">{c.number}</strong>
          <Tag color="primary" data-testid="case-state">{t(stateKey(c.state))}</Tag>
          {c.reopenCount > 0 && <Tag color="danger" data-testid="m-reopened">{t('ui.cases.reopened', { n: c.reopenCount })}</Tag>}
        </Space>
        <div style={{ marginTop: 8, color: '#888' }}>{c.category.name} · {c.unit.name}{c.address ? ` · ${c.address}` : ''}</div>
        <div style={{ marginTop: 8, whiteSpace: 'pre-wrap' }} data-testid="case-description">{c.description}</div>
        {c.stageDeadline && (
          <div style={{ marginTop: 8, color: c.overdueLevel === 'red' ? '#ff3141' : c.overdueLevel === 'yellow' ? '#ff8f1f' : '#00b578' }}>
            {t('ui.cases.col.deadline')}：{formatDateTime(c.stageDeadline, locale)}
          </div>
        )}
        {c.hotlineOrderNo && (
          <div style={{ marginTop: 8, color: '#888' }} data-testid="m-hotline">
            {t('field.hotlineOrderNo')}：{c.hotlineOrderNo}{c.hotlineDeadline ? ` · ${t('field.hotlineDeadline')}：${formatDateTime(c.hotlineDeadline, locale)}` : ''}
          </div>
        )}
        {c.attachments.length > 0 && (
          <div style={{ marginTop: 10 }}>
            <PhotoGallery photos={c.attachments} variant="mobile" size={76} testId="m-case-photos" />
          </div>
        )}
        {c.rating && <div style={{ marginTop: 8 }}>{t('field.rating')}：{t(`ui.cases.rating.${c.rating}`)}{c.ratingComment ? ` — ${c.ratingComment}` : ''}</div>}
      </Card>
      {actions.length > 0 && (
        <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, padding: '0 8px' }} data-testid="case-actions">
          {actions.map((a) => (
            <Button key={a} color={NEGATIVE.includes(a) ? 'danger' : 'primary'} fill={NEGATIVE.includes(a) ? 'outline' : 'solid'}
              style={{ flex: '1 1 40%' }} onClick={() => setAction(a)} data-testid={`action-${a}`}>
              {t(actionKey(a))}
            </Button>
          ))}
        </div>
      )}
      <div style={{ margin: 8 }}><DuplicatePanel c={c} caseHref={(id) => `/m/cases/${id}`} /></div>
      <Card title={t('ui.cases.timeline')} style={{ margin: 8 }}>
        <Steps direction="vertical" current={c.timeline.length - 1} data-testid="case-timeline">
          {c.timeline.map((e) => (
            <Steps.Step
              key={e.id}
              title={<span data-testid="timeline-event">{t(actionKey(e.action))} · {t(stateKey(e.toState))}</span>}
              description={
                <div>
                  <div>{formatDateTime(e.occurredAt, locale)}{e.actor ? ` · ${e.actor}` : ''}</div>
                  {e.note && <div style={{ whiteSpace: 'pre-wrap' }}>{e.note}</div>}
                  {e.attachmentIds.length > 0 && (
                    <div style={{ marginTop: 6 }}>
                      <PhotoGallery photos={c.attachments.filter((p) => e.attachmentIds.includes(p.id))} variant="mobile" size={56} testId="timeline-photos" />
                    </div>
                  )}
                </div>
              }
            />
          ))}
        </Steps>
      </Card>
      <ActionPopup c={c} action={action} onClose={() => setAction(null)} />
    </MobileShell>
  );
}

function ActionPopup({ c, action, onClose }: { c: CaseDetail; action: ApiCaseAction | null; onClose: () => void }) {
  const { t } = useLocale();
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [rating, setRating] = useState<'satisfied' | 'basic' | 'dissatisfied' | undefined>();
  const [error, setError] = useState<{ field?: string; message: string } | null>(null);
  const [photos, setPhotos] = usePhotos();
  const reset = () => { setText(''); setRating(undefined); setError(null); for (const p of photos) URL.revokeObjectURL(p.preview); setPhotos([]); };

  const act = useMutation({
    mutationFn: () => {
      const a = action!;
      const body: Record<string, unknown> = { version: c.version };
      const v = text.trim();
      if (a === 'rate') {
        if (!rating) return Promise.reject(new ApiError(400, 'invalid', t('case.refused.rating_required'), 'rating'));
        body.rating = rating;
        if (v) body.comment = v;
      } else if (REASON.includes(a)) {
        if (!v) return Promise.reject(new ApiError(400, 'invalid', t('ui.cases.required'), 'reason'));
        body.reason = v;
      } else if (a === 'feed_back') {
        if (!v) return Promise.reject(new ApiError(400, 'invalid', t('ui.cases.required'), 'note'));
        body.note = v;
      } else if (v) {
        body.note = v;
      }
      if (WITH_PHOTOS.includes(a)) {
        if (photosBusy(photos)) return Promise.reject(new ApiError(400, 'invalid', t('ui.attachments.wait'), 'attachmentIds'));
        if (photoIds(photos).length) body.attachmentIds = photoIds(photos);
      }
      return casesApi.act(c.id, a, body as never);
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(caseKeys.detail(c.id), updated);
      void queryClient.invalidateQueries({ queryKey: caseKeys.all });
      Toast.show({ icon: 'success', content: t('ui.cases.done', { action: t(actionKey(action!)) }) });
      reset();
      onClose();
    },
    onError: (e) => {
      setError({ field: e instanceof ApiError ? e.field : undefined, message: e.message });
      void queryClient.invalidateQueries({ queryKey: caseKeys.detail(c.id) });
    },
  });

  const textLabel = !action ? '' : action === 'rate' ? t('field.comment') : REASON.includes(action) ? t('ui.cases.reason') : action === 'feed_back' ? t('ui.cases.result') : t('field.note');
  return (
    <Popup visible={!!action} onMaskClick={() => { reset(); onClose(); }} bodyStyle={{ borderTopLeftRadius: 12, borderTopRightRadius: 12, padding: 16, boxSizing: 'border-box', maxHeight: '85vh', overflowY: 'auto' }} destroyOnClose>
      <div data-testid="m-action-form">
        <div style={{ fontSize: 17, fontWeight: 600, marginBottom: 12 }}>{action ? t(actionKey(action)) : ''}</div>
        {action === 'rate' && (
          <>
            <div style={{ marginBottom: 6 }}>{t('field.rating')}</div>
            <Selector columns={3} value={rating ? [rating] : []} onChange={(v) => { setRating(v[0]); setError(null); }} data-testid="m-rating"
              options={(['satisfied', 'basic', 'dissatisfied'] as const).map((r) => ({ value: r, label: t(`ui.cases.rating.${r}`) }))} />
            {error?.field === 'rating' && <div style={{ color: '#ff3141', marginTop: 4 }}>{error.message}</div>}
          </>
        )}
        <div style={{ margin: '12px 0 6px' }}>{textLabel}</div>
        <TextArea value={text} onChange={setText} rows={3} maxLength={action === 'feed_back' ? 2000 : 500} showCount
          style={{ background: '#f5f5f5', padding: 8, borderRadius: 6, boxSizing: 'border-box', width: '100%' }} data-testid="m-action-text" />
        {action && WITH_PHOTOS.includes(action) && (
          <>
            <div style={{ margin: '12px 0 6px' }}>{t('ui.attachments.photos')}</div>
            <PhotoPicker value={photos} onChange={setPhotos} disabled={act.isPending} testId="m-action-photos" />
          </>
        )}
        {error && error.field !== 'rating' && <div style={{ color: '#ff3141', marginTop: 4 }} data-testid="m-action-error">{error.message}</div>}
        <Button block color="primary" size="large" style={{ marginTop: 16 }} loading={act.isPending} onClick={() => act.mutate()} data-testid="m-action-submit">
          {t('ui.cases.submit')}
        </Button>
      </div>
    </Popup>
  );
}
