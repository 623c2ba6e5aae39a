import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Col, DatePicker, Empty, Flex, Row, Segmented, Space, Spin, Statistic, Tooltip, Typography } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, InfoCircleOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, VisualMapComponent } from 'echarts/components';
import { cockpitApi, cockpitKeys, type CockpitFigures, type CockpitQuery, type CockpitSummary } from '../../api/cockpit.js';
import { useLocale } from '../../app/i18n.js';
import { EChart, echarts } from '../../components/EChart.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import type { MessageKey } from '../../../shared/i18n/index.js';
import { beijingDate } from '../../../shared/dates.js';
import { delta, percent, TONE_COLOUR, type Better, type Kind } from './deltas.js';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, VisualMapComponent]);

type Preset = 'year' | 'lastMonth' | 'custom';
const GROUPS = ['open', 'closed', 'rejected', 'merged'] as const;
const GROUP_COLOUR: Record<(typeof GROUPS)[number], string> = { open: '#faad14', closed: '#52c41a', rejected: '#bfbfbf', merged: '#91caff' };

/** Today as the server counts days (Beijing dates), whatever the browser's time zone. */
const today = () => dayjs(beijingDate(new Date()));

function presetRange(p: Exclude<Preset, 'custom'>): [Dayjs, Dayjs] {
  const now = today();
  if (p === 'year') return [now.startOf('year'), now];
  const first = now.startOf('month').subtract(1, 'month');
  return [first, first.endOf('month').startOf('day')];
}

interface Kpi {
  key: string;
  label: MessageKey;
  tip: MessageKey;
  value: (f: CockpitFigures) => number | null;
  show: (f: CockpitFigures) => string;
  kind: Kind;
  better: Better;
  extra?: (f: CockpitFigures) => string | null;
}

/** 数据驾驶舱: the case loop's figures of a subtree for a period, against a year earlier and the period before. */
export default function CockpitPage() {
  const { t } = useLocale();
  const navigate = useNavigate();
  const [unitId, setUnitId] = useState<string | undefined>();
  const [preset, setPreset] = useState<Preset>('year');
  const [range, setRange] = useState<[Dayjs, Dayjs]>(() => presetRange('year'));
  const q: CockpitQuery = { ...(unitId ? { unitId } : {}), from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD') };
  const summary = useQuery({ queryKey: cockpitKeys.summary(q), queryFn: () => cockpitApi.summary(q), placeholderData: (prev) => prev });
  const data = summary.data;
  // The cases behind a figure: the case list filtered to this unit (or a grid of it) and period.
  const openCases = (more: { unitId?: string; categoryCode?: string } = {}) => {
    if (!data) return;
    const day = (d: Dayjs) => `${d.format('YYYY-MM-DD')}T00:00:00+08:00`;
    navigate(`/cases?${new URLSearchParams({ list: 'all', unitId: data.unit.id, from: day(range[0]), to: day(range[1].add(1, 'day')), ...more })}`);
  };

  const kpis: Kpi[] = [
    { key: 'total', label: 'ui.cockpit.kpi.total', tip: 'ui.cockpit.kpi.total.tip', value: (f) => f.total, show: (f) => String(f.total), kind: 'count', better: 'neither' },
    {
      key: 'response', label: 'ui.cockpit.kpi.responseRate', tip: 'ui.cockpit.kpi.responseRate.tip', value: (f) => f.responseRate, show: (f) => percent(f.responseRate), kind: 'rate', better: 'up',
      extra: (f) => (f.responseUnknown ? t('ui.cockpit.responseUnknown', { n: f.responseUnknown }) : null),
    },
    { key: 'resolution', label: 'ui.cockpit.kpi.resolutionRate', tip: 'ui.cockpit.kpi.resolutionRate.tip', value: (f) => f.resolutionRate, show: (f) => percent(f.resolutionRate), kind: 'rate', better: 'up' },
    { key: 'satisfaction', label: 'ui.cockpit.kpi.satisfactionRate', tip: 'ui.cockpit.kpi.satisfactionRate.tip', value: (f) => f.satisfactionRate, show: (f) => percent(f.satisfactionRate), kind: 'rate', better: 'up' },
    { key: 'ontime', label: 'ui.cockpit.kpi.onTimeRate', tip: 'ui.cockpit.kpi.onTimeRate.tip', value: (f) => f.onTimeRate, show: (f) => percent(f.onTimeRate), kind: 'rate', better: 'up' },
    {
      key: 'hours', label: 'ui.cockpit.kpi.meanHours', tip: 'ui.cockpit.kpi.meanHours.tip', value: (f) => f.meanHoursToClose,
      show: (f) => (f.meanHoursToClose === null ? '—' : t('ui.cockpit.hours', { n: f.meanHoursToClose.toFixed(1) })), kind: 'hours', better: 'down',
      extra: (f) => (f.medianHoursToClose === null ? null : t('ui.cockpit.kpi.median', { n: f.medianHoursToClose.toFixed(1) })),
    },
    {
      key: 'overdue', label: 'ui.cockpit.kpi.overdueOpen', tip: 'ui.cockpit.kpi.overdueOpen.tip', value: (f) => f.overdueOpen, show: (f) => String(f.overdueOpen), kind: 'count', better: 'down',
      extra: (f) => t('ui.cockpit.kpi.overdueShare', { n: f.overdue }),
    },
  ];

  return (
    <Flex vertical gap={16} data-testid="cockpit-page">
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={4} style={{ margin: 0 }}>{t('ui.cockpit.title')}</Typography.Title>
        <Space wrap>
          <span>{t('ui.cockpit.unit')}</span>
          <div style={{ width: 220 }} data-testid="cockpit-unit">
            <UnitPicker value={unitId ?? data?.unit.id} onChange={setUnitId} initial={data ? data.unit : null} />
          </div>
          <span>{t('ui.cockpit.period')}</span>
          <Segmented<Preset>
            value={preset}
            onChange={(p) => { setPreset(p); if (p !== 'custom') setRange(presetRange(p)); }}
            options={[
              { value: 'year', label: t('ui.cockpit.thisYear') },
              { value: 'lastMonth', label: t('ui.cockpit.lastMonth') },
              { value: 'custom', label: t('ui.cockpit.custom') },
            ]}
            data-testid="cockpit-preset"
          />
          {preset === 'custom' && (
            <DatePicker.RangePicker value={range} allowClear={false} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} data-testid="cockpit-range" />
          )}
        </Space>
      </Flex>
      {summary.isError && <Alert type="error" showIcon title={summary.error.message} />}
      {summary.isPending && <Spin />}
      {data && (
        <>
          <Typography.Text type="secondary" data-testid="cockpit-period">
            {t('ui.cockpit.periodLine', {
              from: data.period.from, to: data.period.to, yoyFrom: data.yoyPeriod.from, yoyTo: data.yoyPeriod.to, momFrom: data.momPeriod.from, momTo: data.momPeriod.to,
            })}
          </Typography.Text>
          <Row gutter={[12, 12]}>
            {kpis.map((k) => <Col key={k.key} xs={24} sm={12} md={8} xl={6} xxl={6}><KpiCard kpi={k} data={data} /></Col>)}
          </Row>
          {data.current.total === 0 ? <Card><Empty description={t('ui.cockpit.empty')} /></Card> : (
            <Row gutter={[12, 12]}>
              <Col xs={24} xl={12}>
                <Card size="small" title={t('ui.cockpit.chart.category')} extra={<Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('ui.cockpit.openCases')}</Typography.Text>}>
                  <CategoryChart data={data} onOpen={(categoryCode) => openCases(categoryCode ? { categoryCode } : {})} />
                </Card>
              </Col>
              <Col xs={24} xl={12}>
                <Card size="small" title={t('ui.cockpit.chart.trend')}><TrendChart data={data} /></Card>
              </Col>
              <Col xs={24} xl={16}>
                <Card size="small" title={t('ui.cockpit.chart.map')}><GridMap data={data} onOpen={(gridId) => openCases({ unitId: gridId })} /></Card>
              </Col>
              <Col xs={24} xl={8}>
                <Card size="small" title={t('ui.cockpit.chart.source')}><SourceChart data={data} /></Card>
              </Col>
            </Row>
          )}
        </>
      )}
    </Flex>
  );
}

function DeltaLine({ label, now, before, kind, better }: { label: string; now: number | null; before: number | null; kind: Kind; better: Better }) {
  const { t } = useLocale();
  const d = delta(now, before, kind, better);
  if (d.value === null) return <span style={{ color: TONE_COLOUR.neutral }}>{label} {t('ui.cockpit.noBase')}</span>;
  const text = kind === 'rate' ? t('ui.cockpit.points', { n: Math.abs(d.value).toFixed(1) }) : `${Math.abs(d.value).toFixed(1)}%`;
  return (
    <span style={{ color: TONE_COLOUR[d.tone] }} data-tone={d.tone}>
      {label} {d.direction === 'up' ? <ArrowUpOutlined /> : d.direction === 'down' ? <ArrowDownOutlined /> : null} {d.direction === 'flat' ? '0' : text}
    </span>
  );
}

function KpiCard({ kpi, data }: { kpi: Kpi; data: CockpitSummary }) {
  const { t } = useLocale();
  const extra = kpi.extra?.(data.current);
  return (
    <Card size="small" data-testid={`cockpit-kpi-${kpi.key}`} style={{ height: '100%' }}>
      <Statistic
        title={<Space size={4}>{t(kpi.label)}<Tooltip title={t(kpi.tip)}><InfoCircleOutlined data-testid={`cockpit-tip-${kpi.key}`} /></Tooltip></Space>}
        value={kpi.show(data.current)}
      />
      <Flex vertical style={{ fontSize: 12, marginTop: 4 }}>
        <DeltaLine label={t('ui.cockpit.yoy')} now={kpi.value(data.current)} before={kpi.value(data.yoy)} kind={kpi.kind} better={kpi.better} />
        <DeltaLine label={t('ui.cockpit.mom')} now={kpi.value(data.current)} before={kpi.value(data.mom)} kind={kpi.kind} better={kpi.better} />
        {extra && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{extra}</Typography.Text>}
      </Flex>
    </Card>
  );
}

function CategoryChart({ data, onOpen }: { data: CockpitSummary; onOpen: (categoryCode: string | undefined) => void }) {
  const { t } = useLocale();
  const option = useMemo(() => {
    const cats = [...data.byCategory].sort((a, b) => a.total - b.total);
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: cats.map((c) => c.name) },
      series: GROUPS.map((g) => ({
        name: t(`ui.cockpit.group.${g}` as MessageKey), type: 'bar', stack: 'state', itemStyle: { color: GROUP_COLOUR[g] },
        data: cats.map((c) => c[g]),
      })),
    };
  }, [data, t]);
  const codeOf = (name: string) => data.byCategory.find((c) => c.name === name)?.code;
  return <EChart option={option} onClick={(p) => onOpen(codeOf(p.name))} style={{ height: Math.max(260, 28 * data.byCategory.length + 60) }} data-testid="cockpit-category-chart" />;
}

function TrendChart({ data }: { data: CockpitSummary }) {
  const { t } = useLocale();
  const option = useMemo(() => ({
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: data.byMonth.map((m) => m.month) },
    yAxis: { type: 'value' },
    series: [
      { name: t('ui.cockpit.series.current'), type: 'bar', data: data.byMonth.map((m) => m.count), itemStyle: { color: '#1668dc' } },
      { name: t('ui.cockpit.series.lastYear'), type: 'line', data: data.byMonth.map((m) => m.lastYear), itemStyle: { color: '#8c8c8c' }, lineStyle: { type: 'dashed' } },
    ],
  }), [data, t]);
  return <EChart option={option} style={{ height: 300 }} data-testid="cockpit-trend-chart" />;
}

function SourceChart({ data }: { data: CockpitSummary }) {
  const { t } = useLocale();
  const option = useMemo(() => {
    const rows = [...data.bySource].reverse();
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: rows.map((s) => t(`ui.cases.source.${s.source}` as MessageKey)) },
      series: [{ type: 'bar', data: rows.map((s) => s.count), itemStyle: { color: '#13a8a8' }, label: { show: true, position: 'right' } }],
    };
  }, [data, t]);
  return <EChart option={option} style={{ height: 300 }} data-testid="cockpit-source-chart" />;
}

/** The grids of the unit, coloured by the period's case count (boundaries as drawn in 单位管理). */
function GridMap({ data, onOpen }: { data: CockpitSummary; onOpen: (gridId: string) => void }) {
  const { t } = useLocale();
  const option = useMemo(() => {
    const grids = data.grids.filter((g) => g.boundary);
    if (grids.length === 0) return null;
    const name = `cockpit-${data.unit.id}-${grids.map((g) => g.id).join(',').length}-${grids.length}`;
    echarts.registerMap(name, {
      type: 'FeatureCollection',
      features: grids.map((g) => ({ type: 'Feature', properties: { name: g.id }, geometry: g.boundary })),
    } as never);
    const byId = new Map(grids.map((g) => [g.id, g]));
    const max = Math.max(1, ...grids.map((g) => g.count));
    return {
      tooltip: {
        trigger: 'item',
        formatter: (p: { name: string }) => {
          const g = byId.get(p.name);
          return g ? t('ui.cockpit.map.tooltip', { name: g.name, count: g.count, overdue: g.overdue }) : '';
        },
      },
      visualMap: { min: 0, max, left: 8, bottom: 8, calculable: true, inRange: { color: ['#f0f5ff', '#85a5ff', '#1d39c4'] }, text: [String(max), '0'] },
      series: [{
        type: 'map', map: name, roam: true, layoutCenter: ['50%', '50%'], layoutSize: '95%',
        label: { show: grids.length <= 60, fontSize: 11, color: '#1f1f1f', backgroundColor: 'rgba(255,255,255,0.75)', padding: [1, 3], borderRadius: 2, formatter: (p: { name: string }) => byId.get(p.name)?.name ?? '' },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
        emphasis: { label: { show: true }, itemStyle: { areaColor: '#ffd666' } },
        data: grids.map((g) => ({ name: g.id, value: g.count })),
      }],
    };
  }, [data, t]);
  return (
    <>
      {option ? <EChart option={option} onClick={(p) => onOpen(p.name)} style={{ height: 420 }} data-testid="cockpit-map" /> : <Empty description={t('ui.cockpit.map.none')} />}
      {data.outsideGrids > 0 && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('ui.cockpit.map.outside', { n: data.outsideGrids })}</Typography.Text>}
    </>
  );
}
