import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { MapChart } from 'echarts/charts';
import { TooltipComponent } from 'echarts/components';
import { LabelLayout } from 'echarts/features';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([MapChart, TooltipComponent, LabelLayout, CanvasRenderer]);

export { echarts };

interface Props {
  option: echarts.EChartsCoreOption;
  onClick?: (params: { name: string; data?: unknown }) => void;
  style?: React.CSSProperties;
  'data-testid'?: string;
}

/** An ECharts canvas that follows its option and the size of its box. */
export function EChart({ option, onClick, style, ...rest }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const click = useRef(onClick);
  click.current = onClick;

  useEffect(() => {
    const el = box.current!;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('click', (p) => click.current?.(p as { name: string; data?: unknown }));
    const observer = new ResizeObserver(() => c.resize());
    observer.observe(el);
    return () => {
      observer.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={box} style={{ width: '100%', height: 360, ...style }} data-testid={rest['data-testid']} />;
}
