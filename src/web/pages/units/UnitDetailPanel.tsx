import { App, Breadcrumb, Button, Card, Descriptions, Empty, Flex, Popconfirm, Skeleton, Space, Statistic, Table, Typography } from 'antd';
import { DeleteOutlined, DragOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { MessageKey } from '../../../shared/i18n/index.js';
import { unitKeys, unitsApi, type UnitDetail, type UnitView } from '../../api/units.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { LevelTag, levelKey } from '../../components/tags.js';
import { UnitMap } from './UnitMap.js';

interface Props {
  id: string;
  onSelect: (id: string) => void;
  onAddChild: (parent: UnitView) => void;
  onEdit: (unit: UnitView) => void;
  onMove: (unit: UnitView) => void;
  onDeleted: (unit: UnitView) => void;
}

const STATS: { key: keyof UnitDetail['stats']; label: MessageKey }[] = [
  { key: 'descendants', label: 'ui.units.stat.descendants' },
  { key: 'buildings', label: 'ui.units.stat.buildings' },
  { key: 'households', label: 'ui.units.stat.households' },
  { key: 'residents', label: 'ui.units.stat.residents' },
  { key: 'users', label: 'ui.units.stat.users' },
];

/** One unit: where it sits, what it holds, its map and its sub-units, with the actions the caller may take. */
export function UnitDetailPanel({ id, onSelect, onAddChild, onEdit, onMove, onDeleted }: Props) {
  const t = useT();
  const { message } = App.useApp();
  const detail = useQuery({ queryKey: unitKeys.detail(id), queryFn: () => unitsApi.detail(id) });
  const children = useQuery({ queryKey: unitKeys.children(id), queryFn: () => unitsApi.children(id) });
  const remove = useMutation({
    mutationFn: (u: UnitView) => unitsApi.remove(u.id).then(() => u),
    onSuccess: (u) => {
      void message.success(t('ui.units.deleted', { name: u.name }));
      onDeleted(u);
    },
    onError: (e) => showApiError(e, message),
  });

  if (detail.isPending) return <Card><Skeleton active /></Card>;
  if (detail.isError) return <Card><Empty description={detail.error.message} /></Card>;
  const { unit, ancestors, stats } = detail.data;
  const a = unit.abilities;

  const actions = (
    <Space wrap size={8}>
      {a.createChild && <Button type="primary" icon={<PlusOutlined />} onClick={() => onAddChild(unit)}>{t('ui.units.addChild')}</Button>}
      {a.update && <Button icon={<EditOutlined />} onClick={() => onEdit(unit)}>{t('ui.common.edit')}</Button>}
      {a.move && <Button icon={<DragOutlined />} onClick={() => onMove(unit)}>{t('ui.units.move')}</Button>}
      {a.delete && (
        <Popconfirm
          title={t('ui.units.deleteConfirm', { name: unit.name })}
          okText={t('ui.common.delete')}
          cancelText={t('ui.common.cancel')}
          okButtonProps={{ danger: true }}
          onConfirm={() => remove.mutateAsync(unit).catch(() => undefined)}
        >
          <Button danger icon={<DeleteOutlined />} loading={remove.isPending}>{t('ui.common.delete')}</Button>
        </Popconfirm>
      )}
    </Space>
  );

  return (
    <Flex vertical gap={12} data-testid="unit-detail">
      <Card>
        {ancestors.length > 0 && (
          <Breadcrumb
            style={{ marginBottom: 8 }}
            items={[...ancestors.map((x) => ({ title: <a onClick={() => onSelect(x.id)}>{x.name}</a> })), { title: unit.name }]}
          />
        )}
        <Flex justify="space-between" align="flex-start" wrap gap={8}>
          <Space align="center" size={8}>
            <Typography.Title level={4} style={{ margin: 0 }} data-testid="unit-title">{unit.name}</Typography.Title>
            <LevelTag level={unit.level} />
          </Space>
          {actions}
        </Flex>
        <Descriptions
          size="small"
          style={{ marginTop: 12 }}
          column={{ xs: 1, sm: 2, md: 3 }}
          items={[
            { key: 'code', label: t('ui.units.code'), children: <Typography.Text copyable>{unit.code}</Typography.Text> },
            { key: 'level', label: t('ui.units.level'), children: t(levelKey(unit.level)) },
            { key: 'region', label: t('ui.units.regionCode'), children: unit.regionCode },
          ]}
        />
      </Card>
      <Flex wrap gap={12} data-testid="unit-stats">
        {STATS.map((s) => (
          <Card key={s.key} size="small" style={{ flex: '1 1 130px' }}>
            <Statistic title={t(s.label)} value={stats[s.key]} />
          </Card>
        ))}
      </Flex>
      <Card size="small" title={t('ui.units.map')}>
        {children.data ? <UnitMap unit={unit} children={children.data} onSelect={onSelect} /> : <Skeleton active />}
      </Card>
      <Card size="small" title={t('ui.units.children', { count: unit.childCount })}>
        <Table<UnitView>
          rowKey="id"
          size="small"
          loading={children.isPending}
          dataSource={children.data ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: t('ui.units.noChildren') }}
          onRow={(r) => ({ onClick: () => onSelect(r.id), style: { cursor: 'pointer' } })}
          columns={[
            { key: 'name', title: t('ui.units.name'), render: (_, r) => <a>{r.name}</a> },
            { key: 'level', title: t('ui.units.level'), render: (_, r) => <LevelTag level={r.level} /> },
            { key: 'code', title: t('ui.units.code'), dataIndex: 'code' },
            { key: 'childCount', title: t('ui.units.childCount'), dataIndex: 'childCount', align: 'right' },
            { key: 'boundary', title: t('ui.units.boundary'), render: (_, r) => (r.boundary ? t('ui.units.boundaryDrawn') : t('ui.units.boundaryNone')) },
          ]}
        />
      </Card>
    </Flex>
  );
}
