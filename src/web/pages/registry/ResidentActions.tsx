import { Alert, App, DatePicker, Form, Input, Modal, Select } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Dayjs } from 'dayjs';
import { RELATIONS } from '../../../shared/registry/residents.schemas.js';
import { ApiError } from '../../api/client.js';
import { registryKeys, residentsApi, type ResidentView } from '../../api/registry.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { useFormReset } from '../../components/useFormReset.js';
import { relationKey } from './common.js';
import { afterToday, fromDay, today } from './dates.js';
import { HouseholdPicker } from './HouseholdPicker.js';

export type ResidentAction = 'move_out' | 'death' | 'household';

interface Values {
  date?: Dayjs | null;
  note?: string;
  householdId?: string;
  relation?: string;
}

/**
 * 迁出 / 死亡 / 变更住户: each a dated event that keeps the earlier state in the history. The
 * version read is sent; a change made meanwhile is reported (409) rather than overwritten.
 */
export function ResidentActionModal({ resident, action, onClose }: { resident: ResidentView; action: ResidentAction | null; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  useFormReset(form, action, { date: today() });

  const run = useMutation({
    mutationFn: (v: Values) => {
      const date = fromDay(v.date) ?? '';
      const base = { version: resident.version, date };
      if (action === 'move_out') return residentsApi.moveOut(resident.id, { ...base, note: v.note?.trim() || undefined });
      if (action === 'death') return residentsApi.death(resident.id, { ...base, note: v.note?.trim() || undefined });
      return residentsApi.changeHousehold(resident.id, { ...base, householdId: v.householdId ?? '', relation: (v.relation as never) || undefined });
    },
    onSuccess: (r) => {
      void message.success(t('ui.registry.action.done', { name: r.name }));
      queryClient.setQueryData(registryKeys.resident(r.id), r);
      void queryClient.invalidateQueries({ queryKey: registryKeys.residents });
      void queryClient.invalidateQueries({ queryKey: registryKeys.buildings });
      onClose();
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 409 && e.code === 'conflict') {
        form.setFields([{ name: 'date', errors: [t('ui.registry.resident.conflict')] }]);
        void queryClient.invalidateQueries({ queryKey: registryKeys.resident(resident.id) });
        return;
      }
      showApiError(e, message, form, ['date', 'note', 'householdId', 'relation']);
    },
  });

  const title = action === 'move_out' ? t('ui.registry.action.moveOutTitle', { name: resident.name })
    : action === 'death' ? t('ui.registry.action.deathTitle', { name: resident.name })
      : t('ui.registry.action.householdTitle', { name: resident.name });
  return (
    <Modal
      open={!!action}
      title={title}
      onCancel={onClose}
      okText={t('ui.registry.action.confirm')}
      cancelText={t('ui.common.cancel')}
      okButtonProps={{ danger: action === 'death' }}
      confirmLoading={run.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {action && action !== 'household' && (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title={t('ui.registry.action.keepsHistory')} />
      )}
      <Form<Values> form={form} layout="vertical" data-testid="resident-action-form" onFinish={(v) => run.mutate(v)}>
        {action === 'household' && (
          <>
            <Form.Item name="householdId" label={t('ui.registry.action.newHousehold')} required>
              <HouseholdPicker />
            </Form.Item>
            <Form.Item name="relation" label={t('ui.registry.resident.relation')}>
              <Select allowClear options={RELATIONS.map((r) => ({ value: r, label: t(relationKey(r)) }))} />
            </Form.Item>
          </>
        )}
        <Form.Item
          name="date"
          label={t(action === 'move_out' ? 'ui.registry.action.moveOutDate' : action === 'death' ? 'ui.registry.action.deathDate' : 'ui.registry.action.householdDate')}
          rules={[{ required: true, message: t('ui.registry.action.dateRequired') }]}
        >
          <DatePicker style={{ width: '100%' }} disabledDate={afterToday} />
        </Form.Item>
        {action !== 'household' && (
          <Form.Item name="note" label={t('ui.registry.action.note')}>
            <Input.TextArea rows={2} maxLength={200} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
