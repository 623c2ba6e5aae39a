import { useEffect, useState } from 'react';
import { Button, Card, Dialog, DotLoading, ErrorBlock, Space, Tag } from 'antd-mobile';
import { useLocale } from '../../../app/i18n.js';
import { formatDateTime } from '../../../components/format.js';
import { isMessageKey } from '../../../../shared/i18n/index.js';
import { cachedKeys } from '../../../pwa/data.js';
import { outboxCounts, useOnline, useOutboxItems } from '../../../pwa/hooks.js';
import { onOutbox, removeFromOutbox, retryOutboxItem, sendOutbox, type OutboxItem, type OutboxState } from '../../../pwa/outbox.js';
import { MobileShell } from './MobileShell.js';

const STATE_COLOR: Record<OutboxState, string> = { waiting: 'warning', sending: 'primary', conflict: 'danger', failed: 'danger' };

/** A photo of an item, from the blob kept on the phone. */
function Thumb({ blob, alt }: { blob: Blob; alt: string }) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const u = URL.createObjectURL(blob);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [blob]);
  return url ? <img src={url} alt={alt} style={{ width: 56, height: 56, objectFit: 'cover', borderRadius: 4, display: 'block' }} /> : null;
}

/**
 * 待发送: what waits on the phone to be sent, with its state; a conflict or a refusal shows the
 * server's message and can be sent again or deleted. Below, the data kept for use without signal.
 */
export default function OutboxPage() {
  const { t, locale } = useLocale();
  const online = useOnline();
  const items = useOutboxItems();
  const { waiting } = outboxCounts(items);
  const [kept, setKept] = useState<{ key: string; syncedAt: number }[]>();
  useEffect(() => {
    const load = () => void cachedKeys().then(setKept, () => setKept([]));
    load();
    const timer = setInterval(load, 10_000);
    const off = onOutbox(load);
    return () => { clearInterval(timer); off(); };
  }, []);

  const remove = async (item: OutboxItem) => {
    if (await Dialog.confirm({ content: t('ui.pwa.deleteConfirm'), confirmText: t('ui.pwa.delete'), cancelText: t('ui.common.cancel') })) {
      await removeFromOutbox(item.id);
    }
  };

  return (
    <MobileShell title={t('ui.pwa.outbox')} active="/m/outbox">
      <div style={{ padding: 12 }} data-testid="m-outbox">
        {waiting > 0 && online && (
          <Button block color="primary" fill="outline" style={{ marginBottom: 12 }} onClick={() => void sendOutbox({ now: true })} data-testid="m-outbox-send">
            {t('ui.pwa.sendNow')}
          </Button>
        )}
        {!items && <div style={{ padding: 24, textAlign: 'center' }}><DotLoading /></div>}
        {items && items.length === 0 && <ErrorBlock status="empty" title={t('ui.pwa.outboxEmpty')} description="" />}
        <Space direction="vertical" block>
          {items?.map((item) => (
            <Card key={item.id} data-testid="m-outbox-item" data-state={item.state}
              title={<span>{t(`ui.pwa.kind.${item.kind}`)}</span>}
              extra={<Tag color={STATE_COLOR[item.state]} data-testid="m-outbox-state">{t(`ui.pwa.state.${item.state}`)}</Tag>}>
              <div style={{ wordBreak: 'break-all', display: '-webkit-box', WebkitLineClamp: 3, WebkitBoxOrient: 'vertical', overflow: 'hidden' }}>{item.summary}</div>
              {item.photos.length > 0 && (
                <div style={{ display: 'flex', gap: 6, marginTop: 8, flexWrap: 'wrap' }}>
                  {item.photos.map((p, i) => <Thumb key={p.key} blob={p.blob} alt={t('ui.attachments.photoAlt', { n: i + 1 })} />)}
                </div>
              )}
              <div style={{ color: '#999', fontSize: 12, marginTop: 8 }}>
                {t('ui.pwa.createdAt', { time: formatDateTime(new Date(item.createdAt).toISOString(), locale) })}
                {item.photos.length > 0 && ` · ${t('ui.pwa.photos', { count: item.photos.length })}`}
                {item.attempts > 0 && ` · ${t('ui.pwa.attempts', { count: item.attempts })}`}
              </div>
              {item.lastError && (item.state === 'conflict' || item.state === 'failed') && (
                <div style={{ color: '#cf1322', fontSize: 13, marginTop: 6 }} data-testid="m-outbox-error">{item.lastError}</div>
              )}
              {item.state === 'conflict' && <div style={{ color: '#ad4e00', fontSize: 12, marginTop: 4 }}>{t('ui.pwa.conflictHint')}</div>}
              <div style={{ display: 'flex', gap: 8, marginTop: 10, justifyContent: 'flex-end' }}>
                {item.state !== 'sending' && (
                  <Button size="small" color="primary" fill="outline" disabled={!online} onClick={() => void retryOutboxItem(item.id)} data-testid="m-outbox-retry">
                    {t('ui.pwa.retry')}
                  </Button>
                )}
                <Button size="small" color="danger" fill="outline" onClick={() => void remove(item)} data-testid="m-outbox-delete">{t('ui.pwa.delete')}</Button>
              </div>
            </Card>
          ))}
        </Space>
        <Card title={t('ui.pwa.dataTitle')} style={{ marginTop: 16 }} data-testid="m-outbox-data">
          {kept && kept.length === 0 && <div style={{ color: '#999' }}>{t('ui.pwa.noData')}</div>}
          {kept?.map((k) => {
            const label = `ui.pwa.data.${k.key}`;
            return (
              <div key={k.key} style={{ display: 'flex', justifyContent: 'space-between', gap: 8, fontSize: 13, padding: '4px 0' }}>
                <span>{isMessageKey(label) ? t(label) : k.key}</span>
                <span style={{ color: '#999' }}>{t('ui.pwa.syncedAt', { time: formatDateTime(new Date(k.syncedAt).toISOString(), locale) })}</span>
              </div>
            );
          })}
          <div style={{ color: '#999', fontSize: 12, marginTop: 8 }}>{t('ui.pwa.clearedAtLogout')}</div>
        </Card>
      </div>
    </MobileShell>
  );
}
