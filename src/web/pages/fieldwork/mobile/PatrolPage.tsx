import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { Button, Dialog, NoticeBar, TextArea, Toast } from 'antd-mobile';
import { MAX_ROUTE_POINTS } from '../../../../shared/fieldwork.schemas.js';
import type { CreatePatrolInput, RoutePoint } from '../../../api/fieldwork.js';
import { useLocale } from '../../../app/i18n.js';
import { useCurrentUser } from '../../../app/session.js';
import { readCached, writeCached } from '../../../pwa/data.js';
import { enqueue, randomKey } from '../../../pwa/outbox.js';
import { MobileShell } from '../../cases/mobile/MobileShell.js';
import { FieldNav, metres } from './common.js';

/** The running patrol, kept on the phone (a reload or a closed tab does not lose the route). */
interface Running { userId: string; startedAt: string; route: RoutePoint[]; notes: string }
const KEY = 'fieldwork.patrol.running';
/** Keep a point after this many metres, or after this many milliseconds. */
const EVERY_M = 10;
const EVERY_MS = 30_000;

const routeMetres = (route: RoutePoint[]) => route.reduce((sum, p, i) => (i ? sum + metres([route[i - 1]![0], route[i - 1]![1]], [p[0], p[1]]) : 0), 0);

/** 巡查: start, the route sampled from the phone's position, notes, stop → the outbox. */
export default function PatrolPage() {
  const { t } = useLocale();
  const navigate = useNavigate();
  const me = useCurrentUser();
  const [running, setRunning] = useState<Running | null | undefined>(undefined);
  const [geoError, setGeoError] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const current = useRef<Running | null>(null);

  const save = useCallback((r: Running | null) => {
    current.current = r;
    setRunning(r);
    void writeCached(KEY, r);
  }, []);

  useEffect(() => {
    void readCached<Running | null>(KEY).then((rec) => {
      const r = rec?.data && rec.data.userId === me.id ? rec.data : null;
      current.current = r;
      setRunning(r);
    });
  }, [me.id]);

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

  const start = () => save({ userId: me.id, startedAt: new Date().toISOString(), route: [], notes: '' });

  const stop = async () => {
    const r = current.current;
    if (!r) return;
    if (!(await Dialog.confirm({ content: t('ui.fieldwork.patrol.stopConfirm'), confirmText: t('ui.fieldwork.patrol.stop') }))) return;
    const endedAt = new Date(Math.max(Date.now(), Date.parse(r.startedAt), ...r.route.map((p) => p[2]))).toISOString();
    const body: CreatePatrolInput = { startedAt: r.startedAt, endedAt, route: r.route, ...(r.notes.trim() ? { notes: r.notes.trim() } : {}) };
    await enqueue({ kind: 'patrol', userId: me.id, url: '/api/patrols', body: body as unknown as Record<string, unknown>, idempotencyKey: randomKey(), summary: `${t('ui.fieldwork.patrol.title')} ${r.startedAt.slice(0, 16).replace('T', ' ')}` });
    save(null);
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
          <Button block color="warning" onClick={() => navigate('/m/report')} data-testid="m-patrol-report">{t('ui.fieldwork.patrol.report')}</Button>
          <Button block color="danger" size="large" onClick={() => void stop()} data-testid="m-patrol-stop">{t('ui.fieldwork.patrol.stop')}</Button>
        </div>
      )}
    </MobileShell>
  );
}
