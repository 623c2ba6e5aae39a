import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { DotLoading, ErrorBlock, List, NoticeBar, ProgressBar, SearchBar, Tag } from 'antd-mobile';
import { fieldworkApi, fieldworkKeys, type ChecklistView } from '../../../api/fieldwork.js';
import { useLocale } from '../../../app/i18n.js';
import { formatDateTime } from '../../../components/format.js';
import { registerDataset } from '../../../pwa/data.js';
import { useOnline, useOutboxItems } from '../../../pwa/hooks.js';
import type { CaseState } from '../../../api/cases.js';
import { stateKey } from '../../cases/common.js';
import { beijingDate } from '../../../../shared/dates.js';
import { MobileShell } from '../../cases/mobile/MobileShell.js';
import { currentPosition, FieldNav, type Position } from './common.js';

// The last checklist stays on the phone: offline, the page shows it with the time it was synced.
registerDataset({
  key: 'fieldwork.checklist',
  queryKey: fieldworkKeys.checklist,
  load: () => fieldworkApi.checklist(),
  applies: (me) => me.permissions.includes('fieldwork.record'),
});

type Checklist = ChecklistView;
type ChecklistCase = Checklist['cases'][number];

/** 今日工作清单: the visits due (by building, nearest first), my cases, cases to verify and the day's quota. */
export default function TodayPage() {
  const { t, locale } = useLocale();
  const navigate = useNavigate();
  const online = useOnline();
  const position = useRef<Position | null>(null);
  const [q, setQ] = useState('');
  const checklist = useQuery({
    queryKey: fieldworkKeys.checklist,
    queryFn: () => fieldworkApi.checklist(position.current ?? {}),
    refetchOnMount: 'always',
  });
  const pack = useQuery({ queryKey: fieldworkKeys.offlinePack, queryFn: fieldworkApi.offlinePack, staleTime: 5 * 60_000, enabled: q.trim() !== '' });
  // Visits recorded on the phone and not sent yet: the household shows them (the checklist is the server's).
  const outbox = useOutboxItems();
  const waiting = useMemo(() => new Set((outbox ?? [])
    .filter((i) => i.kind === 'visit' && (i.state === 'waiting' || i.state === 'sending'))
    .map((i) => String(i.body.householdId))), [outbox]);
  const refetch = checklist.refetch;
  useEffect(() => {
    let live = true;
    void currentPosition().then((p) => {
      if (!live || !p) return;
      position.current = p;
      void refetch();
    });
    return () => { live = false; };
  }, [refetch]);

  const found = useMemo(() => {
    const s = q.trim().toLowerCase();
    if (!s || !pack.data) return [];
    return pack.data.households.filter((h) => `${h.buildingName}${h.entranceName ?? ''}${h.room}`.toLowerCase().includes(s)).slice(0, 30);
  }, [q, pack.data]);

  const data = checklist.data;
  const distance = (m: number | null) => (m === null ? null : m < 1000 ? t('ui.fieldwork.today.distance', { m: Math.round(m) }) : t('ui.fieldwork.today.distanceKm', { km: (m / 1000).toFixed(1) }));
  const caseItem = (c: ChecklistCase) => (
    <List.Item key={c.id} onClick={() => navigate(`/m/cases/${c.id}`)} data-testid="m-today-case" data-ticked={String(c.ticked)}
      description={<span>{c.number}{c.deadline ? ` · ${t('ui.fieldwork.today.deadline', { time: formatDateTime(c.deadline, locale) })}` : ''}{distance(c.distanceM) ? ` · ${distance(c.distanceM)}` : ''}</span>}
      extra={c.ticked ? <Tag color="success">✓</Tag> : <Tag color={c.overdueLevel === 'red' ? 'danger' : c.overdueLevel === 'yellow' ? 'warning' : 'default'}>{t(stateKey(c.state as CaseState))}</Tag>}>
      <div style={{ display: '-webkit-box', WebkitLineClamp: 2, WebkitBoxOrient: 'vertical', overflow: 'hidden', wordBreak: 'break-all', color: c.ticked ? '#999' : undefined }}>{c.description}</div>
    </List.Item>
  );

  return (
    <MobileShell title={t('ui.fieldwork.today.title')} active="/m/today">
      <FieldNav active="/m/today" />
      {!online && data && (
        <NoticeBar data-testid="m-today-synced" content={t('ui.fieldwork.today.syncedAt', { time: formatDateTime(new Date(checklist.dataUpdatedAt).toISOString(), locale) })} color="alert" />
      )}
      <SearchBar placeholder={t('ui.fieldwork.today.search')} value={q} onChange={setQ} style={{ padding: '8px 12px', background: '#fff' }} data-testid="m-household-search" />
      {q.trim() !== '' && (
        <List data-testid="m-household-found">
          {pack.isPending && <List.Item><DotLoading /></List.Item>}
          {found.map((h) => (
            <List.Item key={h.householdId} onClick={() => navigate(`/m/visit/${h.householdId}`)} data-testid="m-household-hit"
              description={h.tags.map((x) => x.name).join(' ')}>
              {h.buildingName} {h.entranceName ?? ''} {h.room}
            </List.Item>
          ))}
        </List>
      )}
      {checklist.isPending && <div style={{ padding: 24, textAlign: 'center' }}><DotLoading /></div>}
      {checklist.isError && !data && <ErrorBlock status="default" title={checklist.error.message} description="" />}
      {data && (
        <>
          <div style={{ background: '#fff', padding: '12px 16px', marginTop: 8 }} data-testid="m-today-quota" data-done={data.quota.done}>
            <div style={{ display: 'flex', justifyContent: 'space-between', marginBottom: 6 }}>
              <span>{data.quota.perDay ? t('ui.fieldwork.today.quota', { done: data.quota.done, perDay: data.quota.perDay }) : t('ui.fieldwork.today.quotaNone', { done: data.quota.done })}</span>
              {data.quota.met && <Tag color="success">{t('ui.fieldwork.today.quotaMet')}</Tag>}
            </div>
            {data.quota.perDay ? <ProgressBar percent={Math.min(100, (data.quota.done / data.quota.perDay) * 100)} /> : null}
          </div>
          <List header={t('ui.fieldwork.today.visits', { ticked: data.visits.ticked, total: data.visits.total })} data-testid="m-today-visits">
            {data.visits.buildings.length === 0 && <List.Item>{t('ui.fieldwork.today.noVisits')}</List.Item>}
          </List>
          {data.visits.buildings.map((b) => (
            <List key={b.buildingId} header={<span>{b.buildingName}{distance(b.distanceM) ? ` · ${distance(b.distanceM)}` : ''}</span>} data-testid="m-today-building">
              {b.items.map((h) => (
                <List.Item key={h.householdId} onClick={() => navigate(`/m/visit/${h.householdId}`)} data-testid="m-today-household"
                  data-household={h.householdId} data-state={h.state} data-ticked={String(h.ticked)} data-waiting={String(!h.ticked && waiting.has(h.householdId))}
                  description={<span>{h.tags.map((x) => x.name).join(' ')}{h.tags.length ? ' · ' : ''}{h.lastVisitAt ? t('ui.fieldwork.today.lastVisit', { date: beijingDate(new Date(h.lastVisitAt)) }) : t('ui.fieldwork.today.never')}</span>}
                  extra={h.ticked ? <Tag color="success" data-testid="m-today-ticked">✓ {t('ui.fieldwork.today.done')}</Tag>
                    : waiting.has(h.householdId) ? <Tag color="primary" fill="outline" data-testid="m-today-waiting">✓ {t('ui.pwa.state.waiting')}</Tag>
                    : h.state === 'overdue' ? <Tag color="danger" data-testid="m-today-overdue">{t('ui.fieldwork.today.overdue', { days: h.daysOverdue })}</Tag>
                      : <Tag color="warning">{h.nextDueDate && h.nextDueDate > data.date ? t('ui.fieldwork.today.dueOn', { date: h.nextDueDate }) : t('ui.fieldwork.today.due')}</Tag>}>
                  <span style={{ color: h.ticked ? '#999' : undefined, textDecoration: h.ticked ? 'line-through' : undefined }}>{h.room}</span>
                </List.Item>
              ))}
            </List>
          ))}
          <List header={t('ui.fieldwork.today.cases')} data-testid="m-today-cases">
            {data.cases.length === 0 ? <List.Item>{t('ui.fieldwork.today.noCases')}</List.Item> : data.cases.map(caseItem)}
          </List>
          {data.verify.length > 0 && <List header={t('ui.fieldwork.today.verify')} data-testid="m-today-verify">{data.verify.map(caseItem)}</List>}
          {data.omitted.length > 0 && <div style={{ padding: '8px 16px', color: '#999', fontSize: 12 }}>{t('ui.fieldwork.today.omitted', { items: data.omitted.join('、') })}</div>}
        </>
      )}
    </MobileShell>
  );
}
