import { useMemo, useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { App, Badge, Button, Flex, Grid, Layout, Menu, Space, Spin, Tooltip, Typography, type MenuProps } from 'antd';
import { useQuery } from '@tanstack/react-query';
import {
  AlertOutlined, ApartmentOutlined, DashboardOutlined, AuditOutlined, CameraOutlined, FileSearchOutlined, ContactsOutlined, EnvironmentOutlined, HomeOutlined, ImportOutlined, LogoutOutlined, MenuFoldOutlined,
  MenuUnfoldOutlined, PhoneOutlined, CarryOutOutlined, ScheduleOutlined, SettingOutlined, ShopOutlined, TeamOutlined, UserOutlined,
} from '@ant-design/icons';
import type { Role } from '../../shared/roles.js';
import type { MessageKey } from '../../shared/i18n/index.js';
import type { Me } from '../api/auth.js';
import { useT } from './i18n.js';
import { hasPermission, useCurrentUser, useLogout } from './session.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';
import { RoleTag } from '../components/tags.js';
import { caseKeys, casesApi, type CaseCounts } from '../api/cases.js';
import { outboxItems } from '../pwa/outbox.js';
import { listsFor, reportsFromPhone, seesCases } from '../pages/cases/common.js';

interface NavItem {
  path: string;
  label: MessageKey;
  icon: React.ReactNode;
  allowed: (me: Me) => boolean;
}

/** The pages, each shown to whoever holds one of its permissions. */
export const NAV: NavItem[] = [
  { path: '/units', label: 'ui.nav.units', icon: <ApartmentOutlined />, allowed: (me) => hasPermission(me, 'unit.read') },
  { path: '/cases', label: 'ui.cases.nav.cases', icon: <AlertOutlined />, allowed: seesCases },
  { path: '/cockpit', label: 'ui.cockpit.nav', icon: <DashboardOutlined />, allowed: (me) => hasPermission(me, 'cockpit.read') },
  { path: '/fieldwork', label: 'ui.fieldwork.nav.supervise', icon: <ScheduleOutlined />, allowed: (me) => hasPermission(me, 'fieldwork.supervise') },
  { path: '/hotline-import', label: 'ui.hotline.nav', icon: <PhoneOutlined />, allowed: (me) => hasPermission(me, 'hotline.import') },
  { path: '/residents', label: 'ui.registry.nav.residents', icon: <ContactsOutlined />, allowed: (me) => hasPermission(me, 'registry.read') },
  { path: '/buildings', label: 'ui.registry.nav.buildings', icon: <HomeOutlined />, allowed: (me) => hasPermission(me, 'registry.read') },
  { path: '/organisations', label: 'ui.registry.nav.organisations', icon: <ShopOutlined />, allowed: (me) => hasPermission(me, 'registry.read') },
  { path: '/grid-map', label: 'ui.registry.nav.map', icon: <EnvironmentOutlined />, allowed: (me) => hasPermission(me, 'registry.read') },
  { path: '/registry-import', label: 'ui.registry.nav.import', icon: <ImportOutlined />, allowed: (me) => hasPermission(me, 'registry.import') },
  { path: '/case-settings', label: 'ui.case_settings.menu', icon: <SettingOutlined />, allowed: (me) => hasPermission(me, 'department.manage', 'case_category.manage') },
  { path: '/users', label: 'ui.nav.users', icon: <TeamOutlined />, allowed: (me) => hasPermission(me, 'user.read', 'role_binding.read') },
  { path: '/audit', label: 'ui.nav.audit', icon: <AuditOutlined />, allowed: (me) => hasPermission(me, 'audit.read') },
  { path: '/m/report', label: 'ui.cases.nav.report', icon: <CameraOutlined />, allowed: reportsFromPhone },
  { path: '/m/cases', label: 'ui.cases.nav.myCases', icon: <FileSearchOutlined />, allowed: reportsFromPhone },
  { path: '/m/today', label: 'ui.fieldwork.nav.today', icon: <CarryOutOutlined />, allowed: (me) => hasPermission(me, 'fieldwork.record') },
  { path: '/account', label: 'ui.nav.account', icon: <UserOutlined />, allowed: () => true },
];

/** The cases waiting for the caller: the sum of their work lists' counts (not the lists of watching). */
function workCount(me: Me, counts: CaseCounts): number {
  const waiting = ['to_accept', 'to_dispatch', 'mine', 'to_verify'] as const;
  const lists = listsFor(me);
  return waiting.filter((l) => lists.includes(l)).reduce((n, l) => n + counts[l], 0);
}

export function firstPage(me: Me): string {
  return NAV.find((n) => n.allowed(me))?.path ?? '/account';
}

export function AppLayout() {
  const t = useT();
  const me = useCurrentUser();
  const navigate = useNavigate();
  const location = useLocation();
  const screens = Grid.useBreakpoint();
  const narrow = !screens.md;
  const [collapsed, setCollapsed] = useState<boolean | null>(null);
  const isCollapsed = collapsed ?? narrow;
  const logout = useLogout();
  const { modal } = App.useApp();
  // Signing out clears the device, the outbox too: say so when something still waits to be sent.
  const signOut = async () => {
    const waiting = await outboxItems().then((items) => items.length).catch(() => 0);
    if (waiting === 0) return logout.mutate();
    modal.confirm({
      title: t('ui.pwa.logoutWaitingTitle', { count: waiting }),
      content: t('ui.pwa.logoutWaitingBody'),
      okText: t('ui.app.logout'),
      okButtonProps: { danger: true },
      onOk: () => logout.mutate(),
    });
  };

  const counts = useQuery({ queryKey: caseKeys.counts, queryFn: casesApi.counts, enabled: seesCases(me) });
  const badge = (path: string) => (path === '/cases' && counts.data ? workCount(me, counts.data) : 0);
  const items: MenuProps['items'] = NAV.filter((n) => n.allowed(me)).map((n) => ({
    key: n.path,
    icon: n.icon,
    label: badge(n.path) > 0
      ? <Flex justify="space-between" align="center">{t(n.label)}<Badge count={badge(n.path)} size="small" data-testid="cases-badge" /></Flex>
      : t(n.label),
  }));
  const selected = NAV.find((n) => location.pathname.startsWith(n.path))?.path;
  const roles = useMemo(() => [...new Set(me.bindings.map((b) => b.role as Role))], [me.bindings]);

  return (
    <Layout style={{ minHeight: '100%' }}>
      <Layout.Sider
        collapsible
        collapsed={isCollapsed}
        onCollapse={(c) => setCollapsed(c)}
        collapsedWidth={narrow ? 0 : 64}
        trigger={null}
        width={208}
        theme="dark"
        style={narrow ? { position: 'fixed', insetBlock: 0, insetInlineStart: 0, zIndex: 20 } : undefined}
      >
        <Flex align="center" justify="center" style={{ height: 56, color: '#fff', fontSize: isCollapsed ? 18 : 20, fontWeight: 600, letterSpacing: 2 }}>
          {isCollapsed ? t('ui.app.short') : t('ui.app.name')}
        </Flex>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={selected ? [selected] : []}
          items={items}
          data-testid="side-menu"
          onClick={(e) => {
            navigate(e.key);
            if (narrow) setCollapsed(true);
          }}
        />
      </Layout.Sider>
      {narrow && !isCollapsed && (
        <div onClick={() => setCollapsed(true)} style={{ position: 'fixed', inset: 0, background: 'rgba(0,0,0,0.35)', zIndex: 19 }} />
      )}
      <Layout>
        <Layout.Header style={{ background: '#fff', padding: '0 12px', display: 'flex', alignItems: 'center', gap: 8, borderBottom: '1px solid #f0f0f0', height: 56, lineHeight: '56px' }}>
          <Button
            type="text"
            aria-label={t('ui.app.toggleMenu')}
            icon={isCollapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />}
            onClick={() => setCollapsed(!isCollapsed)}
          />
          <div style={{ flex: 1 }} />
          <Space size={narrow ? 4 : 12} align="center" style={{ lineHeight: 'normal' }}>
            <Space size={4} align="center" data-testid="current-user" style={{ lineHeight: 'normal' }}>
              <Typography.Text strong ellipsis={{ tooltip: me.displayName }} style={{ maxWidth: narrow ? 90 : 200, verticalAlign: 'middle' }}>{me.displayName}</Typography.Text>
              {!narrow && roles.map((r) => <RoleTag key={r} role={r} />)}
            </Space>
            <LanguageSwitch size="small" />
            <Tooltip title={t('ui.app.logout')}>
              <Button
                icon={<LogoutOutlined />}
                loading={logout.isPending}
                onClick={() => void signOut()}
                aria-label={t('ui.app.logout')}
              >
                {narrow ? null : t('ui.app.logout')}
              </Button>
            </Tooltip>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: narrow ? 8 : 16, minWidth: 0 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

export function PageSpinner() {
  return <Flex justify="center" align="center" style={{ padding: 64, minHeight: 200 }}><Spin size="large" /></Flex>;
}
