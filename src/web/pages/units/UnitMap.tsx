import { useMemo } from 'react';
import { Empty } from 'antd';
import type { UnitView } from '../../api/units.js';
import { useT } from '../../app/i18n.js';
import { EChart, echarts } from '../../components/EChart.js';
import { levelKey } from '../../components/tags.js';

const PALETTE = ['#91caff', '#b7eb8f', '#ffd591', '#d3adf7', '#87e8de', '#ffadd2', '#ffe58f', '#adc6ff', '#eaff8f', '#ffbb96'];

/**
 * The unit's boundary with its children's boundaries drawn on top, each child coloured and
 * labelled; clicking a child selects it. No tile server: the polygons are the whole map.
 */
export function UnitMap({ unit, children, onSelect }: { unit: UnitView; children: UnitView[]; onSelect: (id: string) => void }) {
  const t = useT();
  const drawn = useMemo(() => children.filter((c) => c.boundary), [children]);
  const option = useMemo(() => {
    if (!unit.boundary && drawn.length === 0) return null;
    const features = [
      ...(unit.boundary ? [{ type: 'Feature', properties: { name: unit.id }, geometry: unit.boundary }] : []),
      ...drawn.map((c) => ({ type: 'Feature', properties: { name: c.id }, geometry: c.boundary })),
    ];
    // Named per version, so that an edited boundary is drawn afresh.
    const mapName = `unit-${unit.id}-${unit.updatedAt}-${drawn.map((c) => `${c.id}@${c.updatedAt}`).join(',')}`;
    echarts.registerMap(mapName, { type: 'FeatureCollection', features } as never);
    const byId = new Map<string, UnitView>([[unit.id, unit], ...drawn.map((c) => [c.id, c] as const)]);
    return {
      tooltip: {
        trigger: 'item',
        formatter: (p: { name: string }) => {
          const u = byId.get(p.name);
          return u ? `${escapeHtml(u.name)}（${t(levelKey(u.level))}）` : '';
        },
      },
      series: [{
        type: 'map',
        map: mapName,
        roam: true,
        selectedMode: false,
        layoutCenter: ['50%', '50%'],
        layoutSize: '92%',
        label: {
          show: true,
          fontSize: 12,
          color: '#1f1f1f',
          formatter: (p: { name: string }) => byId.get(p.name)?.name ?? '',
        },
        itemStyle: { borderColor: '#ffffff', borderWidth: 1 },
        emphasis: { label: { show: true, fontWeight: 'bold' }, itemStyle: { areaColor: '#ffe58f' } },
        data: [
          ...(unit.boundary ? [{
            name: unit.id,
            itemStyle: { areaColor: '#f0f5ff', borderColor: '#1668dc', borderWidth: 2 },
            label: { show: drawn.length === 0 },
            emphasis: { disabled: true },
            tooltip: { show: drawn.length === 0 },
          }] : []),
          ...drawn.map((c, i) => ({ name: c.id, itemStyle: { areaColor: PALETTE[i % PALETTE.length] } })),
        ],
      }],
    };
  }, [unit, drawn, t]);

  if (!option) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('ui.units.noBoundary')} data-testid="unit-map-empty" />;
  }
  return (
    <EChart
      option={option}
      data-testid="unit-map"
      onClick={(p) => {
        if (p.name !== unit.id && drawn.some((c) => c.id === p.name)) onSelect(p.name);
      }}
    />
  );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
