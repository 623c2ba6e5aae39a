import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { DotLoading, ErrorBlock, List, Tabs, Tag } from 'antd-mobile';
import { caseKeys, casesApi, type CaseList } from '../../../api/cases.js';
import { useLocale } from '../../../app/i18n.js';
import { hasPermission, useCurrentUser } from '../../../app/session.js';
import { formatDateTime } from '../../../components/format.js';
import { listKey, stateKey } from '../common.js';
import { MobileShell } from './MobileShell.js';

const MOBILE_STATE_COLOR: Record<string, string> = {
  reported: 'warning', accepted: 'warning', dispatched: 'primary', in_progress: 'primary', handled: 'primary', verified: 'primary', closed: 'success', rejected: 'default', merged: 'default',
};

/** My cases on the phone: a grid worker's work (mine, to verify) and what one reported. */
export default function MobileCasesPage() {
  const { t, locale } = useLocale();
  const me = useCurrentUser();
  const navigate = useNavigate();
  const lists: CaseList[] = [
    ...(hasPermission(me, 'case.handle') ? ['mine' as const] : []),
    ...(hasPermission(me, 'case.verify') ? ['to_verify' as const] : []),
    'reported_by_me',
  ];
  const [list, setList] = useState<CaseList>(lists[0]!);
  const query = { list, limit: 50, sort: 'newest' as const };
  const cases = useQuery({ queryKey: caseKeys.list(query), queryFn: () => casesApi.list(query), refetchOnMount: 'always' });
  const counts = useQuery({ queryKey: caseKeys.counts, queryFn: casesApi.counts, refetchOnMount: 'always' });

  return (
    <MobileShell title={t('ui.cases.m.myCases')} active="/m/cases">
      {lists.length > 1 && (
        <Tabs activeKey={list} onChange={(k) => setList(k as CaseList)} style={{ background: '#fff' }}>
          {lists.map((l) => (
            <Tabs.Tab key={l} title={<span data-testid={`m-tab-${l}`}>{t(listKey(l))}{counts.data && l !== 'all' ? ` ${counts.data[l]}` : ''}</span>} />
          ))}
        </Tabs>
      )}
      {cases.isPending && <div style={{ padding: 24, textAlign: 'center' }}><DotLoading /></div>}
      {cases.isError && <ErrorBlock status="default" title={cases.error.message} description="" data-testid="m-case-error" />}
      {cases.data && cases.data.items.length === 0 && <ErrorBlock status="empty" title={t('ui.cases.m.none')} description="" data-testid="m-case-none" />}
      {cases.data && cases.data.items.length > 0 && (
        <List data-testid="m-case-list">
          {cases.data.items.map((c) => (
            <List.Item
              key={c.id}
              onClick={() => navigate(`/m/cases/${c.id}`)}
              data-testid="m-case-item"
              description={<span>{c.unit.name} · {formatDateTime(c.createdAt, locale)}</span>}
              extra={<Tag color={MOBILE_STATE_COLOR[c.state]} data-testid="m-case-state">{t(stateKey(c.state))}</Tag>}
            >
              <div style={{ fontSize: 13, color: '#888' }}>{c.number} · {c.category.name}</div>
              <div style={{ display: '-webkit-box', WebkitLineClamp: 2, WebkitBoxOrient: 'vertical', overflow: 'hidden', wordBreak: 'break-all' }}>{c.description}</div>
            </List.Item>
          ))}
        </List>
      )}
    </MobileShell>
  );
}
