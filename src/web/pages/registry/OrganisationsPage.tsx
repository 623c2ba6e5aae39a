import { useState } from 'react';
import { Link } from 'react-router';
import { App, Button, Card, Flex, Input, Popconfirm, Select, Table, Tag, Typography } from 'antd';
import { EyeOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ORGANISATION_KINDS, ORGANISATION_STATUSES } from '../../../shared/registry/organisations.schemas.js';
import { organisationsApi, registryKeys, type OrganisationListQuery, type OrganisationView } from '../../api/registry.js';
import { useT } from '../../app/i18n.js';
import { hasPermission, useCurrentUser } from '../../app/session.js';
import { showApiError } from '../../components/apiErrors.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useDebounced } from '../../components/useDebounced.js';
import { orgKindKey, orgStatusKey, useRefetchOnLocale } from './common.js';
import { LedgerExport } from './LedgerExport.js';
import { OrganisationFormDrawer, type OrganisationFormMode } from './OrganisationFormDrawer.js';
import { RevealModal } from './RevealModal.js';

const PAGE_SIZE = 20;
type Kind = (typeof ORGANISATION_KINDS)[number];
type Status = (typeof ORGANISATION_STATUSES)[number];
const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' };

/** 组织: enterprises, institutions, merchants and social organisations in scope; record, edit, close. */
export default function OrganisationsPage() {
  useRefetchOnLocale();
  const t = useT();
  const me = useCurrentUser();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), 300);
  const [kind, setKind] = useState<Kind | undefined>();
  const [status, setStatus] = useState<Status | undefined>('active');
  const [unitId, setUnitId] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const [formMode, setFormMode] = useState<OrganisationFormMode | null>(null);
  const [revealing, setRevealing] = useState<OrganisationView | null>(null);

  const query: OrganisationListQuery = { q: q || undefined, kind, status, unitId, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const list = useQuery({ queryKey: registryKeys.organisationList(query), queryFn: () => organisationsApi.list(query), placeholderData: keepPreviousData });
  const close = useMutation({
    mutationFn: (o: OrganisationView) => organisationsApi.update(o.id, { status: 'closed' }),
    onSuccess: (o) => {
      void message.success(t('ui.registry.org.closed', { name: o.name }));
      void queryClient.invalidateQueries({ queryKey: registryKeys.organisations });
    },
    onError: (e) => showApiError(e, message),
  });
  const reopen = useMutation({
    mutationFn: (o: OrganisationView) => organisationsApi.update(o.id, { status: 'active' }),
    onSuccess: (o) => {
      void message.success(t('ui.registry.org.reopened', { name: o.name }));
      void queryClient.invalidateQueries({ queryKey: registryKeys.organisations });
    },
    onError: (e) => showApiError(e, message),
  });

  return (
    <Flex vertical gap={12}>
      <Card
        size="small"
        title={t('ui.registry.nav.organisations')}
        extra={hasPermission(me, 'registry.write') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setFormMode({ kind: 'create' })}>{t('ui.registry.org.create')}</Button>
        )}
      >
        <Flex vertical gap={10}>
          <Flex gap={8} wrap>
            <Input.Search
              allowClear
              value={text}
              onChange={(e) => { setText(e.target.value); setPage(1); }}
              placeholder={t('ui.registry.org.searchPlaceholder')}
              style={{ flex: '1 1 240px', maxWidth: 340 }}
              data-testid="org-search"
            />
            <Select<Kind>
              allowClear
              value={kind}
              onChange={(v) => { setKind(v); setPage(1); }}
              placeholder={t('ui.registry.org.kind')}
              style={{ width: 130 }}
              options={ORGANISATION_KINDS.map((k) => ({ value: k, label: t(orgKindKey(k)) }))}
            />
            <Select<Status>
              allowClear
              value={status}
              onChange={(v) => { setStatus(v); setPage(1); }}
              placeholder={t('ui.registry.org.status')}
              style={{ width: 120 }}
              options={ORGANISATION_STATUSES.map((s) => ({ value: s, label: t(orgStatusKey(s)) }))}
            />
            <div style={{ flex: '1 1 220px', maxWidth: 300 }}>
              <UnitPicker value={unitId} onChange={(v) => { setUnitId(v); setPage(1); }} placeholder={t('ui.registry.filter.unit')} />
            </div>
          </Flex>
          <LedgerExport kinds={['organisations']} filters={{ unitId }} />
        </Flex>
      </Card>
      <Card size="small">
        <Table<OrganisationView>
          rowKey="id"
          size="middle"
          data-testid="orgs-table"
          loading={list.isFetching}
          dataSource={list.data?.items ?? []}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: list.isError ? list.error.message : t('ui.registry.org.none') }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: list.data?.total ?? 0,
            showSizeChanger: false,
            onChange: setPage,
            showTotal: (total) => t('ui.common.total', { total }),
          }}
          columns={[
            {
              key: 'name',
              title: t('ui.registry.org.name'),
              render: (_, o) => (
                <Flex vertical>
                  <Typography.Text strong>{o.name}</Typography.Text>
                  {o.address && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{o.address}</Typography.Text>}
                </Flex>
              ),
            },
            { key: 'kind', title: t('ui.registry.org.kind'), render: (_, o) => t(orgKindKey(o.kind)) },
            { key: 'uscc', title: t('ui.registry.org.uscc'), render: (_, o) => (o.uscc ? <span style={mono}>{o.uscc}</span> : '—') },
            {
              key: 'contact',
              title: t('ui.registry.org.contact'),
              render: (_, o) => (
                <Flex vertical>
                  <span>{o.contactName ?? '—'}</span>
                  {o.contactPhone && <Typography.Text type="secondary" style={{ ...mono, fontSize: 12 }}>{o.contactPhone}</Typography.Text>}
                </Flex>
              ),
            },
            {
              key: 'place',
              title: t('ui.registry.org.place'),
              render: (_, o) => (
                <Flex vertical>
                  <span>{o.grid?.name ?? o.unit.name}</span>
                  {o.building && <Link to={`/buildings/${o.building.id}`}>{o.building.name}</Link>}
                </Flex>
              ),
            },
            { key: 'status', title: t('ui.registry.org.status'), render: (_, o) => <Tag color={o.status === 'active' ? 'green' : 'default'}>{t(orgStatusKey(o.status))}</Tag> },
            {
              key: 'actions',
              title: t('ui.common.actions'),
              render: (_, o) => (
                <Flex gap={0} wrap>
                  {o.abilities.reveal && o.contactPhone && (
                    <Button type="link" size="small" icon={<EyeOutlined />} onClick={() => setRevealing(o)}>{t('ui.registry.org.revealPhone')}</Button>
                  )}
                  {o.abilities.update && <Button type="link" size="small" onClick={() => setFormMode({ kind: 'edit', organisation: o })}>{t('ui.common.edit')}</Button>}
                  {o.abilities.update && o.status === 'active' && (
                    <Popconfirm
                      title={t('ui.registry.org.closeConfirm', { name: o.name })}
                      description={t('ui.registry.org.closeHint')}
                      okText={t('ui.registry.org.close')}
                      cancelText={t('ui.common.cancel')}
                      okButtonProps={{ danger: true }}
                      onConfirm={() => close.mutateAsync(o).catch(() => undefined)}
                    >
                      <Button type="link" size="small" danger>{t('ui.registry.org.close')}</Button>
                    </Popconfirm>
                  )}
                  {o.abilities.update && o.status === 'closed' && (
                    <Button type="link" size="small" onClick={() => reopen.mutate(o)}>{t('ui.registry.org.reopen')}</Button>
                  )}
                </Flex>
              ),
            },
          ]}
        />
      </Card>
      <OrganisationFormDrawer mode={formMode} onClose={() => setFormMode(null)} />
      <RevealModal
        open={!!revealing}
        subject={revealing?.name ?? ''}
        choices={[{ key: 'contactPhone', label: t('ui.registry.org.contactPhone') }]}
        reveal={(_fields, reason) => organisationsApi.reveal(revealing!.id, reason)}
        onClose={() => setRevealing(null)}
      />
    </Flex>
  );
}
