import { useEffect } from 'react';
import { useNavigate } from 'react-router';
import { createRoot, type Root } from 'react-dom/client';
import { useQueryClient } from '@tanstack/react-query';
import { NavBar, TabBar, Toast, unstableSetRender } from 'antd-mobile';
import { useLocale } from '../../../app/i18n.js';
import { hasPermission, useMe } from '../../../app/session.js';
import { LanguageSwitch } from '../../../components/LanguageSwitch.js';
import { installOfflineData } from '../../../pwa/data.js';
import { outboxCounts, useOnline, useOutboxItems } from '../../../pwa/hooks.js';
import { onOutbox, randomKey } from '../../../pwa/outbox.js';

// antd-mobile's Toast and Dialog render outside the tree; React 19 has no ReactDOM.render, so give them createRoot.
unstableSetRender((node, container) => {
  const box = container as (Element | DocumentFragment) & { linliRoot?: Root };
  box.linliRoot ??= createRoot(box);
  const root = box.linliRoot;
  root.render(node);
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    root.unmount();
    delete box.linliRoot;
  };
});

/**
 * The phone pages' frame: a bar with back and title, the offline indicator and the outbox's count,
 * the page, and a tab bar (today's field work for grid workers / report / my cases / outbox / desktop). It also keeps the pages' data on the
 * device for use without signal (pwa/data.ts) and refreshes them when waiting items have been sent.
 */
export function MobileShell({ title, back, active, children }: { title: string; back?: string | true; active?: string; children: React.ReactNode }) {
  const { t } = useLocale();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  const online = useOnline();
  const { waiting, attention } = outboxCounts(useOutboxItems());
  useEffect(() => installOfflineData(queryClient), [queryClient]);
  useEffect(() => onOutbox((e) => {
    if (e.type !== 'sent') return;
    void queryClient.invalidateQueries();
    const number = (e.response as { number?: unknown } | null)?.number;
    Toast.show({ icon: 'success', content: typeof number === 'string' ? t('ui.pwa.sentCase', { number }) : t('ui.pwa.sent') });
  }), [queryClient, t]);
  const status = !online || waiting > 0 || attention > 0;
  return (
    <div style={{ minHeight: '100%', background: '#f5f5f5', maxWidth: 560, margin: '0 auto', display: 'flex', flexDirection: 'column' }} data-testid="mobile-shell">
      <NavBar
        style={{ background: '#fff', position: 'sticky', top: 0, zIndex: 5 }}
        back={back ? t('ui.cases.back') : null}
        onBack={() => (back === true ? navigate(-1) : back ? navigate(back) : undefined)}
        right={<LanguageSwitch size="small" />}
      >
        {title}
      </NavBar>
      {status && (
        <div role="status" onClick={() => navigate('/m/outbox')} data-testid="m-outbox-status" data-online={String(online)}
          style={{ position: 'sticky', top: 45, zIndex: 5, display: 'flex', gap: 8, alignItems: 'center', padding: '6px 12px', fontSize: 13, cursor: 'pointer',
            background: online ? '#e6f4ff' : '#fff7e6', color: online ? '#1668dc' : '#ad4e00', borderBottom: `1px solid ${online ? '#bae0ff' : '#ffd591'}` }}>
          {!online && <strong data-testid="m-offline" style={{ flex: 'none' }}>{t('ui.pwa.offline')}</strong>}
          {waiting > 0 && <span data-testid="m-outbox-count" data-count={waiting}>{t('ui.pwa.waiting', { count: waiting })}</span>}
          {attention > 0 && <span data-testid="m-outbox-attention" style={{ color: '#cf1322' }}>{t('ui.pwa.attention', { count: attention })}</span>}
          {!online && waiting === 0 && attention === 0 && <span>{t('ui.pwa.offlineHint')}</span>}
        </div>
      )}
      <div style={{ flex: 1, paddingBottom: 64 }}>{children}</div>
      <TabBar
        // The field pages (patrol, diary) sit under the 今日工作 tab.
        activeKey={(active === '/m/patrol' || active === '/m/diary') && hasPermission(me, 'fieldwork.record') ? '/m/today' : active ?? null}
        onChange={(k) => navigate(k)}
        style={{ position: 'fixed', bottom: 0, left: 0, right: 0, background: '#fff', borderTop: '1px solid #eee', zIndex: 5 }}
      >
        {hasPermission(me, 'fieldwork.record') && <TabBar.Item key="/m/today" title={<span data-testid="m-tab-today">{t('ui.fieldwork.nav.today')}</span>} />}
        <TabBar.Item key="/m/report" title={<span data-testid="m-tab-report">{t('ui.cases.m.report')}</span>} />
        <TabBar.Item key="/m/cases" title={<span data-testid="m-tab-cases">{t('ui.cases.m.myCases')}</span>} />
        <TabBar.Item key="/m/outbox" badge={waiting + attention || undefined} title={<span data-testid="m-tab-outbox">{t('ui.pwa.outbox')}</span>} />
        <TabBar.Item key="/" title={<span data-testid="m-tab-desktop">{t('ui.cases.m.desktop')}</span>} />
      </TabBar>
    </div>
  );
}

/** A random key for one filled-in form (crypto.randomUUID needs a secure context: fall back to random bytes). */
export function newIdempotencyKey(): string {
  return randomKey();
}
