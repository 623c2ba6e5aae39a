import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Card, Col, Empty, Input, List, Row, Space, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { unitKeys, unitsApi, type UnitDetail, type UnitView } from '../../api/units.js';
import { useT } from '../../app/i18n.js';
import { LevelTag } from '../../components/tags.js';
import { useDebounced } from '../../components/useDebounced.js';
import { MoveUnitModal } from './MoveUnitModal.js';
import { UnitDetailPanel } from './UnitDetailPanel.js';
import { UnitFormModal, type UnitFormMode } from './UnitFormModal.js';
import { UnitTree } from './UnitTree.js';
import { useUnitTree } from './useUnitTree.js';

/** 组织架构: the caller's part of the tree on the left, the selected unit on the right. */
export default function UnitsPage() {
  const t = useT();
  const queryClient = useQueryClient();
  const tree = useUnitTree();
  const [params, setParams] = useSearchParams();
  const selected = params.get('unit') ?? tree.roots.data?.[0]?.id ?? null;
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), 300);
  const results = useQuery({ queryKey: unitKeys.search(q), queryFn: () => unitsApi.search({ q, limit: 30 }), enabled: q.length > 0 });
  const [form, setForm] = useState<UnitFormMode | null>(null);
  const [moving, setMoving] = useState<UnitView | null>(null);

  const select = (id: string) => setParams((p) => {
    const next = new URLSearchParams(p);
    next.set('unit', id);
    return next;
  });

  // Open the tree down to the selected unit (after a search, a map click, a reload of the page).
  useEffect(() => {
    if (!selected) return;
    let cancelled = false;
    void queryClient.fetchQuery({ queryKey: unitKeys.detail(selected), queryFn: () => unitsApi.detail(selected) })
      .then((d) => { if (!cancelled) return tree.reveal(d.ancestors.map((a) => a.id)); }, () => undefined);
    return () => { cancelled = true; };
  }, [selected]);

  /** Refetch what a change may have touched (leaving out a unit that no longer exists). */
  const refresh = (gone?: string) => queryClient.invalidateQueries({
    queryKey: unitKeys.all,
    predicate: (q) => !gone || !q.queryKey.includes(gone),
  });

  const afterSave = (d: UnitDetail) => {
    if (form?.kind === 'create') {
      void tree.loadChildren(form.parent.id).then(() => tree.expand(form.parent.id));
    }
    setForm(null);
    void refresh();
    select(d.unit.id);
  };

  return (
    <Row gutter={[12, 12]}>
      <Col xs={24} lg={8} xl={7}>
        <Card size="small" title={t('ui.units.tree')} styles={{ body: { padding: 8 } }}>
          <Input.Search
            allowClear
            placeholder={t('ui.units.searchPlaceholder')}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            style={{ marginBottom: 8 }}
            data-testid="unit-search"
          />
          {q ? (
            <List<UnitView>
              size="small"
              loading={results.isFetching}
              dataSource={results.data ?? []}
              locale={{ emptyText: t('ui.units.noMatch') }}
              renderItem={(u) => (
                <List.Item style={{ cursor: 'pointer' }} onClick={() => { select(u.id); setSearch(''); }}>
                  <Space size={4} wrap>
                    <LevelTag level={u.level} />
                    <span>{u.name}</span>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>{u.code}</Typography.Text>
                  </Space>
                </List.Item>
              )}
            />
          ) : (
            <div style={{ overflowX: 'auto', maxHeight: 'calc(100vh - 200px)', overflowY: 'auto' }}>
              <UnitTree tree={tree} selected={selected} onSelect={select} />
            </div>
          )}
        </Card>
      </Col>
      <Col xs={24} lg={16} xl={17}>
        {selected ? (
          <UnitDetailPanel
            id={selected}
            onSelect={select}
            onAddChild={(parent) => setForm({ kind: 'create', parent })}
            onEdit={(unit) => setForm({ kind: 'edit', unit })}
            onMove={setMoving}
            onDeleted={(u) => {
              tree.forget(u.id);
              if (u.parentId) select(u.parentId);
              void refresh(u.id);
            }}
          />
        ) : (
          <Card><Empty description={tree.roots.isPending ? t('ui.common.loading') : t('ui.units.noScope')} /></Card>
        )}
      </Col>
      <UnitFormModal mode={form} onClose={() => setForm(null)} onSaved={afterSave} />
      <MoveUnitModal
        unit={moving}
        onClose={() => setMoving(null)}
        onMoved={(d) => {
          setMoving(null);
          void refresh().then(() => queryClient.fetchQuery({ queryKey: unitKeys.detail(d.unit.id), queryFn: () => unitsApi.detail(d.unit.id) }))
            .then((fresh) => tree.reveal(fresh.ancestors.map((a) => a.id)));
        }}
      />
    </Row>
  );
}
