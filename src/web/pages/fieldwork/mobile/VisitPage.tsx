import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Button, Checkbox, DotLoading, ErrorBlock, Input, List, NoticeBar, Selector, Tag, TextArea, Toast } from 'antd-mobile';
import { VISIT_FOLLOW_UPS, VISIT_KINDS } from '../../../../shared/fieldwork.schemas.js';
import { fieldworkApi, fieldworkKeys, type CreateVisitInput } from '../../../api/fieldwork.js';
import { useLocale } from '../../../app/i18n.js';
import { useCurrentUser } from '../../../app/session.js';
import { formatDateTime } from '../../../components/format.js';
import { useOnline, useOutboxItems } from '../../../pwa/hooks.js';
import { enqueue, onOutbox, outboxItems, randomKey, removeFromOutbox } from '../../../pwa/outbox.js';
import { beijingDate } from '../../../../shared/dates.js';
import { relationKey } from '../../registry/common.js';
import { MobileShell } from '../../cases/mobile/MobileShell.js';
import { currentPosition, FieldNav, type Position } from './common.js';

type Kind = (typeof VISIT_KINDS)[number];
type FollowUp = (typeof VISIT_FOLLOW_UPS)[number];
const MOBILE = /^1\d{10}$/;

/** Told when the visit waits on the phone: how many records wait in all. */
async function queuedToast(t: ReturnType<typeof useLocale>['t']): Promise<void> {
  const count = (await outboxItems()).filter((i) => i.state === 'waiting' || i.state === 'sending').length;
  Toast.show({ icon: 'success', content: t('ui.pwa.queued', { count }), duration: 3000 });
}

/** 入户走访: the household from the phone's pack of the grid, and the visit, sent through the outbox. */
export default function VisitPage() {
  const { householdId: id = '' } = useParams();
  const { t, locale } = useLocale();
  const navigate = useNavigate();
  const me = useCurrentUser();
  const online = useOnline();
  const pack = useQuery({ queryKey: fieldworkKeys.offlinePack, queryFn: fieldworkApi.offlinePack, refetchOnMount: 'always' });
  const history = useQuery({ queryKey: fieldworkKeys.visits(id), queryFn: () => fieldworkApi.visits({ householdId: id, limit: 5 }), enabled: online });
  const [kind, setKind] = useState<Kind>('routine');
  const [met, setMet] = useState<string[]>([]);
  const [metOthers, setMetOthers] = useState('');
  const [nobodyHome, setNobodyHome] = useState(false);
  const [findings, setFindings] = useState('');
  const [followUp, setFollowUp] = useState<FollowUp>('none');
  const [phones, setPhones] = useState<Record<string, string>>({});
  const [showCorrections, setShowCorrections] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [itemId, setItemId] = useState<string | null>(null);
  const [position, setPosition] = useState<Position | null>(null);
  useEffect(() => { void currentPosition().then(setPosition); }, []);

  const household = pack.data?.households.find((h) => h.householdId === id);
  const building = pack.data?.buildings.find((b) => b.id === household?.buildingId);
  const residents = useMemo(() => (pack.data?.residents ?? []).filter((r) => r.household?.id === id && r.status === 'active'), [pack.data, id]);

  // The submitted visit's outbox item: sent → back to the checklist; conflict/failed → shown here.
  const items = useOutboxItems();
  const item = itemId ? items?.find((i) => i.id === itemId) : undefined;
  const sentKey = useRef<string | null>(null);
  const afterwards = useRef('/m/today');
  useEffect(() => onOutbox((e) => {
    if (e.type !== 'sent' || e.item.idempotencyKey !== sentKey.current) return;
    sentKey.current = null;
    setItemId(null);
    Toast.show({ icon: 'success', content: t('ui.fieldwork.visit.sent') });
    navigate(afterwards.current);
  }), [navigate, t]);
  const refused = item && (item.state === 'conflict' || item.state === 'failed') ? item : undefined;
  // The first try found no network (or lost its answer): the visit waits on the phone, the worker goes on.
  const waitsOnPhone = !!item && item.state === 'waiting' && item.attempts > 0;
  useEffect(() => {
    if (!waitsOnPhone) return;
    setItemId(null);
    void queuedToast(t);
    navigate(afterwards.current);
  }, [waitsOnPhone, navigate, t]);
  // A conflict: read the residents again (their new versions) before the visit is submitted anew.
  const refetchPack = pack.refetch;
  useEffect(() => { if (refused?.state === 'conflict') void refetchPack(); }, [refused?.state, refetchPack]);

  const submit = async () => {
    setError(null);
    if (!nobodyHome && met.length === 0 && !metOthers.trim()) return setError(t('ui.fieldwork.visit.needMet'));
    const residentUpdates: NonNullable<CreateVisitInput['residentUpdates']> = [];
    for (const r of residents) {
      const phone = phones[r.id]?.trim();
      if (!phone) continue;
      if (!MOBILE.test(phone)) return setError(t('ui.fieldwork.visit.phoneInvalid'));
      residentUpdates.push({ residentId: r.id, version: r.version, phone });
    }
    const body: CreateVisitInput = {
      householdId: id,
      kind,
      occurredAt: new Date().toISOString(),
      metResidentIds: nobodyHome ? [] : met,
      nobodyHome,
      followUp,
      residentUpdates,
      ...(metOthers.trim() && !nobodyHome ? { metOthers: metOthers.trim() } : {}),
      ...(findings.trim() ? { findings: findings.trim() } : {}),
      ...(position ? { lng: position.lng, lat: position.lat } : {}),
    };
    // Submitting again replaces the refused record (its key stays spent on the server).
    if (refused) await removeFromOutbox(refused.id);
    const key = randomKey();
    sentKey.current = key;
    afterwards.current = followUp === 'case' ? '/m/report' : '/m/today';
    const queued = await enqueue({
      kind: 'visit', userId: me.id, url: '/api/visits', body: body as unknown as Record<string, unknown>, idempotencyKey: key,
      summary: `${household ? `${household.buildingName} ${household.room}` : id} · ${t(`ui.fieldwork.visit.kind.${kind}`)}`,
    });
    setItemId(queued.id);
    if (!navigator.onLine) {
      setItemId(null);
      void queuedToast(t);
      navigate(afterwards.current);
    }
  };

  return (
    <MobileShell title={t('ui.fieldwork.visit.title')} back="/m/today">
      <FieldNav active="" />
      {pack.isPending && <div style={{ padding: 24, textAlign: 'center' }}><DotLoading /></div>}
      {pack.isError && !pack.data && <ErrorBlock status="default" title={pack.error.message} description="" />}
      {pack.data && !household && <ErrorBlock status="empty" title={t('ui.fieldwork.visit.notInPack')} description="" />}
      {household && (
        <>
          <List header={building?.address ?? household.buildingName} data-testid="m-visit-household">
            <List.Item description={<span>{household.lastVisitAt ? t('ui.fieldwork.today.lastVisit', { date: beijingDate(new Date(household.lastVisitAt)) }) : t('ui.fieldwork.today.never')}{household.nextDueDate ? ` · ${t('ui.fieldwork.visit.nextDue', { date: household.nextDueDate })}` : ''}</span>}
              extra={household.state === 'overdue' ? <Tag color="danger">{t('ui.fieldwork.today.overdue', { days: household.daysOverdue })}</Tag> : null}>
              <strong>{household.buildingName} {household.entranceName ?? ''} {household.room}</strong>
              <div style={{ marginTop: 4 }}>{household.tags.map((x) => <Tag key={x.id} color={x.color} fill="outline" style={{ marginRight: 4 }}>{x.name}</Tag>)}</div>
            </List.Item>
          </List>
          <List header={t('ui.fieldwork.visit.residents')} data-testid="m-visit-residents">
            {residents.length === 0 && <List.Item>{t('ui.fieldwork.visit.noResidents')}</List.Item>}
            {residents.map((r) => (
              <List.Item key={r.id} data-testid="m-visit-resident"
                prefix={<Checkbox checked={met.includes(r.id)} disabled={nobodyHome} onChange={(v) => setMet((m) => (v ? [...m, r.id] : m.filter((x) => x !== r.id)))} data-testid="m-visit-met" />}
                description={<span>{[r.relation ? t(relationKey(r.relation)) : null, r.age !== null ? `${r.age}` : null, r.phone].filter(Boolean).join(' · ')}</span>}>
                {r.name} {r.tags.map((x) => <Tag key={x.id} color={x.color} fill="outline" style={{ marginLeft: 4 }}>{x.name}</Tag>)}
              </List.Item>
            ))}
            <List.Item>
              <Checkbox checked={nobodyHome} onChange={(v) => { setNobodyHome(v); if (v) setMet([]); }} data-testid="m-visit-nobody">{t('ui.fieldwork.visit.nobodyHome')}</Checkbox>
            </List.Item>
            {!nobodyHome && (
              <List.Item>
                <Input placeholder={t('ui.fieldwork.visit.metOthers')} value={metOthers} onChange={setMetOthers} maxLength={200} data-testid="m-visit-others" />
              </List.Item>
            )}
          </List>
          <List header={t('ui.fieldwork.visit.kind')}>
            <List.Item>
              <Selector columns={2} value={[kind]} onChange={(v) => v[0] && setKind(v[0])} data-testid="m-visit-kind"
                options={VISIT_KINDS.map((k) => ({ value: k, label: t(`ui.fieldwork.visit.kind.${k}`) }))} />
            </List.Item>
          </List>
          <List header={t('ui.fieldwork.visit.findings')}>
            <List.Item>
              <TextArea placeholder={t('ui.fieldwork.visit.findingsPlaceholder')} value={findings} onChange={setFindings} maxLength={2000} autoSize={{ minRows: 3, maxRows: 8 }} data-testid="m-visit-findings" />
            </List.Item>
          </List>
          <List header={t('ui.fieldwork.visit.followUp')}>
            <List.Item description={followUp === 'case' ? t('ui.fieldwork.visit.followUpCaseHint') : undefined}>
              <Selector columns={3} value={[followUp]} onChange={(v) => v[0] && setFollowUp(v[0])} data-testid="m-visit-followup"
                options={VISIT_FOLLOW_UPS.map((k) => ({ value: k, label: t(`ui.fieldwork.visit.followUp.${k}`) }))} />
            </List.Item>
          </List>
          {residents.length > 0 && (
            <List header={<a onClick={() => setShowCorrections((s) => !s)} data-testid="m-visit-corrections">{t('ui.fieldwork.visit.corrections')} {showCorrections ? '▲' : '▼'}</a>}>
              {showCorrections && residents.map((r) => (
                <List.Item key={r.id}>
                  <Input type="tel" placeholder={t('ui.fieldwork.visit.phone', { name: r.name })} value={phones[r.id] ?? ''} maxLength={11}
                    onChange={(v) => setPhones((p) => ({ ...p, [r.id]: v }))} data-testid="m-visit-phone" />
                </List.Item>
              ))}
            </List>
          )}
          {refused && (
            <NoticeBar wrap color="error" data-testid="m-visit-refused" data-state={refused.state}
              content={refused.state === 'conflict' ? t('ui.fieldwork.visit.conflict', { message: refused.lastError ?? '' }) : t('ui.fieldwork.visit.failed', { message: refused.lastError ?? '' })} />
          )}
          {item && !refused && <NoticeBar color="info" content={t('ui.fieldwork.visit.queued')} data-testid="m-visit-sending" />}
          {error && <NoticeBar wrap color="error" content={error} data-testid="m-visit-error" />}
          <div style={{ padding: 16 }}>
            <Button block color="primary" size="large" loading={!!item && !refused} onClick={() => void submit()} data-testid="m-visit-submit">{t('ui.fieldwork.visit.submit')}</Button>
          </div>
          {history.data && history.data.items.length > 0 && (
            <List header={t('ui.fieldwork.visit.history')} data-testid="m-visit-history">
              {history.data.items.map((v) => (
                <List.Item key={v.id} description={v.findings ?? ''}>
                  {formatDateTime(v.occurredAt, locale)} · {t(`ui.fieldwork.visit.kind.${v.kind}`)} · {v.visitor.name}
                </List.Item>
              ))}
            </List>
          )}
        </>
      )}
    </MobileShell>
  );
}
