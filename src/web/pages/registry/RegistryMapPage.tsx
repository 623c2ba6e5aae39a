import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { Breadcrumb, Card, Empty, Flex, Skeleton, Space, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { GeoComponent } from 'echarts/components';
import { ScatterChart } from 'echarts/charts';
import { buildingsApi, type BuildingView } from '../../api/registry.js';
import { unitKeys, unitsApi, type Boundary, type UnitView } from '../../api/units.js';
import { useT } from '../../app/i18n.js';
import { EChart, echarts } from '../../components/EChart.js';
import { LevelTag, levelKey } from '../../components/tags.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useDefaultUnit, useSettings, useRefetchOnLocale } from './common.js';
import { boundsOf, cornersOf, fitView, projectionOf, tilesFor, type TileView } from './tiles.js';

echarts.use([GeoComponent, ScatterChart]);

const PALETTE = ['#91caff', '#b7eb8f', '#ffd591', '#d3adf7', '#87e8de', '#ffadd2', '#ffe58f', '#adc6ff', '#eaff8f', '#ffbb96'];
const MAP_HEIGHT = 560;

function ringsOf(b: Boundary | null): number[][][] {
  if (!b) return [];
  return b.type === 'Polygon' ? (b.coordinates as number[][][]) : (b.coordinates as number[][][][]).flat();
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Every building of a unit's subtree that has a location (paged through; a community holds a few hundred). */
async function allBuildings(unitId: string): Promise<BuildingView[]> {
  const out: BuildingView[] = [];
  for (let offset = 0; offset < 5000; offset += 200) {
    const page = await buildingsApi.list({ unitId, limit: 200, offset });
    out.push(...page.items);
    if (out.length >= page.total || page.items.length === 0) break;
  }
  return out;
}

/** A box that reports its own size. */
function useBoxSize<T extends HTMLElement>(): [React.RefObject<T | null>, { width: number; height: number }] {
  const ref = useRef<T>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setSize((s) => (s.width === el.clientWidth && s.height === el.clientHeight ? s : { width: el.clientWidth, height: el.clientHeight }));
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, size];
}

/**
 * 网格地图: a community's (or grid's) boundary, its grids' boundaries and its buildings as points on
 * one geo coordinate system; a point's tooltip names the building and its households, a click opens
 * the building view; a click on a grid goes down into it. Map tiles are drawn underneath only when
 * the installation configures a tile source (none by default: the polygons work offline).
 */
export default function RegistryMapPage() {
  useRefetchOnLocale();
  const t = useT();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const fallback = useDefaultUnit();
  const unitId = params.get('unit') ?? fallback;
  const settings = useSettings();
  const tileUrl = settings.data?.mapTileUrl ?? null;

  const detail = useQuery({ queryKey: unitKeys.detail(unitId ?? ''), queryFn: () => unitsApi.detail(unitId!), enabled: !!unitId });
  const children = useQuery({ queryKey: unitKeys.children(unitId ?? ''), queryFn: () => unitsApi.children(unitId!), enabled: !!unitId });
  const buildings = useQuery({ queryKey: ['buildings', 'map', unitId ?? ''], queryFn: () => allBuildings(unitId!), enabled: !!unitId });
  const [boxRef, box] = useBoxSize<HTMLDivElement>();

  const select = (id: string | undefined) => setParams((p) => {
    const next = new URLSearchParams(p);
    if (id) next.set('unit', id);
    else next.delete('unit');
    return next;
  });

  const unit = detail.data?.unit;
  const drawn = useMemo(() => (children.data ?? []).filter((c) => c.boundary), [children.data]);
  const located = useMemo(() => (buildings.data ?? []).filter((b) => b.lng !== null && b.lat !== null), [buildings.data]);

  const tileView: TileView | null = useMemo(() => {
    if (!tileUrl || !unit || box.width === 0) return null;
    const bounds = boundsOf([...ringsOf(unit.boundary), ...drawn.flatMap((c) => ringsOf(c.boundary))], located.map((b) => [b.lng!, b.lat!]));
    return bounds ? fitView(bounds, box.width, MAP_HEIGHT) : null;
  }, [tileUrl, unit, drawn, located, box.width]);

  const option = useMemo(() => {
    if (!unit) return null;
    if (!unit.boundary && drawn.length === 0 && located.length === 0) return null;
    const features = [
      ...(unit.boundary ? [{ type: 'Feature', properties: { name: unit.id }, geometry: unit.boundary }] : []),
      ...drawn.map((c) => ({ type: 'Feature', properties: { name: c.id }, geometry: c.boundary })),
    ];
    // A map needs at least one region: a tiny box around the buildings when no boundary is drawn.
    if (features.length === 0) {
      const b = boundsOf([], located.map((x) => [x.lng!, x.lat!]))!;
      features.push({ type: 'Feature', properties: { name: '_' }, geometry: { type: 'Polygon', coordinates: [[[b.west, b.south], [b.east, b.south], [b.east, b.north], [b.west, b.north], [b.west, b.south]]] } as Boundary });
    }
    const mapName = `registry-${unit.id}-${unit.updatedAt}-${drawn.map((c) => `${c.id}@${c.updatedAt}`).join(',')}`;
    echarts.registerMap(mapName, { type: 'FeatureCollection', features } as never);
    const byId = new Map<string, UnitView>([[unit.id, unit], ...drawn.map((c) => [c.id, c] as const)]);
    const alpha = tileView ? '66' : '';
    const maxHouseholds = Math.max(1, ...located.map((b) => b.householdCount));
    return {
      tooltip: { trigger: 'item', confine: true },
      geo: {
        map: mapName,
        roam: !tileView,
        ...(tileView
          ? { projection: projectionOf(tileView), boundingCoords: cornersOf(tileView), left: 0, top: 0, width: tileView.width, height: tileView.height }
          : { layoutCenter: ['50%', '50%'], layoutSize: '94%' }),
        selectedMode: false,
        label: { show: true, fontSize: 12, color: '#1f1f1f', formatter: (p: { name: string }) => (p.name === unit.id && drawn.length > 0 ? '' : byId.get(p.name)?.name ?? '') },
        itemStyle: { borderColor: '#ffffff', borderWidth: 1, areaColor: '#f0f5ff' },
        emphasis: { label: { show: true, fontWeight: 'bold' }, itemStyle: { areaColor: `#ffe58f${alpha}` } },
        tooltip: {
          show: true,
          formatter: (p: { name: string }) => {
            const u = byId.get(p.name);
            return u ? `${escapeHtml(u.name)}（${t(levelKey(u.level))}）` : '';
          },
        },
        regions: [
          ...(unit.boundary ? [{
            name: unit.id,
            itemStyle: { areaColor: tileView ? 'rgba(240,245,255,0.25)' : '#f0f5ff', borderColor: '#1668dc', borderWidth: 2 },
            emphasis: { disabled: drawn.length > 0 },
          }] : []),
          ...drawn.map((c, i) => ({ name: c.id, itemStyle: { areaColor: `${PALETTE[i % PALETTE.length]}${alpha}`, borderColor: tileView ? '#1668dc' : '#ffffff' } })),
          { name: '_', itemStyle: { areaColor: 'transparent', borderColor: 'transparent' }, label: { show: false }, tooltip: { show: false }, silent: true },
        ],
      },
      series: [{
        type: 'scatter',
        coordinateSystem: 'geo',
        geoIndex: 0,
        symbol: 'pin',
        symbolSize: (v: number[]) => 16 + Math.round(10 * Math.sqrt((v[2] ?? 0) / maxHouseholds)),
        itemStyle: { color: '#1668dc', borderColor: '#fff', borderWidth: 1 },
        emphasis: { itemStyle: { color: '#fa541c' } },
        tooltip: {
          formatter: (p: { data: { name: string; value: number[]; residents: number; grid: string } }) =>
            `<b>${escapeHtml(p.data.name)}</b><br/>${escapeHtml(t('ui.registry.map.tooltip', { households: p.data.value[2] ?? 0, residents: p.data.residents }))}<br/>${escapeHtml(p.data.grid)}`,
        },
        data: located.map((b) => ({
          name: b.name,
          value: [b.lng, b.lat, b.householdCount],
          buildingId: b.id,
          residents: b.residentCount,
          grid: [b.grid?.name, b.unit.level === 'microgrid' ? b.unit.name : null].filter(Boolean).join(' / '),
        })),
      }],
    };
  }, [unit, drawn, located, tileView, t]);

  const tiles = tileView && tileUrl ? tilesFor(tileView, tileUrl) : [];
  const loading = !unitId || detail.isPending || children.isPending || buildings.isPending;

  return (
    <Flex vertical gap={12}>
      <Card size="small" title={t('ui.registry.nav.map')}>
        <Flex gap={8} wrap align="center">
          <Typography.Text type="secondary">{t('ui.registry.map.unit')}</Typography.Text>
          <div style={{ flex: '1 1 260px', maxWidth: 360 }}>
            <UnitPicker value={unitId} onChange={(v) => select(v)} initial={unit ?? null} placeholder={t('ui.registry.map.pickUnit')} />
          </div>
          {detail.data && detail.data.ancestors.length > 0 && (
            <Breadcrumb items={[...detail.data.ancestors.map((a) => ({ title: <a onClick={() => select(a.id)}>{a.name}</a> })), { title: detail.data.unit.name }]} />
          )}
        </Flex>
      </Card>
      <Card
        size="small"
        title={unit ? <Space size={4}><LevelTag level={unit.level} />{unit.name}</Space> : t('ui.registry.nav.map')}
        extra={buildings.data && <Typography.Text type="secondary" data-testid="map-count">{t('ui.registry.map.count', { buildings: located.length, grids: drawn.length })}</Typography.Text>}
      >
        <div ref={boxRef} style={{ position: 'relative', height: MAP_HEIGHT, overflow: 'hidden', background: tileView ? '#e8eef5' : '#fff' }}>
          {loading ? <Skeleton active /> : !option ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('ui.registry.map.nothing')} data-testid="registry-map-empty" />
          ) : (
            <>
              {tiles.length > 0 && (
                <div style={{ position: 'absolute', inset: 0, pointerEvents: 'none' }} data-testid="map-tiles">
                  {tiles.map((tile) => (
                    <img key={tile.key} src={tile.url} alt="" draggable={false} style={{ position: 'absolute', left: tile.x, top: tile.y, width: tile.size, height: tile.size }} />
                  ))}
                </div>
              )}
              <EChart
                option={option}
                data-testid="registry-map"
                style={{ height: MAP_HEIGHT, position: 'relative' }}
                onClick={(p) => {
                  const data = p.data as { buildingId?: string } | undefined;
                  if (data?.buildingId) navigate(`/buildings/${data.buildingId}`);
                  else if (p.name !== unit?.id && drawn.some((c) => c.id === p.name)) select(p.name);
                }}
              />
              {tileView && settings.data?.mapAttribution && (
                <div style={{ position: 'absolute', right: 4, bottom: 2, fontSize: 11, background: 'rgba(255,255,255,0.8)', padding: '0 4px' }}>{settings.data.mapAttribution}</div>
              )}
            </>
          )}
        </div>
        {!tileUrl && !loading && option && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('ui.registry.map.noTiles')}</Typography.Text>
        )}
      </Card>
    </Flex>
  );
}
