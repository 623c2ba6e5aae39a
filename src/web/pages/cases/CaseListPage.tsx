import { useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Alert, Badge, Button, Card, Flex, Input, Select, Table, Tabs, Typography } from 'antd';
import { CASE_STATE_NAMES } from '../../../shared/cases.schemas.js';
import { caseKeys, casesApi, type CaseList, type CaseState, type CaseSummary } from '../../api/cases.js';
import { unitKeys, unitsApi, type UnitDetail } from '../../api/units.js';
import { useLocale } from '../../app/i18n.js';
import { hasPermission, useCurrentUser } from '../../app/session.js';
import { useDebounced } from '../../components/useDebounced.js';
import { Deadline, listKey, listsFor, stateKey, StateTag, SupervisionTag } from './common.js';

const PAGE = 20;

/** The last day a period ending before `to` (an ISO instant at a Beijing midnight) holds: YYYY-MM-DD. */
function dayBefore(to: string): string {
  const d = new Date(new Date(to).getTime() + 8 * 3600_000 - 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** "龙湖东岸社区 第六网格": a grid or micro-grid named with the units above it up to its community, the rest by their own name. */
function unitLabel(d: UnitDetail): string {
  const names = [d.unit.name];
  let level = d.unit.level;
  for (let i = d.ancestors.length - 1; i >= 0 && (level === 'grid' || level === 'microgrid'); i--) {
    names.unshift(d.ancestors[i]!.name);
    level = d.ancestors[i]!.level;
  }
  return names.join(' ');
}

/** The work lists (待受理、待派遣、我的待办 …) with their counts, filters and the cases in a table. */
export default function CaseListPage() {
  const { t } = useLocale();
  const me = useCurrentUser();
  const navigate = useNavigate();
  const lists = useMemo(() => listsFor(me), [me]);
  const [params, setParams] = useSearchParams();
  const list = (lists.includes(params.get('list') as CaseList) ? params.get('list') : lists[0]) as CaseList;
  // Filters a link may bring (the cockpit's drill-down): a subtree and a period, a category, a state.
  const [categoryCode, setCategory] = useState<string | undefined>(() => params.get('categoryCode') ?? undefined);
  const [state, setState] = useState<CaseState | undefined>(() => (CASE_STATE_NAMES as readonly string[]).includes(params.get('state') ?? '') ? params.get('state') as CaseState : undefined);
  const scope = { unitId: params.get('unitId') ?? undefined, from: params.get('from') ?? undefined, to: params.get('to') ?? undefined };
  const scoped = Boolean(scope.unitId || scope.from || scope.to);
  const [typed, setQ] = useState('');
  const q = useDebounced(typed.trim());
  const [page, setPage] = useState(1);

  const counts = useQuery({ queryKey: caseKeys.counts, queryFn: casesApi.counts, refetchInterval: 60_000 });
  const categories = useQuery({ queryKey: caseKeys.categories, queryFn: casesApi.categories, staleTime: 300_000 });
  const query = { list, ...(scoped ? scope : {}), categoryCode, state, q: q || undefined, limit: PAGE, offset: (page - 1) * PAGE, sort: list === 'all' || list === 'reported_by_me' ? 'newest' as const : 'deadline' as const };
  const cases = useQuery({ queryKey: caseKeys.list(query), queryFn: () => casesApi.list(query), placeholderData: (prev) => prev });
  // The notice names the unit the link filters by when the caller may see it (else "the chosen area"), and the category.
  const scopeUnit = useQuery({
    queryKey: unitKeys.detail(scope.unitId ?? ''), queryFn: () => unitsApi.detail(scope.unitId!),
    enabled: !!scope.unitId && hasPermission(me, 'unit.read'), staleTime: 300_000,
  });
  const unitName = scope.unitId && scopeUnit.data?.unit.id === scope.unitId ? unitLabel(scopeUnit.data) : undefined;
  const categoryName = categoryCode ? categories.data?.find((c) => c.code === categoryCode)?.name : undefined;
  const period = { from: (scope.from ?? '').slice(0, 10) || '…', to: scope.to ? dayBefore(scope.to) : '…' };
  const scopeNotice = unitName && categoryName ? t('ui.cases.scopedFilterUnitCategory', { ...period, unit: unitName, category: categoryName })
    : unitName ? t('ui.cases.scopedFilterUnit', { ...period, unit: unitName })
      : categoryName ? t('ui.cases.scopedFilterCategory', { ...period, category: categoryName })
        : t('ui.cases.scopedFilter', period);

  return (
    <Card title={t('ui.cases.title')} data-testid="case-lists">
      <Tabs
        activeKey={list}
        onChange={(k) => { setParams({ list: k }); setPage(1); }}
        items={lists.map((l) => ({
          key: l,
          label: (
            <span data-testid={`tab-${l}`}>
              {t(listKey(l))}
              {l !== 'all' && counts.data && (
                <Badge count={counts.data[l]} showZero size="small" color={l === 'overdue' && counts.data[l] > 0 ? 'red' : '#1668dc'} style={{ marginInlineStart: 6 }} />
              )}
            </span>
          ),
        }))}
      />
      <Flex gap={8} wrap style={{ marginBottom: 12 }}>
        <Input.Search allowClear placeholder={t('ui.cases.search')} style={{ width: 240 }} value={typed} onChange={(e) => { setQ(e.target.value); setPage(1); }} />
        <Select
          allowClear
          style={{ width: 200 }}
          placeholder={t('field.categoryCode')}
          value={categoryCode}
          onChange={(v) => { setCategory(v); setPage(1); }}
          options={(categories.data ?? []).map((c) => ({ value: c.code, label: c.name }))}
          data-testid="filter-category"
        />
        <Select
          allowClear
          style={{ width: 160 }}
          placeholder={t('field.state')}
          value={state}
          onChange={(v) => { setState(v); setPage(1); }}
          options={CASE_STATE_NAMES.map((s) => ({ value: s, label: t(stateKey(s)) }))}
          data-testid="filter-state"
        />
      </Flex>
      {scoped && (
        <Alert
          type="info" showIcon style={{ marginBottom: 12 }} data-testid="case-scope-filter"
          title={scopeNotice}
          action={<Button size="small" onClick={() => { setParams({ list }); setCategory(undefined); setState(undefined); setPage(1); }}>{t('ui.cases.clearFilter')}</Button>}
        />
      )}
      {cases.isError && <Alert type="error" showIcon title={cases.error.message} style={{ marginBottom: 12 }} />}
      <Table<CaseSummary>
        rowKey="id"
        size="middle"
        loading={cases.isFetching}
        dataSource={cases.data?.items ?? []}
        scroll={{ x: 900 }}
        data-testid="case-table"
        onRow={(c) => ({ onClick: () => navigate(`/cases/${c.id}`), style: { cursor: 'pointer' } })}
        pagination={{ current: page, pageSize: PAGE, total: cases.data?.total ?? 0, showSizeChanger: false, onChange: setPage, showTotal: (n) => t(cases.data?.totalCapped ? 'ui.cases.totalCapped' : 'ui.cases.total', { n }) }}
        columns={[
          { title: t('ui.cases.col.number'), dataIndex: 'number', width: 160, render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
          { title: t('field.categoryCode'), key: 'category', width: 130, render: (_, c) => c.category.name },
          { title: t('field.description'), dataIndex: 'description', ellipsis: true },
          { title: t('ui.cases.col.place'), key: 'place', width: 150, render: (_, c) => c.unit.name },
          { title: t('field.state'), key: 'state', width: 110, render: (_, c) => <StateTag state={c.state} /> },
          { title: t('ui.cases.col.deadline'), key: 'deadline', width: 200, render: (_, c) => <Deadline c={c} /> },
          { title: t('ui.cases.col.supervision'), key: 'supervision', width: 90, render: (_, c) => <SupervisionTag mark={c.supervision} /> },
        ]}
      />
    </Card>
  );
}
