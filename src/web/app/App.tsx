import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, ConfigProvider, Flex } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { LocaleProvider, useLocale } from './i18n.js';
import { createQueryClient } from './query.js';
import { hasPermission, returnAfterSignIn, useLocaleSync, useMe } from './session.js';
import { AppLayout, firstPage, NAV, PageSpinner } from './AppLayout.js';
import { LoginPage } from '../pages/login/LoginPage.js';

const UnitsPage = lazy(() => import('../pages/units/UnitsPage.js'));
const UsersPage = lazy(() => import('../pages/users/UsersPage.js'));
const AuditPage = lazy(() => import('../pages/audit/AuditPage.js'));
const CaseSettingsPage = lazy(() => import('../pages/case-settings/CaseSettingsPage.js'));
const AccountPage = lazy(() => import('../pages/account/AccountPage.js'));
const ResidentsPage = lazy(() => import('../pages/registry/ResidentsPage.js'));
const ResidentPage = lazy(() => import('../pages/registry/ResidentPage.js'));
const BuildingsPage = lazy(() => import('../pages/registry/BuildingsPage.js'));
const BuildingViewPage = lazy(() => import('../pages/registry/BuildingViewPage.js'));
const OrganisationsPage = lazy(() => import('../pages/registry/OrganisationsPage.js'));
const RegistryMapPage = lazy(() => import('../pages/registry/RegistryMapPage.js'));
const ImportPage = lazy(() => import('../pages/registry/ImportPage.js'));
const CaseListPage = lazy(() => import('../pages/cases/CaseListPage.js'));
const HotlineImportPage = lazy(() => import('../pages/hotline/HotlineImportPage.js'));
const CasePage = lazy(() => import('../pages/cases/CasePage.js'));
const MobileReportPage = lazy(() => import('../pages/cases/mobile/MobileReportPage.js'));
const MobileCasesPage = lazy(() => import('../pages/cases/mobile/MobileCasesPage.js'));
const MobileCasePage = lazy(() => import('../pages/cases/mobile/MobileCasePage.js'));
const OutboxPage = lazy(() => import('../pages/cases/mobile/OutboxPage.js'));
const TodayPage = lazy(() => import('../pages/fieldwork/mobile/TodayPage.js'));
const VisitPage = lazy(() => import('../pages/fieldwork/mobile/VisitPage.js'));
const PatrolPage = lazy(() => import('../pages/fieldwork/mobile/PatrolPage.js'));
const DiaryPage = lazy(() => import('../pages/fieldwork/mobile/DiaryPage.js'));
const FieldworkPage = lazy(() => import('../pages/fieldwork/FieldworkPage.js'));
const CockpitPage = lazy(() => import('../pages/cockpit/CockpitPage.js'));

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <LocaleProvider>
      <QueryClientProvider client={queryClient}>
        <RefetchOnLanguageSwitch />
        <Themed>
          <BrowserRouter>
            <Shell />
          </BrowserRouter>
        </Themed>
      </QueryClientProvider>
    </LocaleProvider>
  );
}

/** Server-worded data (tag names, messages) comes in the caller's language: refetch it all on a switch. */
function RefetchOnLanguageSwitch() {
  const { locale } = useLocale();
  const queryClient = useQueryClient();
  const first = useRef(locale);
  useEffect(() => {
    if (locale !== first.current) void queryClient.invalidateQueries();
  }, [locale, queryClient]);
  return null;
}

function Themed({ children }: { children: React.ReactNode }) {
  const { locale } = useLocale();
  return (
    <ConfigProvider locale={locale === 'en' ? enUS : zhCN} theme={{ token: { colorPrimary: '#1668dc', borderRadius: 6 } }}>
      <AntApp style={{ height: '100%' }}>{children}</AntApp>
    </ConfigProvider>
  );
}

function Shell() {
  const { t } = useLocale();
  const me = useMe();
  const location = useLocation();
  useLocaleSync();
  if (me.isPending) return <PageSpinner />;
  if (me.isError) {
    return (
      <Flex justify="center" style={{ padding: 48 }}>
        <Alert type="error" showIcon title={me.error.message} action={<Button onClick={() => void me.refetch()}>{t('ui.common.retry')}</Button>} />
      </Flex>
    );
  }
  const user = me.data;
  const signedIn = !!user && !user.mfa.pending;
  if (!signedIn) {
    if (location.pathname !== '/login') {
      return <Navigate to="/login" replace state={returnAfterSignIn() ? { from: location.pathname + location.search } : null} />;
    }
    return <LoginPage />;
  }
  const from = (location.state as { from?: string } | null)?.from;
  const allowed = NAV.filter((n) => n.allowed(user));
  return (
    <Routes>
      <Route path="/login" element={<Navigate to={from && from !== '/login' ? from : firstPage(user)} replace />} />
      {hasPermission(user, 'case.report', 'case.read', 'case.rate') && (
        <>
          {hasPermission(user, 'case.report') && <Route path="/m/report" element={<Lazy><MobileReportPage /></Lazy>} />}
          <Route path="/m/cases" element={<Lazy><MobileCasesPage /></Lazy>} />
          <Route path="/m/cases/:id" element={<Lazy><MobileCasePage /></Lazy>} />
          <Route path="/m/outbox" element={<Lazy><OutboxPage /></Lazy>} />
        </>
      )}
      {hasPermission(user, 'fieldwork.record') && (
        <>
          <Route path="/m/today" element={<Lazy><TodayPage /></Lazy>} />
          <Route path="/m/visit/:householdId" element={<Lazy><VisitPage /></Lazy>} />
          <Route path="/m/patrol" element={<Lazy><PatrolPage /></Lazy>} />
          <Route path="/m/diary" element={<Lazy><DiaryPage /></Lazy>} />
        </>
      )}
      <Route element={<AppLayout />}>
        {allowed.some((n) => n.path === '/cases') && (
          <>
            <Route path="/cases" element={<Lazy><CaseListPage /></Lazy>} />
            <Route path="/cases/:id" element={<Lazy><CasePage /></Lazy>} />
          </>
        )}
        {allowed.some((n) => n.path === '/fieldwork') && <Route path="/fieldwork" element={<Lazy><FieldworkPage /></Lazy>} />}
        {allowed.some((n) => n.path === '/cockpit') && <Route path="/cockpit" element={<Lazy><CockpitPage /></Lazy>} />}
        {allowed.some((n) => n.path === '/hotline-import') && <Route path="/hotline-import" element={<Lazy><HotlineImportPage /></Lazy>} />}
        {allowed.some((n) => n.path === '/units') && <Route path="/units" element={<Lazy><UnitsPage /></Lazy>} />}
        {allowed.some((n) => n.path === '/residents') && (
          <>
            <Route path="/residents" element={<Lazy><ResidentsPage /></Lazy>} />
            <Route path="/residents/:id" element={<Lazy><ResidentPage /></Lazy>} />
            <Route path="/buildings" element={<Lazy><BuildingsPage /></Lazy>} />
            <Route path="/buildings/:id" element={<Lazy><BuildingViewPage /></Lazy>} />
            <Route path="/organisations" element={<Lazy><OrganisationsPage /></Lazy>} />
            <Route path="/grid-map" element={<Lazy><RegistryMapPage /></Lazy>} />
          </>
        )}
        {allowed.some((n) => n.path === '/registry-import') && <Route path="/registry-import" element={<Lazy><ImportPage /></Lazy>} />}
        {allowed.some((n) => n.path === '/users') && <Route path="/users" element={<Lazy><UsersPage /></Lazy>} />}
        {allowed.some((n) => n.path === '/case-settings') && <Route path="/case-settings" element={<Lazy><CaseSettingsPage /></Lazy>} />}
        {allowed.some((n) => n.path === '/audit') && <Route path="/audit" element={<Lazy><AuditPage /></Lazy>} />}
        <Route path="/account" element={<Lazy><AccountPage /></Lazy>} />
        <Route path="*" element={<Navigate to={firstPage(user)} replace />} />
      </Route>
    </Routes>
  );
}

function Lazy({ children }: { children: React.ReactNode }) {
  return <Suspense fallback={<PageSpinner />}>{children}</Suspense>;
}
