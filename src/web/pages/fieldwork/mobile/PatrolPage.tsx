import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { Button, Dialog, NoticeBar, TextArea, Toast } from 'antd-mobile';
import { MAX_ROUTE_POINTS } from '../../../../shared/fieldwork.schemas.js';
import type { CreatePatrolInput, RoutePoint } from '../../../api/fieldwork.js';
import { useLocale } from '../../../app/i18n.js';
import { useCurrentUser } from '../../../app/session.js';
import { readCached, writeCached } from '../../../pwa/data.js';
import { enqueue, randomKey } from '../../../pwa/outbox.js';
import { outboxPhotos, PhotoPicker, useOutboxPhotos, type PickedPhoto } from '../../../components/PhotoPicker.js';
import { MobileShell } from '../../cases/mobile/MobileShell.js';
import { FieldNav, metres } from './common.js';

/**
 * The running patrol, kept on the phone (a reload or a closed tab does not lose the route). `key` is
 * the Idempotency-Key the patrol is sent with at its end, chosen at its start: a case reported from
 * the patrol meanwhile carries it (patrolKey), and the server places that case on the patrol.
 */
interface Running { userId: string; startedAt: string; route: RoutePoint[]; notes: string; key: string }
const KEY = 'fieldwork.patrol.running';
/** The running patrol's photos (blobs and their upload keys), kept apart so the route's saves do not rewrite them. */
interface RunningPhotos { userId: string; key: string; photos: { key: string; blob: Blob }[] }
const PHOTOS_KEY = 'fieldwork.patrol.photos';
/** Keep a point after this many metres, or after this many milliseconds. */
const EVERY_M = 10;
const EVERY_MS = 30_000;

const routeMetres = (route: RoutePoint[]) => route.reduce((sum, p, i) => (i ? sum + metres([route[i - 1]![0], route[i - 1]![1]], [p[0], p[1]]) : 0), 0);

/** 巡查: start, the route sampled from the phone's position, notes and photos, 发现问题 → a report placed on it, stop → the outbox. */
export default function PatrolPage() {
  const { t } = useLocale();
  const navigate = useNavigate();
  const me = useCurrentUser();
  const [running, setRunning] = useState<Running | null | undefined>(undefined);
  const [geoError, setGeoError] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const current = useRef<Running | null>(null);
  // Photos picked while it runs: uploaded at once when there is signal, kept on the phone either way and sent with the patrol.
  const [photos, onPhotos, setPhotos] = useOutboxPhotos();
  const photosLoaded = useRef(false);

  const save = useCallback((r: Running | null) => {
    current.current = r;
    setRunning(r);
    void writeCached(KEY, r);
  }, []);

  useEffect(() => {
    void Promise.all([readCached<Running | null>(KEY), readCached<RunningPhotos | null>(PHOTOS_KEY)]).then(([rec, pics]) => {
      let r = rec?.data && rec.data.userId === me.id ? rec.data : null;
      // A patrol started before patrols had their key at start gets one now.
      if (r && !r.key) {
        r = { ...r, key: randomKey() };
        void writeCached(KEY, r);
      }
      current.current = r;
      setRunning(r);
      const kept = r && pics?.data && pics.data.userId === me.id && pics.data.key === r.key ? pics.data.photos : [];
      setPhotos(kept.map((p): PickedPhoto => ({ key: p.key, blob: p.blob, preview: URL.createObjectURL(p.blob), state: 'done', progress: 1 })));
      photosLoaded.current = true;
    });
  }, [me.id, setPhotos]);

  // The picked photos follow the running patrol onto the phone's storage (when one is added or removed, not at each upload tick).
  const photosRef = useRef(photos);
  photosRef.current = photos;
  const keptKeys = outboxPhotos(photos).map((p) => p.key).join(' ');
  useEffect(() => {
    const r = current.current;
    if (!photosLoaded.current || !r) return;
    void writeCached(PHOTOS_KEY, { userId: r.userId, key: r.key, photos: outboxPhotos(photosRef.current) } satisfies RunningPhotos);
  }, [keptKeys]);

  const active = !!running;
  useEffect(() => {
    if (!active) return;
    const minute = setInterval(() => setTick((n) => n + 1), 30_000);
    if (!('geolocation' in navigator)) {
      setGeoError('geolocation');
      return () => clearInterval(minute);
    }
    const watch = navigator.geolocation.watchPosition(
      (pos) => {
        setGeoError(null);
        const r = current.current;
        if (!r || r.route.length >= MAX_ROUTE_POINTS) return;
        const point: RoutePoint = [pos.coords.longitude, pos.coords.latitude, Math.max(Date.now(), Date.parse(r.startedAt))];
        const last = r.route.at(-1);
        if (last && metres([last[0], last[1]], [point[0], point[1]]) < EVERY_M && point[2] - last[2] < EVERY_MS) return;
        save({ ...r, route: [...r.route, point] });
      },
      (e) => setGeoError(e.message || String(e.code)),
      { enableHighAccuracy: true, maximumAge: 5_000, timeout: 60_000 },
    );
    return () => { navigator.geolocation.clearWatch(watch); clearInterval(minute); };
  }, [active, save]);

  const start = () => {
    setPhotos([]);
    save({ userId: me.id, startedAt: new Date().toISOString(), route: [], notes: '', key: randomKey() });
  };

  /** 发现问题: the report page, placed at the last point of the route, carrying the patrol's key. */
  const reportFound = () => {
    const r = current.current;
    if (!r) return;
    const last = r.route.at(-1);
    const q = new URLSearchParams({ patrolKey: r.key, ...(last ? { lng: String(last[0]), lat: String(last[1]) } : {}) });
    navigate(`/m/report?${q.toString()}`);
  };

  const stop = async () => {
    const r = current.current;
    if (!r) return;
    if (!(await Dialog.confirm({ content: t('ui.fieldwork.patrol.stopConfirm'), confirmText: t('ui.fieldwork.patrol.stop') }))) return;
    const endedAt = new Date(Math.max(Date.now(), Date.parse(r.startedAt), ...r.route.map((p) => p[2]))).toISOString();
    const body: CreatePatrolInput = { startedAt: r.startedAt, endedAt, route: r.route, ...(r.notes.trim() ? { notes: r.notes.trim() } : {}) };
    // The photos go as blobs under their own keys (one uploaded already answers the same attachment); their ids into attachmentIds.
    await enqueue({
      kind: 'patrol', userId: me.id, url: '/api/patrols', body: body as unknown as Record<string, unknown>, idempotencyKey: r.key,
      photos: outboxPhotos(photos), summary: `${t('ui.fieldwork.patrol.title')} ${r.startedAt.slice(0, 16).replace('T', ' ')}`,
    });
    save(null);
    for (const p of photos) URL.revokeObjectURL(p.preview);
    setPhotos([]);
    void writeCached(PHOTOS_KEY, null);
    Toast.show({ content: t('ui.fieldwork.patrol.queued') });
  };

  const minutes = running ? Math.max(0, Math.round((Date.now() - Date.parse(running.startedAt)) / 60_000)) : 0;
  return (
    <MobileShell title={t('ui.fieldwork.patrol.title')} active="/m/patrol">
      <FieldNav active="/m/patrol" />
      {running === null && (
        <div style={{ padding: 16 }}>
          <p style={{ color: '#666' }}>{t('ui.fieldwork.patrol.idle')}</p>
          <Button block color="primary" size="large" onClick={start} data-testid="m-patrol-start">{t('ui.fieldwork.patrol.start')}</Button>
        </div>
      )}
      {running && (
        <div style={{ padding: 16, display: 'flex', flexDirection: 'column', gap: 12 }}>
          <div style={{ background: '#fff', padding: 12, borderRadius: 8 }} data-testid="m-patrol-running" data-points={running.route.length}>
            {t('ui.fieldwork.patrol.running', { minutes, points: running.route.length, km: (routeMetres(running.route) / 1000).toFixed(2) })}
          </div>
          {geoError && <NoticeBar wrap color="alert" content={t('ui.fieldwork.patrol.noGeo', { message: geoError })} />}
          <TextArea style={{ background: '#fff', padding: 8, borderRadius: 8, boxSizing: 'border-box', width: '100%' }} placeholder={t('ui.fieldwork.patrol.notes')} value={running.notes} maxLength={2000}
            autoSize={{ minRows: 3, maxRows: 8 }} onChange={(notes) => current.current && save({ ...current.current, notes })} data-testid="m-patrol-notes" />
          <div style={{ background: '#fff', padding: 12, borderRadius: 8 }} data-testid="m-patrol-photos">
            <div style={{ marginBottom: 8 }}>{t('ui.fieldwork.patrol.photos')}</div>
            <PhotoPicker value={photos} onChange={onPhotos} testId="m-patrol-photo-picker" />
            <div style={{ color: '#999', fontSize: 12, marginTop: 4 }}>{t('ui.fieldwork.patrol.photosHint')}</div>
          </div>
          <Button block color="warning" onClick={reportFound} data-testid="m-patrol-report">{t('ui.fieldwork.patrol.report')}</Button>
          <Button block color="danger" size="large" onClick={() => void stop()} data-testid="m-patrol-stop">{t('ui.fieldwork.patrol.stop')}</Button>
        </div>
      )}
    </MobileShell>
  );
}
