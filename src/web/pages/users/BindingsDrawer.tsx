import { App, Button, Divider, Drawer, Empty, Flex, Form, List, Popconfirm, Select, Space, Tag, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role } from '../../../shared/roles.js';
import { userKeys, usersApi, type UserView } from '../../api/users.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { LevelTag, RoleTag, roleKey } from '../../components/tags.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useFormReset } from '../../components/useFormReset.js';

/** An account's roles, each at a unit (its scope); add and remove when the caller may. */
export function BindingsDrawer({ userId, onClose }: { userId: string | null; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ role?: Role; unitId?: string }>();
  useFormReset(form, userId);
  const user = useQuery({ queryKey: ['users', 'one', userId], queryFn: () => usersApi.get(userId!), enabled: !!userId });
  const canManage = !!user.data?.abilities.manageBindings;
  const roles = useQuery({ queryKey: userKeys.roles, queryFn: usersApi.roles, enabled: canManage, staleTime: 300_000 });
  const changed = (u: UserView | undefined) => {
    void queryClient.invalidateQueries({ queryKey: userKeys.all });
    return u;
  };
  const add = useMutation({
    mutationFn: (v: { role: Role; unitId: string }) => usersApi.addBinding(userId!, v),
    onSuccess: (b) => {
      void message.success(t('ui.users.bindingAdded', { role: t(roleKey(b.role)), unit: b.unit.name }));
      form.resetFields();
      changed(undefined);
    },
    onError: (e) => showApiError(e, message, form, ['role', 'unitId']),
  });
  const remove = useMutation({
    mutationFn: (bindingId: string) => usersApi.removeBinding(userId!, bindingId),
    onSuccess: () => {
      void message.success(t('ui.users.bindingRemoved'));
      changed(undefined);
    },
    onError: (e) => showApiError(e, message),
  });

  return (
    <Drawer
      open={!!userId}
      onClose={onClose}
      size={480}
      destroyOnHidden
      title={user.data ? t('ui.users.bindingsTitle', { name: user.data.displayName, username: user.data.username }) : t('ui.users.bindings')}
    >
      <List
        loading={user.isPending}
        dataSource={user.data?.bindings ?? []}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('ui.users.noBindings')} /> }}
        renderItem={(b) => (
          <List.Item
            actions={canManage ? [(
              <Popconfirm
                key="remove"
                title={t('ui.users.removeBindingConfirm', { role: t(roleKey(b.role)), unit: b.unit.name })}
                okText={t('ui.common.remove')}
                cancelText={t('ui.common.cancel')}
                okButtonProps={{ danger: true }}
                onConfirm={() => remove.mutateAsync(b.id).catch(() => undefined)}
              >
                <Button type="text" danger icon={<DeleteOutlined />} aria-label={t('ui.common.remove')} />
              </Popconfirm>
            )] : []}
          >
            <Space wrap size={4}>
              <RoleTag role={b.role} />
              <Typography.Text type="secondary">@</Typography.Text>
              <LevelTag level={b.unit.level} />
              <span>{b.unit.name}</span>
            </Space>
          </List.Item>
        )}
      />
      {canManage && (
        <>
          <Divider titlePlacement="start" plain>{t('ui.users.addBinding')}</Divider>
          <Form
            form={form}
            layout="vertical"
            onFinish={(v) => {
              if (!v.role) return form.setFields([{ name: 'role', errors: [t('ui.users.pickRole')] }]);
              if (!v.unitId) return form.setFields([{ name: 'unitId', errors: [t('ui.users.pickUnit')] }]);
              add.mutate({ role: v.role, unitId: v.unitId });
            }}
          >
            <Form.Item name="role" label={t('ui.users.role')} required>
              <Select
                loading={roles.isPending}
                placeholder={t('ui.users.pickRole')}
                options={(roles.data ?? []).map((r) => ({
                  value: r.role,
                  label: (
                    <Flex justify="space-between" gap={8}>
                      <span>{t(roleKey(r.role))}</span>
                      {r.mfaRequired && <Tag color="gold" style={{ marginInlineEnd: 0 }}>{t('ui.users.mfaRequired')}</Tag>}
                    </Flex>
                  ),
                }))}
              />
            </Form.Item>
            <Form.Item name="unitId" label={t('ui.users.bindingUnit')} required extra={t('ui.users.bindingUnitHint')}>
              <UnitPicker />
            </Form.Item>
            <Button type="primary" htmlType="submit" icon={<PlusOutlined />} loading={add.isPending}>{t('ui.users.addBinding')}</Button>
          </Form>
        </>
      )}
    </Drawer>
  );
}
