import { App, Button, Drawer, Form, Input, Select, Space, Switch } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Locale } from '../../../shared/i18n/index.js';
import { userKeys, usersApi, type UserView } from '../../api/users.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useFormReset } from '../../components/useFormReset.js';

export type UserFormMode = { kind: 'create' } | { kind: 'edit'; user: UserView };

interface Values {
  username?: string;
  displayName?: string;
  password?: string;
  unitId?: string;
  locale?: Locale;
  isActive?: boolean;
}

const FIELDS = ['username', 'displayName', 'password', 'unitId', 'locale', 'isActive'];

/** Create an account (username, name, initial password, unit) or edit one (name, unit, enabled). */
export function UserFormDrawer({ mode, onClose }: { mode: UserFormMode | null; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const editing = mode?.kind === 'edit' ? mode.user : null;
  useFormReset(form, mode, editing
    ? { displayName: editing.displayName, unitId: editing.unit.id, isActive: editing.isActive }
    : { locale: 'zh-CN' });

  const save = useMutation({
    mutationFn: (v: Values) => {
      if (!editing) {
        return usersApi.create({
          username: (v.username ?? '').trim(),
          displayName: v.displayName ?? '',
          password: v.password ?? '',
          unitId: v.unitId ?? '',
          locale: v.locale,
        });
      }
      const patch: { displayName?: string; unitId?: string; isActive?: boolean } = {};
      if (v.displayName !== editing.displayName) patch.displayName = v.displayName ?? '';
      if (v.unitId !== editing.unit.id) patch.unitId = v.unitId ?? '';
      if (v.isActive !== editing.isActive) patch.isActive = v.isActive;
      return usersApi.update(editing.id, patch);
    },
    onSuccess: (u) => {
      void message.success(t(editing ? 'ui.users.saved' : 'ui.users.created', { username: u.username }));
      void queryClient.invalidateQueries({ queryKey: userKeys.all });
      onClose();
    },
    onError: (e) => showApiError(e, message, form, FIELDS),
  });

  return (
    <Drawer
      open={!!mode}
      onClose={onClose}
      title={editing ? t('ui.users.editTitle', { username: editing.username }) : t('ui.users.createTitle')}
      size={440}
      destroyOnHidden
      extra={(
        <Space>
          <Button onClick={onClose}>{t('ui.common.cancel')}</Button>
          <Button type="primary" loading={save.isPending} onClick={() => form.submit()}>{t('ui.common.save')}</Button>
        </Space>
      )}
    >
      <Form
        form={form}
        layout="vertical"
        data-testid="user-form"
        onFinish={(v) => save.mutate(v)}
      >
        {!editing && (
          <Form.Item name="username" label={t('ui.users.username')} required extra={t('ui.users.usernameHint')}>
            <Input autoComplete="off" maxLength={64} />
          </Form.Item>
        )}
        <Form.Item name="displayName" label={t('ui.users.displayName')} required>
          <Input maxLength={100} />
        </Form.Item>
        {!editing && (
          <Form.Item name="password" label={t('ui.users.initialPassword')} required extra={t('ui.users.passwordHint')}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        )}
        <Form.Item name="unitId" label={t('ui.users.unit')} required>
          <UnitPicker initial={editing?.unit} />
        </Form.Item>
        {!editing && (
          <Form.Item name="locale" label={t('ui.users.locale')}>
            <Select options={[{ value: 'zh-CN', label: '中文' }, { value: 'en', label: 'English' }]} />
          </Form.Item>
        )}
        {editing && (
          <Form.Item name="isActive" label={t('ui.users.enabled')} valuePropName="checked" extra={t('ui.users.disableHint')}>
            <Switch />
          </Form.Item>
        )}
      </Form>
    </Drawer>
  );
}
