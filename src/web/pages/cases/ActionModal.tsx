import { useMemo, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Flex, Form, Input, InputNumber, Modal, Progress, Radio, Select, Typography } from 'antd';
import { caseKeys, casesApi, type ApiCaseAction, type CaseDetail } from '../../api/cases.js';
import { suggestionKeys, suggestionsApi, type HandlerSuggestion, type Suggestion } from '../../api/suggestions.js';
import { useLocale } from '../../app/i18n.js';
import { PhotoPicker, photoIds, photosBusy, usePhotos } from '../../components/PhotoPicker.js';
import { ApiError } from '../../api/client.js';
import { showApiError } from '../../components/apiErrors.js';
import { useDebounced } from '../../components/useDebounced.js';
import { actionKey } from './common.js';

/** The fields each action's form shows (the body of POST /api/cases/:id/actions/<action>). */
export const ACTION_FIELDS: Record<ApiCaseAction, readonly string[]> = {
  accept: ['note'],
  reject: ['reason'],
  merge: ['targetId', 'note'],
  dispatch: ['target', 'unitId', 'departmentId', 'note'],
  whistle: ['departmentIds', 'leadDepartmentId', 'note'],
  claim: ['note'],
  return: ['reason'],
  escalate: ['reason'],
  feed_back: ['note'],
  verify_pass: ['note'],
  verify_fail: ['reason'],
  close: ['note'],
  rate: ['rating', 'comment'],
  follow_up: ['outcome', 'satisfaction', 'note'],
  supervise: ['mark', 'comment'],
  request_extension: ['amount', 'reason'],
  decide_extension: ['approve', 'note'],
};

/** Actions that only record something or move the case forward: the ones shown as the primary button. */
export const DANGER: ReadonlySet<string> = new Set(['reject', 'return', 'verify_fail', 'escalate']);

type Values = Record<string, unknown>;

/** Drop empty optional values; the form's helper fields never go to the server. */
export function bodyOf(action: ApiCaseAction, values: Values, version: number): Record<string, unknown> {
  const body: Record<string, unknown> = { version };
  for (const f of ACTION_FIELDS[action]) {
    if (f === 'target') continue;
    const v = values[f];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) continue;
    body[f] = typeof v === 'string' ? v.trim() : v;
  }
  if (action === 'dispatch') {
    if (values.target === 'unit') delete body.departmentId;
    else delete body.unitId;
  }
  return body;
}

interface Props {
  c: CaseDetail;
  action: ApiCaseAction | null;
  onClose: () => void;
}

/** A small form with exactly the fields one action needs; sends the version read, shows errors on fields. */
export function ActionModal({ c, action, onClose }: Props) {
  const { t } = useLocale();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const queryClient = useQueryClient();
  const needsTargets = action === 'dispatch' || action === 'whistle';
  // Only the valid targets (the server's dispatch rule), and the suggested ones on top.
  const targets = useQuery({ queryKey: suggestionKeys.dispatchTargets(c.id), queryFn: () => suggestionsApi.dispatchTargets(c.id), enabled: needsTargets });
  const suggestion = useQuery({ queryKey: suggestionKeys.forCase(c.id), queryFn: () => suggestionsApi.forCase(c.id), enabled: needsTargets });
  const target = Form.useWatch('target', form) as string | undefined;
  const chosen = Form.useWatch('departmentIds', form) as string[] | undefined;
  const [typed, setTyped] = useState('');
  // Photos go with a feed back, a verification or a return (on the phone pages too).
  const withPhotos = action === 'feed_back' || action === 'verify_pass' || action === 'verify_fail' || action === 'return';
  const [photos, setPhotos] = usePhotos();
  const mergeQ = useDebounced(typed.trim());
  const mergeTargets = useQuery({
    queryKey: caseKeys.list({ list: 'all', q: mergeQ || undefined, limit: 20 }),
    queryFn: () => casesApi.list({ list: 'all', q: mergeQ || undefined, limit: 20 }),
    enabled: action === 'merge',
  });

  const act = useMutation({
    mutationFn: (values: Values) => {
      const body = bodyOf(action!, values, c.version);
      if (withPhotos) {
        if (photosBusy(photos)) return Promise.reject(new ApiError(400, 'invalid', t('ui.attachments.wait'), 'attachmentIds'));
        if (photoIds(photos).length) body.attachmentIds = photoIds(photos);
      }
      return casesApi.act(c.id, action!, body as never);
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(caseKeys.detail(c.id), updated);
      void queryClient.invalidateQueries({ queryKey: caseKeys.all });
      void message.success(t('ui.cases.done', { action: t(actionKey(action!)) }));
      form.resetFields();
      setPhotos([]);
      onClose();
    },
    onError: (e) => {
      showApiError(e, message, form, action ? ACTION_FIELDS[action] : []);
      void queryClient.invalidateQueries({ queryKey: caseKeys.detail(c.id) });
    },
  });

  const deptOptions = useMemo(() => (targets.data?.departments ?? []).map((d) => ({ value: d.id, label: `${d.name}（${d.unit.name}）` })), [targets.data]);
  const unitOptions = useMemo(() => (targets.data?.units ?? []).map((u) => ({ value: u.id, label: `${u.name}（${t(`level.${u.level}`)}）`, title: u.name })), [targets.data, t]);
  const pickHandler = (h: HandlerSuggestion) => {
    if (action === 'whistle') {
      if (h.kind !== 'department') return;
      const now = (form.getFieldValue('departmentIds') as string[] | undefined) ?? [];
      form.setFieldsValue({ departmentIds: now.includes(h.id) ? now : [...now, h.id], ...(now.length ? {} : { leadDepartmentId: h.id }) });
      return;
    }
    form.setFieldsValue(h.kind === 'unit' ? { target: 'unit', unitId: h.id } : { target: 'department', departmentId: h.id });
  };
  const required = [{ required: true, message: t('ui.cases.required') }];
  const fields = action ? ACTION_FIELDS[action] : [];
  const has = (f: string) => fields.includes(f);
  const noteRequired = action === 'feed_back';

  return (
    <Modal
      open={!!action}
      title={action ? t(actionKey(action)) : ''}
      onCancel={() => { form.resetFields(); setPhotos([]); onClose(); }}
      onOk={() => form.submit()}
      okText={t('ui.cases.submit')}
      confirmLoading={act.isPending}
      okButtonProps={{ danger: action ? DANGER.has(action) : false, 'data-testid': 'action-submit' } as never}
      destroyOnHidden
      data-testid="action-modal"
    >
      <Form form={form} layout="vertical" onFinish={(v) => act.mutate(v)} initialValues={{ target: 'unit', rating: undefined, outcome: 'reached', approve: true, mark: 'yellow' }} data-testid="action-form">
        {has('targetId') && (
          <Form.Item name="targetId" label={t('field.targetId')} rules={required}>
            <Select
              showSearch={{ filterOption: false, onSearch: setTyped }}
              loading={mergeTargets.isFetching}
              options={(mergeTargets.data?.items ?? []).filter((x) => x.id !== c.id).map((x) => ({ value: x.id, label: `${x.number} ${x.description.slice(0, 30)}` }))}
            />
          </Form.Item>
        )}
        {needsTargets && (
          <HandlerSuggestions suggestion={suggestion.data} onPick={pickHandler} departmentsOnly={action === 'whistle'} />
        )}
        {has('target') && (
          <Form.Item name="target" label={t('ui.cases.dispatchTo')}>
            <Radio.Group options={[{ value: 'unit', label: t('ui.cases.toUnit') }, { value: 'department', label: t('ui.cases.toDepartment') }]} />
          </Form.Item>
        )}
        {has('unitId') && target !== 'department' && (
          <Form.Item name="unitId" label={t('ui.cases.unit')} rules={required}>
            <Select id="unitId" showSearch={{ optionFilterProp: 'label' }} options={unitOptions} loading={targets.isFetching} notFoundContent={t('ui.suggest.noTargets')} />
          </Form.Item>
        )}
        {has('departmentId') && target === 'department' && (
          <Form.Item name="departmentId" label={t('field.departmentId')} rules={required}>
            <Select id="departmentId" showSearch={{ optionFilterProp: 'label' }} options={deptOptions} loading={targets.isFetching} notFoundContent={t('ui.cases.noDepartments')} />
          </Form.Item>
        )}
        {has('departmentIds') && (
          <Form.Item name="departmentIds" label={t('field.departmentIds')} rules={required}>
            <Select mode="multiple" showSearch={{ optionFilterProp: 'label' }} options={deptOptions} loading={targets.isFetching} notFoundContent={t('ui.cases.noDepartments')} />
          </Form.Item>
        )}
        {has('leadDepartmentId') && (
          <Form.Item name="leadDepartmentId" label={t('field.leadDepartmentId')} rules={required}>
            <Select options={deptOptions.filter((o) => chosen?.includes(o.value))} />
          </Form.Item>
        )}
        {has('rating') && (
          <Form.Item name="rating" label={t('field.rating')} rules={required}>
            <Radio.Group options={(['satisfied', 'basic', 'dissatisfied'] as const).map((r) => ({ value: r, label: t(`ui.cases.rating.${r}`) }))} />
          </Form.Item>
        )}
        {has('outcome') && (
          <Form.Item name="outcome" label={t('field.outcome')} rules={required}>
            <Radio.Group options={(['reached', 'unreached'] as const).map((r) => ({ value: r, label: t(`ui.cases.outcome.${r}`) }))} />
          </Form.Item>
        )}
        {has('satisfaction') && (
          <Form.Item name="satisfaction" label={t('field.satisfaction')}>
            <Radio.Group options={(['satisfied', 'basic', 'dissatisfied'] as const).map((r) => ({ value: r, label: t(`ui.cases.rating.${r}`) }))} />
          </Form.Item>
        )}
        {has('mark') && (
          <Form.Item name="mark" label={t('field.mark')} rules={required}>
            <Radio.Group options={(['yellow', 'red'] as const).map((m) => ({ value: m, label: t(`ui.cases.supervision.${m}`) }))} />
          </Form.Item>
        )}
        {has('approve') && (
          <Form.Item name="approve" label={t('field.approve')} rules={required}>
            <Radio.Group options={[{ value: true, label: t('ui.cases.approve') }, { value: false, label: t('ui.cases.refuse') }]} />
          </Form.Item>
        )}
        {has('amount') && (
          <Form.Item name="amount" label={`${t('field.amount')}（${t(`ui.cases.limitUnit.${c.stageLimitUnit ?? 'working_days'}`)}）`} rules={required}>
            <InputNumber min={0.5} max={1000} step={0.5} style={{ width: 160 }} />
          </Form.Item>
        )}
        {has('reason') && (
          <Form.Item name="reason" label={t('ui.cases.reason')} rules={[...required, { max: 500 }]}>
            <Input.TextArea rows={3} maxLength={500} showCount />
          </Form.Item>
        )}
        {has('comment') && (
          <Form.Item name="comment" label={t('field.comment')} rules={action === 'supervise' ? [...required] : []}>
            <Input.TextArea rows={3} maxLength={500} showCount />
          </Form.Item>
        )}
        {has('note') && (
          <Form.Item name="note" label={noteRequired ? t('ui.cases.result') : t('field.note')} rules={noteRequired ? required : []}>
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        )}
        {withPhotos && (
          <Form.Item label={t('ui.attachments.photos')}>
            <PhotoPicker value={photos} onChange={setPhotos} disabled={act.isPending} testId="action-photos" />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

/**
 * The three suggested handlers with their confidence bars, learnt from the cases closed nearby;
 * clicking one fills the form's target. Only valid targets are ever suggested (the server filters).
 */
function HandlerSuggestions({ suggestion, onPick, departmentsOnly }: { suggestion: Suggestion | undefined; onPick: (h: HandlerSuggestion) => void; departmentsOnly: boolean }) {
  const { t } = useLocale();
  if (!suggestion) return null;
  const handlers = suggestion.handlers.filter((h) => !departmentsOnly || h.kind === 'department');
  const unit = suggestion.trainedOn.unit;
  return (
    <div data-testid="handler-suggestions" style={{ marginBottom: 16 }}>
      <Typography.Text strong>{t('ui.suggest.handlers')}</Typography.Text>
      {handlers.length === 0 && <div><Typography.Text type="secondary">{t('ui.suggest.untrained')}</Typography.Text></div>}
      {handlers.map((h) => (
        <Flex
          key={`${h.kind}:${h.id}`}
          role="button"
          tabIndex={0}
          title={t('ui.suggest.pick')}
          align="center"
          gap={8}
          onClick={() => onPick(h)}
          onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onPick(h); } }}
          style={{ cursor: 'pointer', padding: '2px 4px', borderRadius: 4 }}
          data-testid="handler-suggestion"
        >
          <span style={{ minWidth: 160 }}>{h.name}{h.kind === 'department' ? `（${t('ui.suggest.department')}）` : h.level ? `（${t(`level.${h.level}`)}）` : ''}</span>
          <Progress percent={Math.round(h.confidence * 100)} size="small" style={{ flex: 1, margin: 0 }} aria-label={t('ui.suggest.confidence', { p: Math.round(h.confidence * 100) })} />
        </Flex>
      ))}
      {unit && suggestion.trainedOn.count > 0 && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('ui.suggest.trainedOn', { unit: unit.name, n: suggestion.trainedOn.count })}</Typography.Text>
      )}
    </div>
  );
}
