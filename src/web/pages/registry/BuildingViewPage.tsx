import { useEffect, useMemo, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { Button, Card, Descriptions, Empty, Flex, Skeleton, Space, Statistic, Tooltip, Typography } from 'antd';
import { ArrowLeftOutlined, EditOutlined, PlusOutlined, UserOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { buildingsApi, registryKeys, type BuildingFloorView, type HouseholdView, type TagView, type ViewHousehold } from '../../api/registry.js';
import { useT, type Translate } from '../../app/i18n.js';
import { LevelTag } from '../../components/tags.js';
import { buildingTypeKey, textOn, usageKey, useRefetchOnLocale } from './common.js';
import { BuildingFormModal, type BuildingFormMode } from './BuildingFormModal.js';
import { EntranceModal, HouseholdFormModal } from './BuildingModals.js';
import { HouseholdDrawer } from './HouseholdDrawer.js';
import { ResidentFormDrawer, type ResidentFormMode } from './ResidentFormDrawer.js';

const VACANT_BG = '#f5f5f5';

/** The colours of a household cell: its first tag's colour; grey when vacant; plain otherwise. */
function cellColors(h: ViewHousehold): { background: string; color: string; border: string } {
  if (h.usage === 'vacant') return { background: VACANT_BG, color: '#8c8c8c', border: '1px dashed #d9d9d9' };
  const first = h.tags[0];
  if (first) return { background: first.color, color: textOn(first.color), border: `1px solid ${first.color}` };
  return { background: '#fff', color: '#1f1f1f', border: '1px solid #d9d9d9' };
}

function floorLabel(t: Translate, floor: number | null): string {
  if (floor === null) return t('ui.registry.building.noFloor');
  return floor < 0 ? t('ui.registry.building.basement', { n: -floor }) : t('ui.registry.building.floorN', { n: floor });
}

function HouseholdCell({ h, selected, onOpen }: { h: ViewHousehold; selected: boolean; onOpen: () => void }) {
  const t = useT();
  const c = cellColors(h);
  const tip = (
    <div>
      <div>{h.room} · {t(usageKey(h.usage))} · {t('ui.registry.household.members', { count: h.memberCount })}</div>
      {h.tags.length > 0 && <div>{h.tags.map((x) => x.name).join('、')}</div>}
    </div>
  );
  return (
    <Tooltip title={tip}>
      <button
        type="button"
        onClick={onOpen}
        data-testid="household-cell"
        data-room={h.room}
        data-household={h.id}
        aria-label={`${h.room} ${t('ui.registry.household.members', { count: h.memberCount })}`}
        style={{
          ...c,
          width: 76,
          minHeight: 54,
          borderRadius: 6,
          padding: '4px 6px',
          cursor: 'pointer',
          display: 'flex',
          flexDirection: 'column',
          alignItems: 'flex-start',
          gap: 2,
          textAlign: 'left',
          font: 'inherit',
          outline: selected ? '3px solid #1668dc' : undefined,
          outlineOffset: 2,
          boxShadow: selected ? '0 0 0 5px rgba(22,104,220,0.15)' : undefined,
        }}
      >
        <span style={{ fontWeight: 600, fontSize: 13, lineHeight: '16px', whiteSpace: 'nowrap' }}>{h.room}</span>
        <span style={{ fontSize: 11, lineHeight: '14px', opacity: 0.9 }}>
          {h.usage === 'vacant' ? t(usageKey('vacant')) : <><UserOutlined /> {h.memberCount}</>}
        </span>
        {h.tags.length > 0 && (
          <span style={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
            {h.tags.map((x) => (
              <span key={x.id} title={x.name} style={{ width: 8, height: 8, borderRadius: 4, background: x.color, border: '1px solid #fff', display: 'inline-block' }} />
            ))}
          </span>
        )}
      </button>
    </Tooltip>
  );
}

/** 以房找人: the building drawn floor by floor (top first) and entrance by entrance, each household a cell. */
export function BuildingGrid({ view, selected, onOpen }: { view: BuildingFloorView; selected: string | null; onOpen: (id: string) => void }) {
  const t = useT();
  const columns = view.entrances;
  if (view.floors.length === 0 || columns.length === 0) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('ui.registry.building.noHouseholds')} />;
  }
  const template = `64px repeat(${columns.length}, minmax(172px, 1fr))`;
  return (
    <div style={{ overflowX: 'auto' }}>
      <div data-testid="building-grid" style={{ display: 'grid', gridTemplateColumns: template, gap: 4, minWidth: 64 + columns.length * 176, maxWidth: 64 + columns.length * 330 }}>
        <div />
        {columns.map((c) => (
          <div key={c.id ?? 'none'} style={{ textAlign: 'center', fontWeight: 600, padding: '4px 0', background: '#fafafa', borderRadius: 4 }} data-testid="entrance-header">
            {c.name ?? t('ui.registry.building.noEntrance')}
          </div>
        ))}
        {view.floors.map((f) => (
          <FloorRow key={f.floor ?? 'none'} floor={f} label={floorLabel(t, f.floor)} selected={selected} onOpen={onOpen} />
        ))}
      </div>
    </div>
  );
}

function FloorRow({ floor, label, selected, onOpen }: { floor: BuildingFloorView['floors'][number]; label: string; selected: string | null; onOpen: (id: string) => void }) {
  return (
    <>
      <div style={{ display: 'flex', alignItems: 'center', justifyContent: 'center', color: '#595959', fontSize: 12, background: '#fafafa', borderRadius: 4 }} data-testid="floor-label">
        {label}
      </div>
      {floor.cells.map((cell) => (
        <div key={cell.entranceId ?? 'none'} style={{ display: 'flex', flexWrap: 'wrap', gap: 4, padding: 4, border: '1px solid #f0f0f0', borderRadius: 4, minHeight: 62 }}>
          {cell.households.map((h) => <HouseholdCell key={h.id} h={h} selected={selected === h.id} onOpen={() => onOpen(h.id)} />)}
        </div>
      ))}
    </>
  );
}

/** The tags drawn in the building, each with its colour, and the grey of a vacant household. */
function Legend({ view }: { view: BuildingFloorView }) {
  const t = useT();
  const tags = useMemo(() => {
    const seen = new Map<string, TagView & { count: number }>();
    for (const f of view.floors) {
      for (const c of f.cells) {
        for (const h of c.households) {
          for (const x of h.tags) {
            const s = seen.get(x.id);
            if (s) s.count += 1;
            else seen.set(x.id, { ...x, count: 1 });
          }
        }
      }
    }
    return [...seen.values()];
  }, [view]);
  const swatch = (bg: string, border?: string) => <span style={{ width: 14, height: 14, borderRadius: 3, background: bg, border: border ?? `1px solid ${bg}`, display: 'inline-block' }} />;
  return (
    <Flex gap={12} wrap align="center" data-testid="building-legend">
      <Typography.Text type="secondary">{t('ui.registry.building.legend')}</Typography.Text>
      {tags.map((x) => (
        <Space key={x.id} size={4}>{swatch(x.color)}<span>{x.name}</span><Typography.Text type="secondary" style={{ fontSize: 12 }}>{x.count}</Typography.Text></Space>
      ))}
      <Space size={4}>{swatch(VACANT_BG, '1px dashed #bfbfbf')}<span>{t(usageKey('vacant'))}</span></Space>
      <Space size={4}>{swatch('#fff', '1px solid #d9d9d9')}<span>{t('ui.registry.building.untagged')}</span></Space>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('ui.registry.building.legendHint')}</Typography.Text>
    </Flex>
  );
}

/** A building: its facts, the floor-by-floor view, and the households behind each cell. */
export default function BuildingViewPage() {
  useRefetchOnLocale();
  const t = useT();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const selected = params.get('household');
  const building = useQuery({ queryKey: registryKeys.building(id), queryFn: () => buildingsApi.get(id) });
  const view = useQuery({ queryKey: registryKeys.buildingView(id), queryFn: () => buildingsApi.view(id) });
  const [editing, setEditing] = useState<BuildingFormMode | null>(null);
  const [addingEntrance, setAddingEntrance] = useState(false);
  const [addingHousehold, setAddingHousehold] = useState(false);
  const [registering, setRegistering] = useState<ResidentFormMode | null>(null);

  // Arriving from a resident: bring their household's cell into view.
  useEffect(() => {
    if (!selected || !view.data) return;
    document.querySelector(`[data-household="${CSS.escape(selected)}"]`)?.scrollIntoView({ block: 'center', inline: 'center' });
  }, [view.data, selected]);

  const open = (householdId: string | null) => setParams((p) => {
    const next = new URLSearchParams(p);
    if (householdId) next.set('household', householdId);
    else next.delete('household');
    return next;
  }, { replace: true });

  if (building.isPending) return <Card><Skeleton active /></Card>;
  if (building.isError) {
    return <Card><Empty description={building.error.message}><Button onClick={() => navigate('/buildings')}>{t('ui.registry.building.backToList')}</Button></Empty></Card>;
  }
  const b = building.data;
  const register = (h: HouseholdView) => setRegistering({
    kind: 'create',
    household: { buildingId: h.building.id, buildingName: h.building.name, entranceId: h.entrance?.id ?? null, householdId: h.id },
  });

  return (
    <Flex vertical gap={12} data-testid="building-page">
      <Card size="small">
        <Flex justify="space-between" align="flex-start" wrap gap={8}>
          <Space align="center" size={8} wrap>
            <Button type="text" icon={<ArrowLeftOutlined />} aria-label={t('ui.registry.building.backToList')} onClick={() => (window.history.length > 1 ? navigate(-1) : navigate('/buildings'))} />
            <Typography.Title level={4} style={{ margin: 0 }} data-testid="building-title">{b.name}</Typography.Title>
            <Typography.Text type="secondary">{t(buildingTypeKey(b.buildingType))}</Typography.Text>
          </Space>
          {b.abilities.update && (
            <Space wrap size={8}>
              <Button icon={<PlusOutlined />} onClick={() => setAddingHousehold(true)}>{t('ui.registry.household.create')}</Button>
              <Button icon={<PlusOutlined />} onClick={() => setAddingEntrance(true)}>{t('ui.registry.building.addEntrance')}</Button>
              <Button icon={<EditOutlined />} onClick={() => setEditing({ kind: 'edit', building: b })}>{t('ui.common.edit')}</Button>
            </Space>
          )}
        </Flex>
        <Flex wrap gap={16} style={{ marginTop: 12 }}>
          <Descriptions
            size="small"
            style={{ flex: '1 1 360px' }}
            column={{ xs: 1, sm: 2 }}
            items={[
              { key: 'address', label: t('ui.registry.building.address'), children: b.address ?? '—' },
              { key: 'grid', label: t('ui.registry.building.grid'), children: b.grid ? <Space size={2}><LevelTag level={b.grid.level} />{b.grid.name}{b.unit.level === 'microgrid' ? ` / ${b.unit.name}` : ''}</Space> : b.unit.name },
              { key: 'community', label: t('ui.registry.resident.community'), children: b.community?.name ?? '—' },
              { key: 'location', label: t('ui.registry.building.location'), children: b.lng !== null && b.lat !== null ? `${b.lng.toFixed(5)}, ${b.lat.toFixed(5)}` : '—' },
            ]}
          />
          <Flex gap={16} wrap>
            <Statistic title={t('ui.registry.building.floors')} value={b.floors ?? '—'} />
            <Statistic title={t('ui.registry.building.entrances')} value={b.entrances.length} />
            <Statistic title={t('ui.registry.building.households')} value={b.householdCount} />
            <Statistic title={t('ui.registry.building.residents')} value={b.residentCount} />
          </Flex>
        </Flex>
      </Card>
      <Card size="small" title={t('ui.registry.building.viewTitle')}>
        {view.isPending && <Skeleton active />}
        {view.isError && <Empty description={view.error.message} />}
        {view.data && (
          <Flex vertical gap={12}>
            <Legend view={view.data} />
            <BuildingGrid view={view.data} selected={selected} onOpen={(hid) => open(hid)} />
          </Flex>
        )}
      </Card>
      <HouseholdDrawer householdId={selected} onClose={() => open(null)} onRegister={register} />
      <BuildingFormModal mode={editing} onClose={() => setEditing(null)} onSaved={() => setEditing(null)} />
      <EntranceModal building={b} open={addingEntrance} onClose={() => setAddingEntrance(false)} />
      <HouseholdFormModal
        building={b}
        open={addingHousehold}
        onClose={() => setAddingHousehold(false)}
        onSaved={(h) => { setAddingHousehold(false); open(h.id); }}
      />
      <ResidentFormDrawer mode={registering} onClose={() => setRegistering(null)} onSaved={() => setRegistering(null)} />
    </Flex>
  );
}
