import { useState } from 'react';
import { Alert, App, Button, Drawer, Flex, Grid, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { UserAddOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { caseSettingsApi, caseSettingsKeys, type DepartmentMember, type DepartmentView } from '../../api/case-settings.js';
import { useLocale } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { useDebounced } from '../../components/useDebounced.js';
import { nameIn } from './common.js';

/** A department's members (the accounts that receive its work orders): list, remove, add a handler account. */
export function MembersDrawer({ department, onClose }: { department: DepartmentView | null; onClose: () => void }) {
  const { t, locale } = useLocale();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const screens = Grid.useBreakpoint();
  const [typed, setTyped] = useState('');
  const q = useDebounced(typed.trim(), 300);
  const [chosen, setChosen] = useState<string | undefined>();
  const id = department?.id ?? '';

  const members = useQuery({ queryKey: caseSettingsKeys.members(id), queryFn: () => caseSettingsApi.members(id), enabled: !!department });
  const candidates = useQuery({
    queryKey: caseSettingsKeys.candidates(id, q),
    queryFn: () => caseSettingsApi.candidates(id, q || undefined),
    enabled: !!department,
  });
  const changed = () => queryClient.invalidateQueries({ queryKey: caseSettingsKeys.departments });

  const add = useMutation({
    mutationFn: (userId: string) => caseSettingsApi.addMember(id, userId),
    onSuccess: (_, userId) => {
      const c = candidates.data?.find((x) => x.userId === userId);
      void message.success(t('ui.case_settings.member_added', { name: c?.displayName ?? '' }));
      setChosen(undefined);
      setTyped('');
      void changed();
    },
    onError: (e) => showApiError(e, message),
  });
  const remove = useMutation({
    mutationFn: (m: DepartmentMember) => caseSettingsApi.removeMember(id, m.userId),
    onSuccess: (_, m) => {
      void message.success(t('ui.case_settings.member_removed', { name: m.displayName }));
      void changed();
    },
    onError: (e) => showApiError(e, message),
  });

  const close = () => {
    setChosen(undefined);
    setTyped('');
    onClose();
  };

  return (
    <Drawer
      open={!!department}
      onClose={close}
      title={department ? t('ui.case_settings.members_title', { name: nameIn(locale, department) }) : ''}
      size={screens.sm ? 560 : '100%'}
      destroyOnHidden
    >
      <Flex vertical gap={12} data-testid="members-drawer">
        <Space.Compact style={{ width: '100%' }}>
          <Select
            data-testid="member-search"
            style={{ flex: 1, minWidth: 0 }}
            showSearch={{ filterOption: false, onSearch: setTyped }}
            value={chosen}
            onChange={(v: string | undefined) => setChosen(v)}
            allowClear
            placeholder={t('ui.case_settings.member_placeholder')}
            loading={candidates.isFetching}
            notFoundContent={candidates.isFetching ? t('ui.common.loading') : t('ui.case_settings.no_candidates')}
            options={(candidates.data ?? []).map((c) => ({
              value: c.userId,
              disabled: c.isMember,
              label: (
                <Space size={6}>
                  <span>{c.displayName}</span>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>{c.username} · {c.unitName}</Typography.Text>
                  {c.isMember && <Tag>{t('ui.case_settings.already_member')}</Tag>}
                </Space>
              ),
            }))}
          />
          <Button type="primary" icon={<UserAddOutlined />} disabled={!chosen} loading={add.isPending} onClick={() => chosen && add.mutate(chosen)}>
            {t('ui.case_settings.add_member')}
          </Button>
        </Space.Compact>
        {members.isSuccess && members.data.length === 0 && (
          <Alert type="warning" showIcon title={t('ui.case_settings.no_members')} data-testid="no-members" />
        )}
        <Table<DepartmentMember>
          rowKey="userId"
          size="small"
          data-testid="members-table"
          loading={members.isFetching}
          dataSource={members.data ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: members.isError ? members.error.message : t('ui.case_settings.no_members') }}
          columns={[
            {
              key: 'account',
              title: t('ui.case_settings.account'),
              render: (_, m) => (
                <Flex vertical>
                  <Space size={4}>
                    <Typography.Text strong>{m.displayName}</Typography.Text>
                    {!m.isActive && <Tag color="red">{t('ui.case_settings.account_disabled')}</Tag>}
                  </Space>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>{m.username}</Typography.Text>
                </Flex>
              ),
            },
            { key: 'unit', title: t('ui.case_settings.account_unit'), dataIndex: 'unitName' },
            {
              key: 'actions',
              title: t('ui.common.actions'),
              render: (_, m) => (
                <Popconfirm
                  title={t('ui.case_settings.remove_confirm', { name: m.displayName })}
                  okText={t('ui.case_settings.remove')}
                  cancelText={t('ui.common.cancel')}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => remove.mutateAsync(m).catch(() => undefined)}
                >
                  <Button type="link" size="small" danger>{t('ui.case_settings.remove')}</Button>
                </Popconfirm>
              ),
            },
          ]}
        />
      </Flex>
    </Drawer>
  );
}
