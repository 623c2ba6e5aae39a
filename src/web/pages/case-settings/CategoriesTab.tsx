import { useMemo, useState } from 'react';
import { Alert, App, Button, Flex, Grid, Space, Switch, Table, Tooltip, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import type { Locale } from '../../../shared/i18n/index.js';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { caseSettingsApi, caseSettingsKeys, type CategoryAdminView, type DepartmentView } from '../../api/case-settings.js';
import { caseKeys } from '../../api/cases.js';
import { useLocale } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { LevelTag } from '../../components/tags.js';
import { CategoryDrawer, type CategoryDrawerMode } from './CategoryDrawer.js';
import { formatLimit, LIMIT_KEYS, limitLabel, nameIn } from './common.js';

type Row = CategoryAdminView & { children?: Row[] };

/** The category tree: top classes with their subcategories. */
function treeOf(items: CategoryAdminView[]): Row[] {
  const tops: Row[] = items.filter((c) => !c.parentCode).map((c) => ({ ...c }));
  const byCode = new Map(tops.map((c) => [c.code, c]));
  for (const c of items) {
    if (!c.parentCode) continue;
    const parent = byCode.get(c.parentCode);
    if (!parent) continue;
    (parent.children ??= []).push({ ...c });
  }
  return tops;
}

/**
 * The department codes a category may name: those of the departments in scope (the first, nearest the
 * root, gives the name) and those categories already name.
 */
function departmentNames(departments: DepartmentView[] | undefined, categories: CategoryAdminView[] | undefined, locale: Locale) {
  const names = new Map<string, string | null>();
  for (const d of departments ?? []) if (!names.get(d.code)) names.set(d.code, nameIn(locale, d));
  for (const c of categories ?? []) if (c.departmentCode && !names.has(c.departmentCode)) names.set(c.departmentCode, null);
  return names;
}

/** 分类与时限: the tree with each stage's limit; editable by the district grid centre only. */
export function CategoriesTab({ departments }: { departments: DepartmentView[] | undefined }) {
  const { t, locale } = useLocale();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const screens = Grid.useBreakpoint();
  const [drawer, setDrawer] = useState<CategoryDrawerMode | null>(null);
  const list = useQuery({ queryKey: caseSettingsKeys.categories, queryFn: caseSettingsApi.categories });
  const rows = useMemo(() => treeOf(list.data?.items ?? []), [list.data]);
  const [expanded, setExpanded] = useState<readonly React.Key[] | null>(null);
  const expandedKeys = expanded ?? rows.map((r) => r.code);
  const names = useMemo(() => departmentNames(departments, list.data?.items, locale), [departments, list.data, locale]);
  const editable = list.data?.editable ?? false;

  const toggle = useMutation({
    mutationFn: (v: { code: string; isActive: boolean }) => caseSettingsApi.updateCategory(v.code, { isActive: v.isActive }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: caseSettingsKeys.categories });
      void queryClient.invalidateQueries({ queryKey: caseKeys.categories });
    },
    onError: (e) => showApiError(e, message),
  });

  return (
    <Flex vertical gap={12}>
      {list.data && !editable && <Alert type="info" showIcon title={t('ui.case_settings.read_only')} data-testid="categories-read-only" />}
      {editable && (
        <Flex gap={8} wrap justify="space-between" align="center">
          <Typography.Text type="secondary">{t('ui.case_settings.limits_note')}</Typography.Text>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDrawer({ kind: 'create', parent: null })}>{t('ui.case_settings.add_top')}</Button>
        </Flex>
      )}
      <Table<Row>
        rowKey="code"
        size="small"
        data-testid="categories-table"
        loading={list.isFetching}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 'max-content' }}
        expandable={{ expandedRowKeys: expandedKeys, onExpandedRowsChange: (keys) => setExpanded(keys) }}
        locale={{ emptyText: list.isError ? list.error.message : t('ui.case_settings.no_categories') }}
        columns={[
          {
            key: 'name',
            title: t('ui.case_settings.category'),
            fixed: screens.md ? 'left' : undefined,
            render: (_, c) => (
              <Typography.Text strong={!c.parentCode} type={c.isActive ? undefined : 'secondary'} delete={!c.isActive}>{nameIn(locale, c)}</Typography.Text>
            ),
          },
          {
            key: 'code',
            title: t('ui.case_settings.code'),
            // A subcategory's code is `<parent>.<own>`: the parent's part shows on the row above.
            render: (_, c) => (
              <Tooltip title={c.parentCode ? c.code : undefined}>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>{c.parentCode ? c.code.slice(c.parentCode.length) : c.code}</Typography.Text>
              </Tooltip>
            ),
          },
          ...LIMIT_KEYS.map((k) => ({
            key: k,
            title: t(limitLabel[k]),
            render: (_: unknown, c: Row) => <span data-testid={`limit-${k}`} style={{ whiteSpace: 'nowrap' }}>{formatLimit(t, c.limits[k])}</span>,
          })),
          {
            key: 'level',
            title: t('ui.case_settings.default_level'),
            width: 76,
            render: (_, c) => <LevelTag level={c.defaultLevel} />,
          },
          {
            key: 'department',
            title: t('ui.case_settings.department'),
            width: 130,
            ellipsis: { showTitle: false },
            render: (_, c) => {
              if (!c.departmentCode) return <Typography.Text type="secondary">{t('ui.case_settings.none')}</Typography.Text>;
              const name = names.get(c.departmentCode);
              return name
                ? <Tooltip title={`${name}（${c.departmentCode}）`}><span>{name}</span></Tooltip>
                : <Typography.Text type="secondary">{c.departmentCode}</Typography.Text>;
            },
          },
          {
            key: 'active',
            title: t('ui.case_settings.active'),
            render: (_, c) => (
              <Switch
                size="small"
                checked={c.isActive}
                disabled={!editable}
                loading={toggle.isPending && toggle.variables?.code === c.code}
                aria-label={t('ui.case_settings.active')}
                onChange={(isActive) => toggle.mutate({ code: c.code, isActive })}
              />
            ),
          },
          {
            key: 'cases',
            title: t('ui.case_settings.case_count'),
            align: 'right' as const,
            render: (_, c) => c.caseCount,
          },
          ...(editable ? [{
            key: 'actions',
            title: t('ui.common.actions'),
            render: (_: unknown, c: Row) => (
              <Space size={0}>
                <Button type="link" size="small" onClick={() => setDrawer({ kind: 'edit', category: c })}>{t('ui.case_settings.edit')}</Button>
                {!c.parentCode && (
                  <Button type="link" size="small" onClick={() => setDrawer({ kind: 'create', parent: c })}>{t('ui.case_settings.add_child')}</Button>
                )}
              </Space>
            ),
          }] : []),
        ]}
      />
      <CategoryDrawer mode={drawer} departments={names} onClose={() => setDrawer(null)} />
    </Flex>
  );
}
