import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, DatePicker, Drawer, Empty, Flex, List, Space, Spin, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import { fieldworkApi, fieldworkKeys, type ComplianceFigures, type ComplianceView, type PatrolSummary } from '../../api/fieldwork.js';
import { useLocale } from '../../app/i18n.js';
import { useCurrentUser } from '../../app/session.js';
import { EChart, echarts } from '../../components/EChart.js';
import { PhotoGallery } from '../../components/PhotoGallery.js';
import { formatDateTime } from '../../components/format.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { beijingDate } from '../../../shared/dates.js';

echarts.use([BarChart, GridComponent, LegendComponent]);

type WorkerRow = ComplianceView['workers'][number];
type GridRow = ComplianceView['grids'][number];

/** Today as the server counts days (Beijing dates), whatever the browser's time zone. */
const today = () => dayjs(beijingDate(new Date()));

/**
 * Completion: visits done against the visits the rules expect, capped at 100 % — more visits than due
 * is not "217 %" but 100 % and the surplus (+73) beside it.
 */
function completion(f: Pick<ComplianceFigures, 'visitsDone' | 'visitsDue'>): { percent: number; surplus: number } | null {
  if (f.visitsDue <= 0) return null;
  return { percent: Math.min(100, Math.floor((f.visitsDone / f.visitsDue) * 100)), surplus: Math.max(0, f.visitsDone - f.visitsDue) };
}

/** 走访考核: compliance of the grid workers under a unit over a period, with a worker's day. */
export default function FieldworkPage() {
  const { t } = useLocale();
  const me = useCurrentUser();
  const home = me.bindings[0];
  const [unitId, setUnitId] = useState<string | undefined>(home?.unitId);
  const [range, setRange] = useState<[Dayjs, Dayjs]>(() => [today().subtract(27, 'day'), today()]);
  const [worker, setWorker] = useState<{ id: string; name: string } | null>(null);
  const q = unitId ? { unitId, from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD') } : null;
  const compliance = useQuery({ queryKey: fieldworkKeys.compliance(q ?? { unitId: '', from: '', to: '' }), queryFn: () => fieldworkApi.compliance(q!), enabled: !!q });

  const figureColumns = [
    { title: t('ui.fieldwork.sup.visits'), key: 'visits', render: (_: unknown, r: { figures: ComplianceFigures }) => <span data-testid="fw-visits">{r.figures.visitsDone} / {r.figures.visitsDue}</span> },
    {
      title: t('ui.fieldwork.sup.rate'), key: 'rate', render: (_: unknown, r: { figures: ComplianceFigures }) => {
        const c = completion(r.figures);
        if (!c) return '—';
        return (
          <span data-testid="fw-rate" data-percent={c.percent} data-surplus={c.surplus}>
            <Tag color={c.percent >= 100 ? 'green' : c.percent >= 80 ? 'gold' : 'red'}>{c.percent}%</Tag>
            {c.surplus > 0 && <Tooltip title={t('ui.fieldwork.sup.surplus', { count: c.surplus })}><Typography.Text type="success">+{c.surplus}</Typography.Text></Tooltip>}
          </span>
        );
      },
    },
    { title: t('ui.fieldwork.sup.overdueSpecial'), key: 'overdue', render: (_: unknown, r: { figures: ComplianceFigures }) => (r.figures.overdueSpecial ? <Typography.Text type="danger">{r.figures.overdueSpecial}</Typography.Text> : 0) },
    { title: t('ui.fieldwork.sup.quotaDays'), key: 'quota', render: (_: unknown, r: { figures: ComplianceFigures }) => `${r.figures.quotaDaysMet} / ${r.figures.days}` },
    { title: t('ui.fieldwork.sup.patrolHours'), key: 'patrol', render: (_: unknown, r: { figures: ComplianceFigures }) => r.figures.patrolHours.toFixed(1) },
    { title: t('ui.fieldwork.sup.casesFound'), key: 'cases', render: (_: unknown, r: { figures: ComplianceFigures }) => r.figures.casesFound },
    { title: t('ui.fieldwork.sup.diary'), key: 'diary', render: (_: unknown, r: { figures: ComplianceFigures }) => r.figures.diaryEntries },
  ];

  const data = compliance.data;
  const option = useMemo(() => data && {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, right: 0, data: [t('ui.fieldwork.sup.done'), t('ui.fieldwork.sup.due')] },
    grid: { left: 40, right: 16, top: 36, bottom: 40 },
    xAxis: { type: 'category', data: data.workers.map((w) => w.name), axisLabel: { interval: 0 } },
    yAxis: { type: 'value' },
    series: [
      { name: t('ui.fieldwork.sup.done'), type: 'bar', data: data.workers.map((w) => w.figures.visitsDone), itemStyle: { color: '#1668dc' } },
      { name: t('ui.fieldwork.sup.due'), type: 'bar', data: data.workers.map((w) => w.figures.visitsDue), itemStyle: { color: '#d9d9d9' } },
    ],
  }, [data, t]);

  const exportUrl = q ? fieldworkApi.complianceXlsxUrl(q) : undefined;
  return (
    <Flex vertical gap={16} data-testid="fieldwork-page">
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={4} style={{ margin: 0 }}>{t('ui.fieldwork.sup.title')}</Typography.Title>
        <Space wrap>
          <span>{t('ui.fieldwork.sup.unit')}</span>
          <div style={{ width: 220 }} data-testid="fw-unit">
            <UnitPicker value={unitId} onChange={setUnitId} initial={home ? { id: home.unitId, name: home.unitName, level: home.unitLevel as never, code: '' } : null} placeholder={t('ui.fieldwork.sup.pickUnit')} />
          </div>
          <span>{t('ui.fieldwork.sup.period')}</span>
          <DatePicker.RangePicker value={range} allowClear={false} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} data-testid="fw-range" />
          <Button icon={<DownloadOutlined />} href={exportUrl} disabled={!exportUrl} data-testid="fw-export">{t('ui.fieldwork.sup.export')}</Button>
        </Space>
      </Flex>
      {compliance.isError && <Alert type="error" showIcon title={compliance.error.message} />}
      {compliance.isPending && q && <Spin />}
      {!q && <Empty description={t('ui.fieldwork.sup.pickUnit')} />}
      {data && (
        <>
          <Card size="small" title={t('ui.fieldwork.sup.chart')}>
            {option && <EChart option={option} style={{ height: 280 }} data-testid="fw-chart" />}
          </Card>
          <Card size="small">
            <Tabs items={[
              {
                key: 'workers', label: t('ui.fieldwork.sup.byWorker'), children: (
                  <Table<WorkerRow> size="small" rowKey="id" pagination={false} dataSource={data.workers} data-testid="fw-workers" scroll={{ x: 900 }}
                    onRow={(r) => ({ 'data-testid': 'fw-worker-row', 'data-name': r.name } as React.HTMLAttributes<HTMLElement>)}
                    columns={[
                      { title: t('ui.fieldwork.sup.worker'), dataIndex: 'name', key: 'name' },
                      { title: t('ui.fieldwork.sup.grid'), key: 'grid', render: (_, r) => r.grid.name },
                      ...figureColumns,
                      { title: '', key: 'day', render: (_, r) => <Button size="small" type="link" onClick={() => setWorker({ id: r.id, name: r.name })} data-testid="fw-worker-day">{t('ui.fieldwork.sup.day')}</Button> },
                    ]} />
                ),
              },
              {
                key: 'grids', label: t('ui.fieldwork.sup.byGrid'), children: (
                  <Table<GridRow> size="small" rowKey={(r) => r.grid.id} pagination={false} dataSource={data.grids} data-testid="fw-grids" scroll={{ x: 900 }}
                    columns={[
                      { title: t('ui.fieldwork.sup.grid'), key: 'grid', render: (_, r) => r.grid.name },
                      { title: t('ui.fieldwork.sup.workers'), dataIndex: 'workers', key: 'workers' },
                      ...figureColumns,
                    ]} />
                ),
              },
            ]} />
          </Card>
        </>
      )}
      <WorkerDayDrawer worker={worker} initialDate={range[1]} onClose={() => setWorker(null)} />
    </Flex>
  );
}

function WorkerDayDrawer({ worker, initialDate, onClose }: { worker: { id: string; name: string } | null; initialDate: Dayjs; onClose: () => void }) {
  const { t, locale } = useLocale();
  const [date, setDate] = useState<Dayjs | null>(null);
  const day = (date ?? initialDate).format('YYYY-MM-DD');
  const query = useQuery({ queryKey: fieldworkKeys.workerDay(worker?.id ?? '', day), queryFn: () => fieldworkApi.workerDay(worker!.id, day), enabled: !!worker });
  const d = query.data;
  return (
    <Drawer open={!!worker} onClose={() => { setDate(null); onClose(); }} size={560} title={worker ? t('ui.fieldwork.sup.dayTitle', { name: worker.name, date: day }) : ''}
      extra={<DatePicker value={date ?? initialDate} allowClear={false} onChange={(v) => v && setDate(v)} data-testid="fw-day-date" />}>
      {query.isPending && <Spin />}
      {query.isError && <Alert type="error" showIcon title={query.error.message} />}
      {d && (
        <Flex vertical gap={16} data-testid="fw-day">
          <Card size="small" title={t('ui.fieldwork.sup.dayVisits', { count: d.visits.length })}>
            <List size="small" dataSource={d.visits} locale={{ emptyText: t('ui.fieldwork.sup.nothing') }} data-testid="fw-day-visits"
              renderItem={(v) => (
                <List.Item data-testid="fw-day-visit">
                  <List.Item.Meta
                    title={<span>{formatDateTime(v.occurredAt, locale)} · {v.buildingName} {v.room} · {t(`ui.fieldwork.visit.kind.${v.kind}`)}</span>}
                    description={<>
                      {v.nobodyHome ? t('ui.fieldwork.visit.nobodyHome') : t('ui.fieldwork.sup.met', { names: [...v.metResidents.map((r) => r.name), ...(v.metOthers ? [v.metOthers] : [])].join('、') || '—' })}
                      {v.findings ? <div>{v.findings}</div> : null}
                    </>} />
                </List.Item>
              )} />
          </Card>
          <Card size="small" title={t('ui.fieldwork.sup.dayPatrols', { count: d.patrols.length })}>
            {d.patrols.length === 0 ? t('ui.fieldwork.sup.nothing') : d.patrols.map((p) => <PatrolRow key={p.id} patrol={p} />)}
          </Card>
          <Card size="small" title={t('ui.fieldwork.sup.dayDiary', { count: d.diary.length })}>
            <List size="small" dataSource={d.diary} locale={{ emptyText: t('ui.fieldwork.sup.nothing') }}
              renderItem={(e) => (
                <List.Item data-testid="fw-day-diary">
                  <List.Item.Meta title={<span>{formatDateTime(e.occurredAt, locale)}{e.household ? ` · ${e.household.buildingName} ${e.household.room}` : ''}</span>}
                    description={<>
                      <div style={{ whiteSpace: 'pre-wrap' }}>{e.body}</div>
                      {e.photos.length > 0 && <div style={{ marginTop: 6 }}><PhotoGallery photos={e.photos} size={64} testId="fw-day-diary-photos" /></div>}
                    </>} />
                </List.Item>
              )} />
          </Card>
          <Card size="small" title={t('ui.fieldwork.sup.dayCases', { count: d.cases.length })}>
            <List size="small" dataSource={d.cases} locale={{ emptyText: t('ui.fieldwork.sup.nothing') }}
              renderItem={(c) => <List.Item><a href={`/cases/${c.id}`}>{c.number}</a>&nbsp;{c.description}</List.Item>} />
          </Card>
        </Flex>
      )}
    </Drawer>
  );
}

/** A patrol with its route drawn small (the points projected into a box). */
function PatrolRow({ patrol }: { patrol: PatrolSummary }) {
  const { t, locale } = useLocale();
  const detail = useQuery({ queryKey: fieldworkKeys.patrol(patrol.id), queryFn: () => fieldworkApi.patrol(patrol.id) });
  const time = (iso: string) => new Date(iso).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
  return (
    <Flex gap={12} align="flex-start" style={{ marginBottom: 8 }} data-testid="fw-day-patrol">
      <RoutePlot route={detail.data?.route ?? []} />
      <Flex vertical gap={4}>
        <div>{t('ui.fieldwork.sup.patrolLine', { start: time(patrol.startedAt), end: time(patrol.endedAt), minutes: patrol.minutes, km: (patrol.distanceM / 1000).toFixed(2) })}</div>
        {patrol.casesFound > 0 && (
          <div data-testid="fw-day-patrol-cases">
            {t('ui.fieldwork.sup.patrolCases', { count: patrol.casesFound })}
            {detail.data?.cases.map((c) => <span key={c.id}> · <a href={`/cases/${c.id}`}>{c.number}</a></span>)}
          </div>
        )}
        {patrol.notes && <Typography.Text type="secondary">{patrol.notes}</Typography.Text>}
        {patrol.photos.length > 0 && <PhotoGallery photos={patrol.photos} size={64} testId="fw-day-patrol-photos" />}
      </Flex>
    </Flex>
  );
}

function RoutePlot({ route }: { route: [number, number, number][] }) {
  const W = 120;
  const H = 90;
  if (route.length < 2) return <div style={{ width: W, height: H, background: '#fafafa', border: '1px solid #f0f0f0' }} />;
  const lngs = route.map((p) => p[0]);
  const lats = route.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...lngs), Math.max(...lngs), Math.min(...lats), Math.max(...lats)];
  // Keep the aspect (a degree of longitude is shorter than one of latitude away from the equator).
  const kx = Math.cos(((y0 + y1) / 2) * (Math.PI / 180));
  const span = Math.max((x1 - x0) * kx, y1 - y0) || 1e-6;
  const s = Math.min((W - 8) / span, (H - 8) / span);
  // Centred in the box.
  const ox = (W - (x1 - x0) * kx * s) / 2;
  const oy = (H - (y1 - y0) * s) / 2;
  const pts = route.map((p) => `${(ox + (p[0] - x0) * kx * s).toFixed(1)},${(H - oy - (p[1] - y0) * s).toFixed(1)}`).join(' ');
  const [sx, sy] = pts.split(' ')[0]!.split(',');
  return (
    <svg width={W} height={H} style={{ background: '#fafafa', border: '1px solid #f0f0f0', flex: 'none' }} data-testid="fw-route">
      <polyline points={pts} fill="none" stroke="#1668dc" strokeWidth={2} strokeLinejoin="round" />
      <circle cx={sx} cy={sy} r={3} fill="#52c41a" />
    </svg>
  );
}
