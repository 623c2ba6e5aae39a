import { useEffect, useMemo, useRef } from 'react';
import { useQuery } from '@tanstack/react-query';
import { GeoComponent, TooltipComponent } from 'echarts/components';
import { ScatterChart, EffectScatterChart } from 'echarts/charts';
import { echarts } from '../../components/EChart.js';
import { unitsApi, type UnitView } from '../../api/units.js';
import { http } from '../../api/client.js';

/** What the map draws of a unit. */
export type MapUnit = Pick<UnitView, 'id' | 'name' | 'boundary'> & { updatedAt?: string };

echarts.use([GeoComponent, ScatterChart, EffectScatterChart, TooltipComponent]);

/**
 * The grids around a unit: the unit (a grid) with its siblings when the caller may see its
 * community's children, else the unit alone. Units without a boundary are left out.
 */
export function useGridArea(unitId: string | undefined) {
  return useQuery({
    queryKey: ['cases', 'area', unitId],
    enabled: !!unitId,
    staleTime: 300_000,
    queryFn: async (): Promise<{ focus: UnitView; around: UnitView[] }> => {
      const detail = await unitsApi.detail(unitId!);
      const focus = detail.unit;
      let around: UnitView[] = [];
      if (focus.parentId) {
        try {
          around = (await unitsApi.children(focus.parentId)).filter((u) => u.id !== focus.id && u.boundary);
        } catch {
          // the caller sees only their own unit
        }
      }
      return { focus, around };
    },
  });
}

/**
 * The area the caller may report in (their grid, or their community and its grids), from
 * /api/cases/report-area: residents, who cannot browse the hierarchy, see their own grid too.
 */
export function useReportArea(enabled: boolean) {
  return useQuery({
    queryKey: ['cases', 'report-area'],
    enabled,
    staleTime: 300_000,
    queryFn: () => http.get<{ focus: MapUnit; around: MapUnit[] }>('/api/cases/report-area'),
  });
}

interface Props {
  focus: MapUnit | null;
  around?: MapUnit[];
  point?: { lng: number; lat: number } | null;
  /** Clicking the map picks a point there. */
  onPick?: (p: { lng: number; lat: number }) => void;
  height?: number;
  'data-testid'?: string;
}

/** A small map without tiles: grid boundaries (the focus one highlighted) and the case's point. */
export function CaseMap({ focus, around = [], point, onPick, height = 260, ...rest }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const pick = useRef(onPick);
  pick.current = onPick;

  const option = useMemo(() => {
    const units = [...(focus?.boundary ? [focus] : []), ...around.filter((u) => u.boundary)];
    if (units.length === 0) return null;
    const name = `case-area-${units.map((u) => `${u.id}@${u.updatedAt ?? JSON.stringify(u.boundary).length}`).join(',')}`;
    echarts.registerMap(name, {
      type: 'FeatureCollection',
      features: units.map((u) => ({ type: 'Feature', properties: { name: u.id }, geometry: u.boundary })),
    } as never);
    const byId = new Map(units.map((u) => [u.id, u]));
    return {
      geo: {
        map: name,
        roam: true,
        layoutCenter: ['50%', '50%'],
        layoutSize: '95%',
        label: { show: true, fontSize: 11, color: '#555', formatter: (p: { name: string }) => byId.get(p.name)?.name ?? '' },
        itemStyle: { areaColor: '#f5f5f5', borderColor: '#bfbfbf' },
        emphasis: { disabled: true },
        regions: focus?.boundary ? [{ name: focus.id, itemStyle: { areaColor: '#e6f4ff', borderColor: '#1668dc', borderWidth: 2 } }] : [],
      },
      series: point ? [{
        type: 'effectScatter', coordinateSystem: 'geo', data: [[point.lng, point.lat]], symbolSize: 12,
        itemStyle: { color: '#f5222d' }, rippleEffect: { scale: 3 },
      }] : [],
    };
  }, [focus, around, point]);

  useEffect(() => {
    if (!box.current) return;
    const c = echarts.init(box.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.getZr().on('click', (e: { offsetX: number; offsetY: number }) => {
      if (!pick.current) return;
      const at = c.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]) as number[] | undefined;
      if (at && Number.isFinite(at[0]) && Number.isFinite(at[1])) pick.current({ lng: Number(at[0]!.toFixed(6)), lat: Number(at[1]!.toFixed(6)) });
    });
    const observer = new ResizeObserver(() => c.resize());
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, [option === null]);

  useEffect(() => {
    if (option) chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  if (!option) return null;
  return <div ref={box} style={{ width: '100%', height, cursor: onPick ? 'crosshair' : undefined }} data-testid={rest['data-testid'] ?? 'case-map'} />;
}
