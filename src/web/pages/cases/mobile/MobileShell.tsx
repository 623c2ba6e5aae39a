import { useNavigate } from 'react-router';
import { createRoot, type Root } from 'react-dom/client';
import { NavBar, TabBar, unstableSetRender } from 'antd-mobile';
import { useLocale } from '../../../app/i18n.js';
import { LanguageSwitch } from '../../../components/LanguageSwitch.js';

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

/** The phone pages' frame: a bar with back and title, the page, and a tab bar (report / my cases / desktop). */
export function MobileShell({ title, back, active, children }: { title: string; back?: string | true; active?: string; children: React.ReactNode }) {
  const { t } = useLocale();
  const navigate = useNavigate();
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
      <div style={{ flex: 1, paddingBottom: 64 }}>{children}</div>
      <TabBar
        activeKey={active ?? null}
        onChange={(k) => navigate(k)}
        style={{ position: 'fixed', bottom: 0, left: 0, right: 0, background: '#fff', borderTop: '1px solid #eee', zIndex: 5 }}
      >
        <TabBar.Item key="/m/report" title={<span data-testid="m-tab-report">{t('ui.cases.m.report')}</span>} />
        <TabBar.Item key="/m/cases" title={<span data-testid="m-tab-cases">{t('ui.cases.m.myCases')}</span>} />
        <TabBar.Item key="/" title={t('ui.cases.m.desktop')} />
      </TabBar>
    </div>
  );
}

/** A random key for one filled-in form (crypto.randomUUID needs a secure context: fall back to random bytes). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
