import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Button, Card, Flex, Input, Select, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { registryKeys, residentsApi, type ResidentSearch, type ResidentStatus, type ResidentView } from '../../api/registry.js';
import { useT } from '../../app/i18n.js';
import { hasPermission, useCurrentUser } from '../../app/session.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useDebounced } from '../../components/useDebounced.js';
import { householdLabel, RESIDENT_STATUS_COLORS, residentStatusKey, TagChips, TagFilter, genderKey, useRefetchOnLocale } from './common.js';
import { LedgerExport } from './LedgerExport.js';
import { ResidentFormDrawer, type ResidentFormMode } from './ResidentFormDrawer.js';

const PAGE_SIZE = 20;
type StatusFilter = ResidentStatus | 'all';

/**
 * What the one search box holds: an 18-character ID number or an 11-digit mobile is searched
 * exactly; anything else is a name, part of a name or pinyin initials (zs finds 张三).
 */
export function searchTerm(text: string): Pick<ResidentSearch, 'q' | 'idNumber' | 'phone'> {
  const s = text.trim().replace(/\s+/g, '');
  if (!s) return {};
  if (/^\d{17}[\dXx]$/.test(s)) return { idNumber: s.toUpperCase() };
  if (/^1\d{10}$/.test(s)) return { phone: s };
  return { q: text.trim() };
}

/** 居民: search the people in scope by name, pinyin initials, ID number or phone, tags, address, unit and status. */
export default function ResidentsPage() {
  useRefetchOnLocale();
  const t = useT();
  const me = useCurrentUser();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get('q') ?? '');
  const [address, setAddress] = useState(params.get('address') ?? '');
  const typed = useDebounced(text, 350);
  const typedAddress = useDebounced(address.trim(), 350);
  const tags = params.get('tags')?.split(',').filter(Boolean) ?? [];
  const status = (params.get('status') as StatusFilter | null) ?? 'active';
  const unitId = params.get('unit') ?? undefined;
  const page = Number(params.get('page') ?? '1') || 1;
  const [formMode, setFormMode] = useState<ResidentFormMode | null>(null);

  const set = (changes: Record<string, string | undefined>, keepPage = false) => setParams((p) => {
    const next = new URLSearchParams(p);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    if (!keepPage) next.delete('page');
    return next;
  }, { replace: true });

  // Typed text reaches the address bar once it settles (a reload or "back" finds the same list).
  useEffect(() => {
    if ((params.get('q') ?? '') !== typed) set({ q: typed || undefined });
  }, [typed]);
  useEffect(() => {
    if ((params.get('address') ?? '') !== typedAddress) set({ address: typedAddress || undefined });
  }, [typedAddress]);

  const query: ResidentSearch = {
    ...searchTerm(params.get('q') ?? ''),
    address: params.get('address') || undefined,
    tags: tags.length ? tags.join(',') : undefined,
    unitId,
    status,
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  };
  const list = useQuery({ queryKey: registryKeys.residentSearch(query), queryFn: () => residentsApi.search(query), placeholderData: keepPreviousData });
  const mode = query.idNumber ? 'idNumber' : query.phone ? 'phone' : query.q ? 'name' : null;

  return (
    <Flex vertical gap={12}>
      <Card
        size="small"
        title={t('ui.registry.nav.residents')}
        extra={hasPermission(me, 'registry.write') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setFormMode({ kind: 'create' })}>{t('ui.registry.residents.create')}</Button>
        )}
      >
        <Flex vertical gap={10}>
          <Flex gap={8} wrap align="center">
            <Input.Search
              allowClear
              value={text}
              onChange={(e) => setText(e.target.value)}
              onSearch={(v) => set({ q: v.trim() || undefined })}
              placeholder={t('ui.registry.residents.searchPlaceholder')}
              style={{ flex: '1 1 280px', maxWidth: 420 }}
              data-testid="resident-search"
            />
            <Input
              allowClear
              value={address}
              onChange={(e) => setAddress(e.target.value)}
              placeholder={t('ui.registry.residents.addressPlaceholder')}
              style={{ flex: '1 1 180px', maxWidth: 260 }}
              data-testid="resident-address"
            />
            <Select<StatusFilter>
              value={status}
              onChange={(v) => set({ status: v === 'active' ? undefined : v })}
              style={{ width: 120 }}
              aria-label={t('ui.registry.residents.status')}
              options={(['active', 'moved_out', 'deceased', 'all'] as const).map((s) => ({
                value: s, label: s === 'all' ? t('ui.registry.residents.statusAll') : t(residentStatusKey(s)),
              }))}
            />
            <div style={{ flex: '1 1 220px', maxWidth: 300 }}>
              <UnitPicker value={unitId} onChange={(v) => set({ unit: v })} placeholder={t('ui.registry.filter.unit')} />
            </div>
          </Flex>
          <Flex gap={8} align="baseline" wrap>
            <Typography.Text type="secondary">{t('ui.registry.filter.tags')}</Typography.Text>
            <TagFilter value={tags} on="resident" onChange={(v) => set({ tags: v.join(',') || undefined })} />
          </Flex>
          {mode && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="search-mode">
              {t(`ui.registry.residents.mode.${mode}`)}
            </Typography.Text>
          )}
          <LedgerExport kinds={['residents', 'special_groups']} filters={{ unitId, tags: query.tags, status }} />
        </Flex>
      </Card>
      <Card size="small">
        <Table<ResidentView>
          rowKey="id"
          size="middle"
          data-testid="residents-table"
          loading={list.isFetching}
          dataSource={list.data?.items ?? []}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: list.isError ? list.error.message : t('ui.registry.residents.none') }}
          onRow={(r) => ({ onClick: () => navigate(`/residents/${r.id}`), style: { cursor: 'pointer' } })}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: list.data?.total ?? 0,
            showSizeChanger: false,
            onChange: (p) => set({ page: p === 1 ? undefined : String(p) }, true),
            showTotal: (total) => (list.data?.totalCapped ? t('ui.registry.residents.totalCapped', { total }) : t('ui.common.total', { total })),
          }}
          columns={[
            {
              key: 'name',
              title: t('ui.registry.resident.name'),
              fixed: 'left',
              render: (_, r) => (
                <Flex vertical>
                  <Link to={`/residents/${r.id}`} onClick={(e) => e.stopPropagation()}><Typography.Text strong style={{ color: 'inherit' }}>{r.name}</Typography.Text></Link>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {[r.gender ? t(genderKey(r.gender)) : null, r.age !== null ? t('ui.registry.resident.ageYears', { age: r.age }) : null].filter(Boolean).join(' · ')}
                  </Typography.Text>
                </Flex>
              ),
            },
            { key: 'idNumber', title: t('ui.registry.resident.idNumber'), render: (_, r) => <Typography.Text style={{ fontFamily: 'ui-monospace, Menlo, Consolas, monospace' }}>{r.idNumber ?? '—'}</Typography.Text> },
            { key: 'phone', title: t('ui.registry.resident.phone'), render: (_, r) => <Typography.Text style={{ fontFamily: 'ui-monospace, Menlo, Consolas, monospace' }}>{r.phone ?? '—'}</Typography.Text> },
            { key: 'tags', title: t('ui.registry.resident.tags'), render: (_, r) => <TagChips tags={r.tags} small empty="—" /> },
            {
              key: 'household',
              title: t('ui.registry.resident.household'),
              render: (_, r) => (r.household ? (
                <Flex vertical>
                  <span>{householdLabel(r.household)}</span>
                  {r.household.address && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.household.address}</Typography.Text>}
                </Flex>
              ) : <Typography.Text type="secondary">{t('ui.registry.resident.noHousehold')}</Typography.Text>),
            },
            { key: 'grid', title: t('ui.registry.resident.grid'), render: (_, r) => r.grid?.name ?? r.unit.name },
            {
              key: 'status',
              title: t('ui.registry.resident.status'),
              render: (_, r) => <Tag color={RESIDENT_STATUS_COLORS[r.status]}>{t(residentStatusKey(r.status))}</Tag>,
            },
          ]}
        />
      </Card>
      <ResidentFormDrawer
        mode={formMode}
        onClose={() => setFormMode(null)}
        onSaved={(r) => { setFormMode(null); navigate(`/residents/${r.id}`); }}
      />
    </Flex>
  );
}

