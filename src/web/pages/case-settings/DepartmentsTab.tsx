import { useState } from 'react';
import { App, Button, Flex, Popconfirm, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { PlusOutlined, WarningOutlined } from '@ant-design/icons';
import type { UseQueryResult } from '@tanstack/react-query';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { caseSettingsApi, caseSettingsKeys, type DepartmentView } from '../../api/case-settings.js';
import { useLocale } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { LevelTag } from '../../components/tags.js';
import { DepartmentFormDrawer, type DepartmentFormMode } from './DepartmentFormDrawer.js';
import { MembersDrawer } from './MembersDrawer.js';
import { nameIn } from './common.js';

/** 职能部门: the departments serving units in scope, their members and open work orders. */
export function DepartmentsTab({ list }: { list: UseQueryResult<DepartmentView[]> }) {
  const { t, locale } = useLocale();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<DepartmentFormMode | null>(null);
  const [membersOf, setMembersOf] = useState<string | null>(null);
  const membersDepartment = list.data?.find((d) => d.id === membersOf) ?? null;

  const setActive = useMutation({
    mutationFn: (v: { department: DepartmentView; isActive: boolean }) => caseSettingsApi.updateDepartment(v.department.id, { isActive: v.isActive }),
    onSuccess: (d) => {
      void message.success(t(d.isActive ? 'ui.case_settings.activated' : 'ui.case_settings.deactivated', { name: nameIn(locale, d) }));
      void queryClient.invalidateQueries({ queryKey: caseSettingsKeys.departments });
    },
    onError: (e) => showApiError(e, message),
  });

  return (
    <Flex vertical gap={12}>
      <Flex justify="flex-end">
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setForm({ kind: 'create' })}>{t('ui.case_settings.add_department')}</Button>
      </Flex>
      <Table<DepartmentView>
        rowKey="id"
        size="middle"
        data-testid="departments-table"
        loading={list.isFetching}
        dataSource={list.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false, showTotal: (total) => t('ui.common.total', { total }) }}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: list.isError ? list.error.message : t('ui.case_settings.no_departments') }}
        columns={[
          {
            key: 'name',
            title: t('ui.case_settings.name'),
            render: (_, d) => (
              <Space size={4} wrap>
                <Typography.Text strong type={d.isActive ? undefined : 'secondary'}>{nameIn(locale, d)}</Typography.Text>
                {d.kind === 'partner' && <Tag color="purple">{t('ui.case_settings.kind.partner')}</Tag>}
              </Space>
            ),
          },
          {
            key: 'code',
            title: t('ui.case_settings.code'),
            render: (_, d) => <Typography.Text type="secondary" style={{ fontSize: 12 }}>{d.code}</Typography.Text>,
          },
          {
            key: 'unit',
            title: t('ui.case_settings.serving_unit'),
            render: (_, d) => <Space size={2} style={{ whiteSpace: 'nowrap' }}><LevelTag level={d.unit.level} />{d.unit.name}</Space>,
          },
          {
            key: 'members',
            title: t('ui.case_settings.members'),
            render: (_, d) => (
              <Space size={4} data-testid="member-count">
                <Button type="link" size="small" style={{ paddingInline: 0 }} onClick={() => setMembersOf(d.id)}>{d.memberCount}</Button>
                {d.memberCount === 0 && d.isActive && (
                  <Tooltip title={t('ui.case_settings.no_members')}><WarningOutlined style={{ color: '#faad14' }} aria-label={t('ui.case_settings.no_members')} /></Tooltip>
                )}
              </Space>
            ),
          },
          {
            key: 'open',
            title: t('ui.case_settings.open_orders'),
            align: 'right' as const,
            render: (_, d) => d.openOrders,
          },
          {
            key: 'active',
            title: t('ui.case_settings.active'),
            render: (_, d) => (d.isActive
              ? <Tag color="green">{t('ui.case_settings.active')}</Tag>
              : <Tag>{t('ui.case_settings.inactive')}</Tag>),
          },
          {
            key: 'actions',
            title: t('ui.common.actions'),
            render: (_, d) => (
              <Space size={0}>
                <Button type="link" size="small" onClick={() => setMembersOf(d.id)}>{t('ui.case_settings.manage_members')}</Button>
                <Button type="link" size="small" onClick={() => setForm({ kind: 'edit', department: d })}>{t('ui.case_settings.rename')}</Button>
                {d.isActive ? (
                  <Popconfirm
                    title={t('ui.case_settings.deactivate_confirm', { name: nameIn(locale, d) })}
                    okText={t('ui.case_settings.deactivate')}
                    cancelText={t('ui.common.cancel')}
                    okButtonProps={{ danger: true }}
                    onConfirm={() => setActive.mutateAsync({ department: d, isActive: false }).catch(() => undefined)}
                  >
                    <Button type="link" size="small" danger>{t('ui.case_settings.deactivate')}</Button>
                  </Popconfirm>
                ) : (
                  <Button
                    type="link"
                    size="small"
                    loading={setActive.isPending && setActive.variables?.department.id === d.id}
                    onClick={() => setActive.mutate({ department: d, isActive: true })}
                  >
                    {t('ui.case_settings.activate')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      <DepartmentFormDrawer mode={form} onClose={() => setForm(null)} />
      <MembersDrawer department={membersDepartment} onClose={() => setMembersOf(null)} />
    </Flex>
  );
}
