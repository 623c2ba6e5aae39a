import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Button, Checkbox, DotLoading, ErrorBlock, List, NoticeBar, Picker, TextArea, Toast } from 'antd-mobile';
import { fieldworkApi, fieldworkKeys, type CreateDiaryInput } from '../../../api/fieldwork.js';
import { useLocale } from '../../../app/i18n.js';
import { useCurrentUser } from '../../../app/session.js';
import { formatDateTime } from '../../../components/format.js';
import { PhotoGallery } from '../../../components/PhotoGallery.js';
import { outboxPhotos, PhotoPicker, useOutboxPhotos } from '../../../components/PhotoPicker.js';
import { useOnline } from '../../../pwa/hooks.js';
import { enqueue, randomKey } from '../../../pwa/outbox.js';
import { MobileShell } from '../../cases/mobile/MobileShell.js';
import { currentPosition, FieldNav } from './common.js';

/** 民情日记: my entries and a new one (text, photos, the phone's place, a household of the grid), through the outbox. */
export default function DiaryPage() {
  const { t, locale } = useLocale();
  const me = useCurrentUser();
  const online = useOnline();
  const list = useQuery({ queryKey: fieldworkKeys.diary(me.id), queryFn: () => fieldworkApi.diary({ authorId: me.id, limit: 50 }), enabled: online });
  const pack = useQuery({ queryKey: fieldworkKeys.offlinePack, queryFn: fieldworkApi.offlinePack, staleTime: 5 * 60_000 });
  const [body, setBody] = useState('');
  const [withPlace, setWithPlace] = useState(true);
  const [householdId, setHouseholdId] = useState<string>('');
  const [pickerOpen, setPickerOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Uploaded as soon as picked when there is signal; without, kept and sent with the entry by the outbox.
  const [photos, onPhotos, setPhotos] = useOutboxPhotos();
  const households = pack.data?.households ?? [];
  const chosen = households.find((h) => h.householdId === householdId);

  const save = async () => {
    setError(null);
    if (!body.trim()) return setError(t('ui.fieldwork.diary.bodyRequired'));
    setBusy(true);
    try {
      const place = withPlace ? await currentPosition(5000) : null;
      const input: CreateDiaryInput = {
        occurredAt: new Date().toISOString(),
        body: body.trim(),
        ...(householdId ? { householdId } : {}),
        ...(place ? { lng: place.lng, lat: place.lat } : {}),
      };
      await enqueue({
        kind: 'diary', userId: me.id, url: '/api/diary-entries', body: input as unknown as Record<string, unknown>, idempotencyKey: randomKey(),
        photos: outboxPhotos(photos), summary: body.trim().slice(0, 40),
      });
      setBody('');
      setHouseholdId('');
      for (const p of photos) URL.revokeObjectURL(p.preview);
      setPhotos([]);
      Toast.show({ content: t('ui.fieldwork.diary.queued') });
    } finally {
      setBusy(false);
    }
  };

  return (
    <MobileShell title={t('ui.fieldwork.diary.title')} active="/m/diary">
      <FieldNav active="/m/diary" />
      <List header={t('ui.fieldwork.diary.new')}>
        <List.Item>
          <TextArea placeholder={t('ui.fieldwork.diary.bodyPlaceholder')} value={body} onChange={setBody} maxLength={4000} autoSize={{ minRows: 3, maxRows: 10 }} data-testid="m-diary-body" />
        </List.Item>
        <List.Item title={t('ui.fieldwork.diary.photos')}>
          <PhotoPicker value={photos} onChange={onPhotos} disabled={busy} testId="m-diary-photo-picker" />
        </List.Item>
        <List.Item onClick={() => setPickerOpen(true)} extra={chosen ? `${chosen.buildingName} ${chosen.room}` : t('ui.fieldwork.diary.noHousehold')} data-testid="m-diary-household">
          {t('ui.fieldwork.diary.household')}
        </List.Item>
        <List.Item>
          <Checkbox checked={withPlace} onChange={setWithPlace}>{t('ui.fieldwork.diary.place')}</Checkbox>
        </List.Item>
      </List>
      <Picker
        visible={pickerOpen}
        onClose={() => setPickerOpen(false)}
        value={[householdId]}
        onConfirm={(v) => setHouseholdId(String(v[0] ?? ''))}
        columns={[[{ label: t('ui.fieldwork.diary.noHousehold'), value: '' }, ...households.map((h) => ({ label: `${h.buildingName} ${h.entranceName ?? ''} ${h.room}`, value: h.householdId }))]]}
      />
      {error && <NoticeBar wrap color="error" content={error} />}
      <div style={{ padding: 16 }}>
        <Button block color="primary" loading={busy} onClick={() => void save()} data-testid="m-diary-save">{t('ui.fieldwork.diary.save')}</Button>
      </div>
      {list.isPending && online && <div style={{ padding: 24, textAlign: 'center' }}><DotLoading /></div>}
      {list.isError && <ErrorBlock status="default" title={list.error.message} description="" />}
      {list.data && (
        <List header={t('ui.fieldwork.diary.title')} data-testid="m-diary-list">
          {list.data.items.length === 0 && <List.Item>{t('ui.fieldwork.diary.none')}</List.Item>}
          {list.data.items.map((e) => (
            <List.Item key={e.id} data-testid="m-diary-entry"
              description={<span>{formatDateTime(e.occurredAt, locale)}{e.household ? ` · ${e.household.buildingName} ${e.household.room}` : ''}</span>}>
              <div style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{e.body}</div>
              {e.photos?.length > 0 && <div style={{ marginTop: 6 }}><PhotoGallery photos={e.photos} variant="mobile" size={64} testId="m-diary-photos" /></div>}
            </List.Item>
          ))}
        </List>
      )}
    </MobileShell>
  );
}
