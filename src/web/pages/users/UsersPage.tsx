import { useState } from 'react';
import { App, Button, Card, Flex, Input, Popconfirm, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role } from '../../../shared/roles.js';
import { userKeys, usersApi, type UserListQuery, type UserView } from '../../api/users.js';
import { useLocale } from '../../app/i18n.js';
import { hasPermission, useCurrentUser } from '../../app/session.js';
import { showApiError } from '../../components/apiErrors.js';
import { LevelTag, RoleTag } from '../../components/tags.js';
import { useDebounced } from '../../components/useDebounced.js';
import { formatDateTime } from '../../components/format.js';
import { BindingsDrawer } from './BindingsDrawer.js';
import { ResetPasswordModal } from './ResetPasswordModal.js';
import { UserFormDrawer, type UserFormMode } from './UserFormDrawer.js';

type Status = NonNullable<UserListQuery['status']>;
const PAGE_SIZE = 20;

const isLocked = (u: UserView) => !!u.lockedUntil && new Date(u.lockedUntil).getTime() > Date.now();

/** 用户与角色: accounts in scope, their state and roles, with the actions each record allows. */
export default function UsersPage() {
  const { t, locale } = useLocale();
  const { message } = App.useApp();
  const me = useCurrentUser();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), 300);
  const [status, setStatus] = useState<Status | undefined>();
  const [page, setPage] = useState(1);
  const [form, setForm] = useState<UserFormMode | null>(null);
  const [resetting, setResetting] = useState<UserView | null>(null);
  const [bindingsOf, setBindingsOf] = useState<string | null>(null);

  const query: UserListQuery = { q: q || undefined, status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const list = useQuery({ queryKey: userKeys.list(query), queryFn: () => usersApi.list(query), placeholderData: keepPreviousData });
  const changed = () => queryClient.invalidateQueries({ queryKey: userKeys.all });
  const unlock = useMutation({
    mutationFn: (u: UserView) => usersApi.unlock(u.id),
    onSuccess: (u) => { void message.success(t('ui.users.unlocked', { username: u.username })); void changed(); },
    onError: (e) => showApiError(e, message),
  });
  const resetMfa = useMutation({
    mutationFn: (u: UserView) => usersApi.resetMfa(u.id),
    onSuccess: (u) => { void message.success(t('ui.users.mfaResetDone', { username: u.username })); void changed(); },
    onError: (e) => showApiError(e, message),
  });
  const seesBindings = hasPermission(me, 'role_binding.read', 'role_binding.manage');

  return (
    <Card
      title={t('ui.nav.users')}
      extra={hasPermission(me, 'user.create') && (
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setForm({ kind: 'create' })}>{t('ui.users.create')}</Button>
      )}
    >
      <Flex gap={8} wrap style={{ marginBottom: 12 }}>
        <Input.Search
          allowClear
          placeholder={t('ui.users.searchPlaceholder')}
          value={search}
          onChange={(e) => { setSearch(e.target.value); setPage(1); }}
          style={{ maxWidth: 280 }}
        />
        <Select<Status>
          allowClear
          placeholder={t('ui.users.statusFilter')}
          value={status}
          onChange={(v) => { setStatus(v); setPage(1); }}
          style={{ width: 160 }}
          options={[
            { value: 'active', label: t('ui.users.status.active') },
            { value: 'disabled', label: t('ui.users.status.disabled') },
            { value: 'locked', label: t('ui.users.status.locked') },
          ]}
        />
      </Flex>
      <Table<UserView>
        rowKey="id"
        size="middle"
        data-testid="users-table"
        loading={list.isFetching}
        dataSource={list.data?.items ?? []}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: list.isError ? list.error.message : t('ui.users.none') }}
        pagination={{
          current: page,
          pageSize: PAGE_SIZE,
          total: list.data?.total ?? 0,
          showSizeChanger: false,
          onChange: setPage,
          showTotal: (total) => t('ui.common.total', { total }),
        }}
        columns={[
          {
            key: 'user',
            title: t('ui.users.account'),
            render: (_, u) => (
              <Flex vertical>
                <Typography.Text strong>{u.displayName}</Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>{u.username}</Typography.Text>
              </Flex>
            ),
          },
          {
            key: 'unit',
            title: t('ui.users.unit'),
            render: (_, u) => <Space size={2}><LevelTag level={u.unit.level} />{u.unit.name}</Space>,
          },
          ...(seesBindings ? [{
            key: 'roles',
            title: t('ui.users.roles'),
            render: (_: unknown, u: UserView) => (
              <Space size={[0, 4]} wrap>
                {u.bindings.map((b) => (
                  <Tooltip key={b.id} title={b.unit.name}><span><RoleTag role={b.role as Role} /></span></Tooltip>
                ))}
              </Space>
            ),
          }] : []),
          {
            key: 'status',
            title: t('ui.users.status'),
            render: (_, u) => (
              <Space size={[0, 4]} wrap>
                {!u.isActive ? <Tag color="red">{t('ui.users.status.disabled')}</Tag>
                  : isLocked(u) ? <Tooltip title={t('ui.users.lockedUntil', { time: formatDateTime(u.lockedUntil!, locale) })}><Tag color="orange">{t('ui.users.status.locked')}</Tag></Tooltip>
                    : <Tag color="green">{t('ui.users.status.active')}</Tag>}
                {u.mfaEnabled ? <Tag color="blue">{t('ui.users.mfaOn')}</Tag>
                  : u.mfaRequired ? <Tag color="gold">{t('ui.users.mfaPending')}</Tag> : null}
              </Space>
            ),
          },
          {
            key: 'actions',
            title: t('ui.common.actions'),
            render: (_, u) => (
              <Space size={0} wrap>
                {u.abilities.update && <Button type="link" size="small" onClick={() => setForm({ kind: 'edit', user: u })}>{t('ui.common.edit')}</Button>}
                {u.abilities.resetPassword && <Button type="link" size="small" onClick={() => setResetting(u)}>{t('ui.users.resetPassword')}</Button>}
                {u.abilities.unlock && isLocked(u) && (
                  <Button type="link" size="small" loading={unlock.isPending && unlock.variables?.id === u.id} onClick={() => unlock.mutate(u)}>{t('ui.users.unlock')}</Button>
                )}
                {u.abilities.resetMfa && u.mfaEnabled && (
                  <Popconfirm
                    title={t('ui.users.resetMfaConfirm', { username: u.username })}
                    okText={t('ui.users.resetMfa')}
                    cancelText={t('ui.common.cancel')}
                    okButtonProps={{ danger: true }}
                    onConfirm={() => resetMfa.mutateAsync(u).catch(() => undefined)}
                  >
                    <Button type="link" size="small" danger>{t('ui.users.resetMfa')}</Button>
                  </Popconfirm>
                )}
                {(u.abilities.manageBindings || (seesBindings && u.bindings.length > 0)) && (
                  <Button type="link" size="small" onClick={() => setBindingsOf(u.id)}>{t('ui.users.bindings')}</Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      <UserFormDrawer mode={form} onClose={() => setForm(null)} />
      <ResetPasswordModal user={resetting} onClose={() => setResetting(null)} />
      <BindingsDrawer userId={bindingsOf} onClose={() => setBindingsOf(null)} />
    </Card>
  );
}
