import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Button, Card, Flex, Input, Table, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { buildingsApi, registryKeys, type BuildingListQuery, type BuildingView } from '../../api/registry.js';
import { useT } from '../../app/i18n.js';
import { hasPermission, useCurrentUser } from '../../app/session.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useDebounced } from '../../components/useDebounced.js';
import { buildingTypeKey, useRefetchOnLocale } from './common.js';
import { BuildingFormModal, type BuildingFormMode } from './BuildingFormModal.js';
import { LedgerExport } from './LedgerExport.js';

const PAGE_SIZE = 20;

/** 楼栋: the buildings of a unit (or the whole scope), searched by name or address; each opens its 以房找人 view. */
export default function BuildingsPage() {
  useRefetchOnLocale();
  const t = useT();
  const me = useCurrentUser();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get('q') ?? '');
  const typed = useDebounced(text.trim(), 300);
  const unitId = params.get('unit') ?? undefined;
  const page = Number(params.get('page') ?? '1') || 1;
  const [formMode, setFormMode] = useState<BuildingFormMode | null>(null);

  const set = (changes: Record<string, string | undefined>, keepPage = false) => setParams((p) => {
    const next = new URLSearchParams(p);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    if (!keepPage) next.delete('page');
    return next;
  }, { replace: true });
  useEffect(() => {
    if ((params.get('q') ?? '') !== typed) set({ q: typed || undefined });
  }, [typed]);

  const query: BuildingListQuery = { unitId, q: params.get('q') || undefined, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const list = useQuery({ queryKey: registryKeys.buildingList(query), queryFn: () => buildingsApi.list(query), placeholderData: keepPreviousData });

  return (
    <Flex vertical gap={12}>
      <Card
        size="small"
        title={t('ui.registry.nav.buildings')}
        extra={hasPermission(me, 'registry.write') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setFormMode({ kind: 'create', unitId })}>{t('ui.registry.building.create')}</Button>
        )}
      >
        <Flex vertical gap={10}>
          <Flex gap={8} wrap>
            <div style={{ flex: '1 1 240px', maxWidth: 320 }}>
              <UnitPicker value={unitId} onChange={(v) => set({ unit: v })} placeholder={t('ui.registry.filter.unit')} />
            </div>
            <Input.Search
              allowClear
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder={t('ui.registry.building.searchPlaceholder')}
              style={{ flex: '1 1 240px', maxWidth: 360 }}
              data-testid="building-search"
            />
          </Flex>
          <LedgerExport kinds={['buildings']} filters={{ unitId }} />
        </Flex>
      </Card>
      <Card size="small">
        <Table<BuildingView>
          rowKey="id"
          size="middle"
          data-testid="buildings-table"
          loading={list.isFetching}
          dataSource={list.data?.items ?? []}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: list.isError ? list.error.message : t('ui.registry.building.none') }}
          onRow={(b) => ({ onClick: () => navigate(`/buildings/${b.id}`), style: { cursor: 'pointer' } })}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: list.data?.total ?? 0,
            showSizeChanger: false,
            onChange: (p) => set({ page: p === 1 ? undefined : String(p) }, true),
            showTotal: (total) => t('ui.common.total', { total }),
          }}
          columns={[
            {
              key: 'name',
              title: t('ui.registry.building.name'),
              render: (_, b) => (
                <Flex vertical>
                  <Link to={`/buildings/${b.id}`} onClick={(e) => e.stopPropagation()}>{b.name}</Link>
                  {b.address && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{b.address}</Typography.Text>}
                </Flex>
              ),
            },
            { key: 'grid', title: t('ui.registry.building.grid'), render: (_, b) => [b.grid?.name, b.unit.level === 'microgrid' ? b.unit.name : null].filter(Boolean).join(' / ') || b.unit.name },
            { key: 'type', title: t('ui.registry.building.type'), render: (_, b) => t(buildingTypeKey(b.buildingType)) },
            { key: 'floors', title: t('ui.registry.building.floors'), align: 'right', render: (_, b) => b.floors ?? '—' },
            { key: 'households', title: t('ui.registry.building.households'), align: 'right', dataIndex: 'householdCount' },
            { key: 'residents', title: t('ui.registry.building.residents'), align: 'right', dataIndex: 'residentCount' },
            {
              key: 'actions',
              title: t('ui.common.actions'),
              render: (_, b) => (
                <Flex gap={0}>
                  <Button type="link" size="small" onClick={(e) => { e.stopPropagation(); navigate(`/buildings/${b.id}`); }}>{t('ui.registry.building.openView')}</Button>
                  {b.abilities.update && (
                    <Button type="link" size="small" onClick={(e) => { e.stopPropagation(); setFormMode({ kind: 'edit', building: b }); }}>{t('ui.common.edit')}</Button>
                  )}
                </Flex>
              ),
            },
          ]}
        />
      </Card>
      <BuildingFormModal
        mode={formMode}
        onClose={() => setFormMode(null)}
        onSaved={(b) => {
          const created = formMode?.kind === 'create';
          setFormMode(null);
          if (created) navigate(`/buildings/${b.id}`);
        }}
      />
    </Flex>
  );
}
