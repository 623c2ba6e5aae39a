import { useCallback, useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { uploadAttachment, type AttachmentView } from '../api/cases.js';
import { ApiError } from '../api/client.js';
import { useLocale } from '../app/i18n.js';
import { LOCALES, translate } from '../../shared/i18n/index.js';

/** A photo picked on the phone: shrunk, then uploaded on its own (its id goes with the report or step). */
export interface PickedPhoto {
  /** Local key, also the upload's Idempotency-Key: a retry answers the same attachment. */
  key: string;
  /** Object URL of the shrunk JPEG, for the thumbnail. */
  preview: string;
  blob: Blob;
  state: 'uploading' | 'done' | 'failed';
  /** 0 … 1 */
  progress: number;
  attachment?: AttachmentView;
  error?: string;
}

/** The ids to send with a report or a step. */
export const photoIds = (photos: PickedPhoto[]) => photos.flatMap((p) => (p.state === 'done' && p.attachment ? [p.attachment.id] : []));
/** True while a photo is still on its way (submit waits). */
export const photosBusy = (photos: PickedPhoto[]) => photos.some((p) => p.state === 'uploading');

/** The picked photos of a form; their previews are released when the form goes. */
export function usePhotos(): [PickedPhoto[], Dispatch<SetStateAction<PickedPhoto[]>>] {
  const [photos, setPhotos] = useState<PickedPhoto[]>([]);
  const ref = useRef(photos);
  ref.current = photos;
  useEffect(() => () => { for (const p of ref.current) URL.revokeObjectURL(p.preview); }, []);
  return [photos, setPhotos];
}

/** The upload's "no network" message (in either language): such a photo is kept and sent with its record. */
const NETWORK_MESSAGES = new Set(LOCALES.map((l) => translate(l, 'ui.error.network')));
/** A photo kept on the phone, to be uploaded by the outbox (shown as picked, without a failure). */
export const keptForLater = (p: PickedPhoto) => p.state === 'done' && !p.attachment;
/** The photos an outbox item carries (blob and key; one uploaded already answers the same attachment). */
export const outboxPhotos = (photos: PickedPhoto[]) => photos.filter((p) => p.state !== 'failed').map((p) => ({ key: p.key, blob: p.blob }));

/**
 * The picked photos of a form that may go through the phone's outbox (a report, a patrol, a diary
 * entry): as usePhotos, but a photo whose upload found no network is kept for the outbox — its blob
 * and key — rather than shown as failed. Answers the list, the picker's onChange, and the plain setter.
 */
export function useOutboxPhotos(): [PickedPhoto[], Dispatch<SetStateAction<PickedPhoto[]>>, Dispatch<SetStateAction<PickedPhoto[]>>] {
  const [photos, setPhotos] = usePhotos();
  const onPhotos: Dispatch<SetStateAction<PickedPhoto[]>> = useCallback((action) => setPhotos((list) => {
    const next = typeof action === 'function' ? action(list) : action;
    return next.map((p) => (p.state === 'failed' && p.error && NETWORK_MESSAGES.has(p.error) ? { ...p, state: 'done' as const, progress: 0, error: undefined } : p));
  }), [setPhotos]);
  return [photos, onPhotos, setPhotos];
}

const MAX_SIDE = 1600;

/**
 * Shrink a picture on the phone to at most 1600 px on its longer side, as JPEG: a 5 MB camera
 * photo becomes a few hundred KB, and its EXIF (GPS included) stays on the phone. The orientation
 * the camera recorded is applied first.
 */
export async function shrinkToJpeg(file: Blob, maxSide = MAX_SIDE, quality = 0.85): Promise<Blob> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * scale));
  const h = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const g = canvas.getContext('2d');
  if (!g) throw new Error('canvas');
  g.fillStyle = '#fff'; // a transparent PNG gets a white background, not black
  g.fillRect(0, 0, w, h);
  g.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode'))), 'image/jpeg', quality));
}

const newKey = () => `photo-${crypto.randomUUID()}`;

/**
 * Photos for a report or a step, phone first: take one with the camera or pick from the album
 * (several at once), each shrunk and uploaded at once with its progress; a failed one can be
 * retried (same key), any can be removed; at most `max`.
 */
export function PhotoPicker({ value, onChange, max = 9, disabled, testId = 'photo-picker' }: {
  value: PickedPhoto[];
  onChange: Dispatch<SetStateAction<PickedPhoto[]>>;
  max?: number;
  disabled?: boolean;
  testId?: string;
}) {
  const { t } = useLocale();
  const camera = useRef<HTMLInputElement>(null);
  const album = useRef<HTMLInputElement>(null);
  const aborts = useRef(new Map<string, () => void>());
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => () => { for (const abort of aborts.current.values()) abort(); }, []);

  const patch = (key: string, p: Partial<PickedPhoto>) => onChange((list) => list.map((x) => (x.key === key ? { ...x, ...p } : x)));

  const send = (key: string, blob: Blob) => {
    const { done, abort } = uploadAttachment(blob, key, (f) => patch(key, { progress: f }));
    aborts.current.set(key, abort);
    done.then(
      (attachment) => patch(key, { state: 'done', progress: 1, attachment, error: undefined }),
      (e: unknown) => {
        if (e instanceof ApiError && e.code === 'aborted') return;
        patch(key, { state: 'failed', error: e instanceof Error ? e.message : t('ui.attachments.failed') });
      },
    ).finally(() => aborts.current.delete(key));
  };

  const add = async (files: FileList | null) => {
    setNotice(null);
    const picked = Array.from(files ?? []);
    const room = max - value.length;
    if (picked.length > room) setNotice(t('ui.attachments.limit', { max }));
    for (const file of picked.slice(0, Math.max(0, room))) {
      let blob: Blob;
      try {
        blob = await shrinkToJpeg(file);
      } catch {
        setNotice(t('ui.attachments.unreadable'));
        continue;
      }
      const key = newKey();
      onChange((list) => [...list, { key, preview: URL.createObjectURL(blob), blob, state: 'uploading', progress: 0 }]);
      send(key, blob);
    }
  };

  const remove = (p: PickedPhoto) => {
    aborts.current.get(p.key)?.();
    URL.revokeObjectURL(p.preview);
    onChange((list) => list.filter((x) => x.key !== p.key));
  };

  const retry = (p: PickedPhoto) => {
    patch(p.key, { state: 'uploading', progress: 0, error: undefined });
    send(p.key, p.blob);
  };

  const tile: React.CSSProperties = { position: 'relative', width: 80, height: 80, borderRadius: 6, overflow: 'hidden', background: '#f0f0f0', flex: '0 0 auto' };
  const button: React.CSSProperties = { ...tile, border: '1px dashed #bbb', display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center', color: '#666', fontSize: 13, cursor: 'pointer', background: '#fafafa' };

  return (
    <div data-testid={testId}>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>
        {value.map((p, i) => (
          <div key={p.key} style={tile} data-testid="photo-item" data-state={p.state}>
            <img src={p.preview} alt={t('ui.attachments.photoAlt', { n: i + 1 })} style={{ width: '100%', height: '100%', objectFit: 'cover', display: 'block' }} />
            {p.state === 'uploading' && (
              <div style={{ position: 'absolute', inset: 0, background: 'rgba(0,0,0,.45)', color: '#fff', display: 'flex', alignItems: 'center', justifyContent: 'center', fontSize: 12, textAlign: 'center' }}>
                {t('ui.attachments.uploading', { percent: Math.round(p.progress * 100) })}
              </div>
            )}
            {p.state === 'failed' && (
              <button type="button" onClick={() => retry(p)} title={p.error}
                style={{ position: 'absolute', inset: 0, border: 0, background: 'rgba(255,49,65,.75)', color: '#fff', fontSize: 12 }}>
                {t('ui.attachments.failed')}<br />{t('ui.attachments.retry')}
              </button>
            )}
            <button type="button" aria-label={t('ui.attachments.remove')} onClick={() => remove(p)} data-testid="photo-remove"
              style={{ position: 'absolute', top: 0, right: 0, width: 22, height: 22, border: 0, borderBottomLeftRadius: 6, background: 'rgba(0,0,0,.6)', color: '#fff', fontSize: 14, lineHeight: '22px', padding: 0 }}>
              ×
            </button>
          </div>
        ))}
        {value.length < max && !disabled && (
          <>
            <div role="button" tabIndex={0} style={button} onClick={() => camera.current?.click()} onKeyDown={(e) => e.key === 'Enter' && camera.current?.click()} data-testid="photo-camera">
              <span style={{ fontSize: 22, lineHeight: 1 }}>＋</span>{t('ui.attachments.camera')}
            </div>
            <div role="button" tabIndex={0} style={button} onClick={() => album.current?.click()} onKeyDown={(e) => e.key === 'Enter' && album.current?.click()} data-testid="photo-album">
              <span style={{ fontSize: 22, lineHeight: 1 }}>＋</span>{t('ui.attachments.album')}
            </div>
          </>
        )}
      </div>
      <input ref={camera} type="file" accept="image/*" capture="environment" hidden data-testid="photo-input-camera"
        onChange={(e) => { void add(e.target.files); e.target.value = ''; }} />
      <input ref={album} type="file" accept="image/jpeg,image/png,image/webp,image/*" multiple hidden data-testid="photo-input"
        onChange={(e) => { void add(e.target.files); e.target.value = ''; }} />
      <div style={{ color: notice ? '#ff3141' : '#999', fontSize: 12, marginTop: 6 }} data-testid="photo-hint">
        {notice ?? t('ui.attachments.hint', { max })}
      </div>
    </div>
  );
}
