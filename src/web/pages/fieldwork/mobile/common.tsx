import { useNavigate } from 'react-router';
import { Space } from 'antd-mobile';
import { useLocale } from '../../../app/i18n.js';
import type { MessageKey } from '../../../../shared/i18n/index.js';

/** The field work pages link to each other (the shell's tab bar holds the case pages). */
export function FieldNav({ active }: { active: string }) {
  const { t } = useLocale();
  const navigate = useNavigate();
  const links: [string, MessageKey][] = [
    ['/m/today', 'ui.fieldwork.nav.today'],
    ['/m/patrol', 'ui.fieldwork.nav.patrol'],
    ['/m/diary', 'ui.fieldwork.nav.diary'],
  ];
  return (
    <div style={{ background: '#fff', padding: '8px 12px', borderBottom: '1px solid #eee' }} data-testid="m-field-nav">
      <Space style={{ '--gap': '8px' }}>
        {links.map(([path, key]) => (
          <a key={path} onClick={() => navigate(path)} data-testid={`m-field-nav-${path.slice(3)}`}
            style={{ padding: '4px 12px', borderRadius: 14, fontSize: 14, cursor: 'pointer', background: path === active ? '#1668dc' : '#f0f0f0', color: path === active ? '#fff' : '#333' }}>
            {t(key)}
          </a>
        ))}
      </Space>
    </div>
  );
}

export interface Position { lng: number; lat: number }

/** One position from the phone, or null (refused, none in time, no geolocation). */
export function currentPosition(timeoutMs = 8000): Promise<Position | null> {
  return new Promise((resolve) => {
    if (!('geolocation' in navigator)) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lng: p.coords.longitude, lat: p.coords.latitude }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 120_000 },
    );
  });
}

/** Metres between two points (haversine). */
export function metres(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLng = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}
