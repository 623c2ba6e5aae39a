import { App, Form, Modal, Typography } from 'antd';
import { useMutation } from '@tanstack/react-query';
import { UNIT_LEVELS, type UnitLevel } from '../../../shared/roles.js';
import { unitsApi, type UnitDetail, type UnitView } from '../../api/units.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { levelKey } from '../../components/tags.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useFormReset } from '../../components/useFormReset.js';

/** Move a unit (with everything under it) to a new parent of the level above it. */
export function MoveUnitModal({ unit, onClose, onMoved }: { unit: UnitView | null; onClose: () => void; onMoved: (d: UnitDetail) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ parentId?: string }>();
  useFormReset(form, unit);
  const parentLevel: UnitLevel | undefined = unit ? UNIT_LEVELS[UNIT_LEVELS.indexOf(unit.level) - 1] : undefined;
  const move = useMutation({
    mutationFn: (parentId: string) => unitsApi.move(unit!.id, parentId),
    onSuccess: (d) => {
      void message.success(t('ui.units.moved', { name: d.unit.name }));
      onMoved(d);
    },
    onError: (e) => showApiError(e, message, form, ['parentId']),
  });
  return (
    <Modal
      open={!!unit}
      title={unit ? t('ui.units.moveTitle', { name: unit.name }) : ''}
      okText={t('ui.units.move')}
      cancelText={t('ui.common.cancel')}
      confirmLoading={move.isPending}
      onCancel={onClose}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {parentLevel && <Typography.Paragraph type="secondary">{t('ui.units.moveHint', { level: t(levelKey(parentLevel)) })}</Typography.Paragraph>}
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => {
          if (!v.parentId) form.setFields([{ name: 'parentId', errors: [t('ui.units.pickParent')] }]);
          else move.mutate(v.parentId);
        }}
      >
        <Form.Item name="parentId" label={t('ui.units.newParent')} required>
          <UnitPicker level={parentLevel} exclude={unit?.parentId ? [unit.parentId] : []} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
