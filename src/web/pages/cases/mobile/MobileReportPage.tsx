import { useEffect, useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Form, Input, NoticeBar, Selector, TextArea, Toast } from 'antd-mobile';
import { ApiError } from '../../../api/client.js';
import { caseKeys, casesApi, type CaseDetail } from '../../../api/cases.js';
import { useLocale } from '../../../app/i18n.js';
import { hasPermission, useCurrentUser } from '../../../app/session.js';
import { CaseMap, useReportArea } from '../CaseMap.js';
import { ReportHints } from '../ReportHints.js';
import { keptForLater, outboxPhotos, PhotoPicker, photoIds, photosBusy, useOutboxPhotos } from '../../../components/PhotoPicker.js';
import { enqueue, outboxItems } from '../../../pwa/outbox.js';
import { MobileShell, newIdempotencyKey } from './MobileShell.js';

type Point = { lng: number; lat: number };
type Locating = 'locating' | 'located' | 'failed' | 'picked';

/** A point handed over in the query string (lng, lat), when it is one. */
function pointFrom(params: URLSearchParams): Point | null {
  const lng = Number(params.get('lng'));
  const lat = Number(params.get('lat'));
  return params.has('lng') && params.has('lat') && Number.isFinite(lng) && Number.isFinite(lat) && Math.abs(lng) <= 180 && Math.abs(lat) <= 90
    ? { lng: Number(lng.toFixed(6)), lat: Number(lat.toFixed(6)) } : null;
}

/**
 * 随手拍 on the phone: photos (shrunk on the phone, each uploaded as soon as it is picked), category,
 * description, the place from the browser's location (or a point picked on the map of one's grid).
 * One Idempotency-Key per filled-in form: a double tap or a retry never files twice.
 * Without signal (or when the report cannot reach the server) the report and its photos go to the
 * phone's outbox under that same key and are sent when the signal returns (src/web/pwa/outbox.ts).
 * Opened from a running patrol (/m/patrol → 发现问题: ?patrolKey=…&lng=…&lat=…) the report is placed
 * at the patrol's last position at once (then at the phone's own fix) and carries the patrol's key,
 * so the patrol — sent when it stops — counts it as found on it; then it goes back to the patrol.
 */
export default function MobileReportPage() {
  const { t } = useLocale();
  const me = useCurrentUser();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const patrolKey = params.get('patrolKey') || undefined;
  const queryClient = useQueryClient();
  const categories = useQuery({ queryKey: caseKeys.categories, queryFn: casesApi.categories, staleTime: 300_000 });
  const [parent, setParent] = useState<string | undefined>();
  const [child, setChild] = useState<string | undefined>();
  const [description, setDescription] = useState('');
  const [address, setAddress] = useState('');
  // From a patrol: its last position, until the phone's own fix comes.
  const [point, setPoint] = useState<Point | null>(() => pointFrom(params));
  const [locating, setLocating] = useState<Locating>(() => (pointFrom(params) ? 'located' : 'locating'));
  const [picking, setPicking] = useState(false);
  const [key, setKey] = useState(newIdempotencyKey);
  const [errors, setErrors] = useState<Record<string, string>>({});
  // A photo whose upload found no network is kept (its blob and key) for the outbox, not shown as failed.
  const [photos, onPhotos, setPhotos] = useOutboxPhotos();

  // The map of the area one may report in (a resident's or worker's grid, a community's grids), for
  // picking the place when the phone cannot locate itself.
  const area = useReportArea(picking);

  /** Ask the phone where it is; `quiet` keeps the point already there (a patrol's) while asking and on failure. */
  const locate = (quiet = false) => {
    if (!('geolocation' in navigator)) {
      if (!quiet) setLocating('failed');
      return;
    }
    if (!quiet) setLocating('locating');
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setPoint({ lng: Number(pos.coords.longitude.toFixed(6)), lat: Number(pos.coords.latitude.toFixed(6)) });
        setLocating('located');
      },
      () => { if (!quiet) setLocating('failed'); },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
    );
  };
  useEffect(() => locate(!!pointFrom(params)), []);

  const tops = useMemo(() => (categories.data ?? []).filter((c) => !c.parentCode), [categories.data]);
  const subs = useMemo(() => (categories.data ?? []).filter((c) => c.parentCode === parent), [categories.data, parent]);

  const report = useMutation({
    // Runs without signal too (React Query would hold it until online): then it goes to the outbox.
    networkMode: 'always',
    mutationFn: async (): Promise<{ sent: CaseDetail } | { queued: number }> => {
      const categoryCode = child ?? parent;
      const offline = !navigator.onLine || photos.some(keptForLater);
      const next: Record<string, string> = {};
      if (!categoryCode) next.categoryCode = t('ui.cases.m.pickCategory');
      if (!description.trim()) next.description = t('ui.cases.required');
      if (!point) next.lng = t('ui.cases.m.needLocation');
      if (!offline && photosBusy(photos)) next.attachmentIds = t('ui.attachments.wait');
      setErrors(next);
      if (Object.keys(next).length) throw new Error(Object.values(next)[0]);
      const input = {
        categoryCode: categoryCode!, description: description.trim(), lng: point!.lng, lat: point!.lat,
        address: address.trim() || undefined, source: hasPermission(me, 'case.read') ? 'patrol' as const : 'resident' as const, urgency: 'normal' as const,
        ...(patrolKey ? { patrolKey } : {}),
      };
      if (!offline) {
        try {
          const ids = photoIds(photos);
          return { sent: await casesApi.report({ ...input, ...(ids.length ? { attachmentIds: ids } : {}) }, key) };
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 0)) throw e;
          // The answer did not come (no signal, or it was lost): the outbox retries with the same key.
        }
      }
      // The photos go as blobs under their own keys: one uploaded already answers the same attachment.
      await enqueue({
        kind: 'case_report', userId: me.id, url: '/api/cases', idempotencyKey: key, summary: input.description,
        body: JSON.parse(JSON.stringify(input)) as Record<string, unknown>,
        photos: outboxPhotos(photos),
      });
      const waiting = (await outboxItems()).filter((i) => i.state === 'waiting' || i.state === 'sending').length;
      return { queued: waiting };
    },
    onSuccess: (r) => {
      setKey(newIdempotencyKey());
      for (const p of photos) URL.revokeObjectURL(p.preview);
      setPhotos([]);
      if ('queued' in r) {
        // Kept on the phone: the form is free for the next report (same category and place).
        Toast.show({ icon: 'success', content: t('ui.pwa.queued', { count: r.queued }), duration: 3000 });
        if (patrolKey) {
          navigate('/m/patrol', { replace: true });
          return;
        }
        setDescription('');
        setAddress('');
        setErrors({});
        return;
      }
      const c = r.sent;
      void queryClient.invalidateQueries({ queryKey: caseKeys.all });
      Toast.show({ icon: 'success', content: t('ui.cases.m.reported', { number: c.number }) });
      navigate(patrolKey ? '/m/patrol' : `/m/cases/${c.id}`, { replace: true });
    },
    onError: (e) => {
      if (e instanceof ApiError && e.field) setErrors({ [e.field === 'lat' ? 'lng' : e.field.startsWith('attachmentIds') ? 'attachmentIds' : e.field]: e.message });
      Toast.show({ icon: 'fail', content: e.message });
    },
  });

  return (
    <MobileShell title={t('ui.cases.m.reportTitle')} active="/m/report">
      {patrolKey && <NoticeBar content={t('ui.fieldwork.patrol.onPatrol')} color="info" data-testid="m-report-on-patrol" />}
      <Form layout="vertical" data-testid="m-report-form"
        footer={
          <Button block color="primary" size="large" loading={report.isPending} disabled={report.isPending}
            onClick={() => report.mutate()} data-testid="m-report-submit">
            {t('ui.cases.m.submit')}
          </Button>
        }
      >
        <Form.Item label={t('ui.attachments.photos')} help={errors.attachmentIds ?? errors.file}>
          <PhotoPicker value={photos} onChange={onPhotos} disabled={report.isPending} />
          {photos.some(keptForLater) && <div style={{ color: '#ad4e00', fontSize: 12, marginTop: 4 }} data-testid="m-photos-later">{t('ui.pwa.photoLater')}</div>}
        </Form.Item>
        <Form.Item label={t('field.categoryCode')} help={errors.categoryCode} data-testid="m-category">
          <Selector columns={3} options={tops.map((c) => ({ label: c.name, value: c.code }))} value={parent ? [parent] : []}
            onChange={(v) => { setParent(v[0]); setChild(undefined); }} />
        </Form.Item>
        {subs.length > 0 && (
          <Form.Item label={t('ui.cases.m.subcategory')} data-testid="m-subcategory">
            <Selector columns={2} options={subs.map((c) => ({ label: c.name, value: c.code }))} value={child ? [child] : []}
              onChange={(v) => setChild(v[0])} />
          </Form.Item>
        )}
        <Form.Item label={t('field.description')} help={errors.description}>
          <TextArea placeholder={t('ui.cases.m.describe')} value={description} onChange={setDescription} rows={4} maxLength={2000} showCount data-testid="m-description" />
          <ReportHints description={description} categoryCode={child ?? parent} lng={point?.lng} lat={point?.lat}
            onPickCategory={(code) => { const [top] = code.split('.'); setParent(top); setChild(code.includes('.') ? code : undefined); }} />
        </Form.Item>
        <Form.Item label={t('ui.cases.location')} help={errors.lng} data-testid="m-location">
          <div data-testid="m-location-state" data-state={locating}>
            {locating === 'locating' && t('ui.cases.m.locating')}
            {(locating === 'located' || locating === 'picked') && point && t(locating === 'located' ? 'ui.cases.m.located' : 'ui.cases.m.picked', { lng: point.lng, lat: point.lat })}
            {locating === 'failed' && t('ui.cases.m.locateFailed')}
          </div>
          <div style={{ display: 'flex', gap: 8, marginTop: 8 }}>
            <Button size="small" onClick={() => locate()}>{t('ui.cases.m.locateAgain')}</Button>
            <Button size="small" onClick={() => setPicking((p) => !p)} data-testid="m-pick-toggle">{t('ui.cases.m.pickOnMap')}</Button>
          </div>
          {locating === 'failed' && !picking && <div style={{ color: '#999', marginTop: 6 }}>{t('ui.cases.m.allowLocation')}</div>}
          {picking && area.data && (
            <div style={{ marginTop: 8 }}>
              <CaseMap focus={area.data.focus} around={area.data.around} point={point} height={240}
                onPick={(p) => { setPoint(p); setLocating('picked'); }} data-testid="m-pick-map" />
            </div>
          )}
        </Form.Item>
        <Form.Item label={t('ui.cases.m.address')}>
          <Input placeholder={t('ui.cases.m.addressHint')} value={address} onChange={setAddress} maxLength={200} clearable />
        </Form.Item>
      </Form>
    </MobileShell>
  );
}
