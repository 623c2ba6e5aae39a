import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Flex, Popconfirm, Typography } from 'antd';
import { Link } from 'react-router';
import { caseKeys, casesApi, type CaseDetail } from '../../api/cases.js';
import { suggestionKeys, suggestionsApi } from '../../api/suggestions.js';
import { useLocale } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { formatDateTime } from '../../components/format.js';
import { StateTag } from './common.js';

const OPEN: ReadonlySet<string> = new Set(['reported', 'accepted', 'dispatched', 'in_progress', 'handled', 'verified']);

export interface DuplicatePanelProps {
  /** The case the page shows (its detail, with the actions the caller may take on it). */
  c: CaseDetail;
  /** Where a listed case opens (default /cases/:id). */
  caseHref?: (id: string) => string;
}

/**
 * The case page's likely duplicates (疑似重复): open cases of the same category within 150 m,
 * reported in the last 30 days, that the caller can see, nearest first. A dispatcher of the case
 * (it offers the merge action) merges it into one of them in one click, after confirming.
 * Renders nothing for a case no longer open or when there is none.
 *
 * Mount on CasePage under the description: `<DuplicatePanel c={c} />`.
 */
export function DuplicatePanel({ c, caseHref = (id) => `/cases/${id}` }: DuplicatePanelProps) {
  const { t, locale } = useLocale();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const open = OPEN.has(c.state);
  const items = useQuery({ queryKey: suggestionKeys.duplicates(c.id), queryFn: () => suggestionsApi.duplicates(c.id), enabled: open });
  const canMerge = c.actions.includes('merge');
  const merge = useMutation({
    mutationFn: (targetId: string) => casesApi.act(c.id, 'merge', { version: c.version, targetId }),
    onSuccess: (updated) => {
      queryClient.setQueryData(caseKeys.detail(c.id), updated);
      void queryClient.invalidateQueries({ queryKey: caseKeys.all });
      void message.success(t('ui.duplicates.merged', { number: updated.mergedInto?.number ?? '' }));
    },
    onError: (e) => {
      showApiError(e, message);
      void queryClient.invalidateQueries({ queryKey: caseKeys.detail(c.id) });
    },
  });
  if (!open || !items.data?.length) return null;
  return (
    <Card size="small" title={t('ui.duplicates.title')} data-testid="duplicate-panel" style={{ marginBottom: 16 }}>
      <Flex vertical gap={10}>
        {items.data.map((d) => (
          <Flex key={d.case.id} justify="space-between" align="center" gap={12} data-testid="duplicate">
            <Flex vertical gap={2} style={{ minWidth: 0 }}>
              <Flex gap={8} align="center" wrap>
                <Link to={caseHref(d.case.id)}>{d.case.number}</Link>
                <StateTag state={d.case.state} />
                <Typography.Text type="secondary">{t('ui.duplicates.distance', { m: d.distanceM })}</Typography.Text>
                <Typography.Text type="secondary">{t('ui.duplicates.reportedAt', { date: formatDateTime(d.case.createdAt, locale) })}</Typography.Text>
              </Flex>
              <Typography.Text ellipsis style={{ maxWidth: 520 }}>{d.case.description}</Typography.Text>
            </Flex>
            {canMerge && (
              <Popconfirm title={t('ui.duplicates.mergeConfirm', { from: c.number, to: d.case.number })} onConfirm={() => merge.mutate(d.case.id)}>
                <Button size="small" loading={merge.isPending && merge.variables === d.case.id} data-testid="duplicate-merge">{t('ui.duplicates.merge')}</Button>
              </Popconfirm>
            )}
          </Flex>
        ))}
      </Flex>
    </Card>
  );
}

export default DuplicatePanel;
