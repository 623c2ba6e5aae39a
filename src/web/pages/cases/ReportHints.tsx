import { useQuery } from '@tanstack/react-query';
import { Alert, Flex, Tag, Tooltip, Typography } from 'antd';
import { suggestionKeys, suggestionsApi } from '../../api/suggestions.js';
import { useLocale } from '../../app/i18n.js';
import { formatDateTime } from '../../components/format.js';
import { useDebounced } from '../../components/useDebounced.js';
import { DUPLICATE_RADIUS_M } from '../../../shared/case-suggestions.schemas.js';

export interface ReportHintsProps {
  /** The description as it is being typed. */
  description: string;
  /** The category chosen so far (a subcategory code such as 'eight_disorders.parking', or a top-level one). */
  categoryCode?: string | null;
  /** The point chosen so far (both or neither). */
  lng?: number | null;
  lat?: number | null;
  /** Where, when there is no point yet (else the caller's own unit is used). */
  unitId?: string;
  /** A suggested category was clicked: fill the form's category with it. */
  onPickCategory?: (code: string) => void;
  /** Suggest from this many characters on (default 4). */
  minLength?: number;
}

/**
 * Hints for a report form: the likely categories of the description while it is typed (debounced,
 * learnt from the cases closed nearby; click one to use it), and once category and place are known
 * a warning listing the open cases of that category nearby — a likely duplicate. Neither blocks the
 * report. Works in the desktop and the phone report forms.
 *
 * Mount under the description field, e.g. on MobileReportPage:
 *   <ReportHints description={description} categoryCode={code} lng={point?.lng} lat={point?.lat}
 *                onPickCategory={(code) => setCategory(code)} />
 */
export function ReportHints({ description, categoryCode, lng, lat, unitId, onPickCategory, minLength = 4 }: ReportHintsProps) {
  const { t, locale } = useLocale();
  const text = useDebounced(description.trim(), 400);
  const hasPoint = typeof lng === 'number' && typeof lat === 'number';
  const suggestInput = { description: text, ...(hasPoint ? { lng: lng!, lat: lat! } : unitId ? { unitId } : {}) };
  const suggestion = useQuery({
    queryKey: suggestionKeys.suggest(suggestInput),
    queryFn: () => suggestionsApi.suggest(suggestInput),
    enabled: text.length >= minLength,
    staleTime: 60_000,
    retry: false,
  });
  const dupInput = hasPoint && categoryCode ? { categoryCode, lng: lng!, lat: lat! } : null;
  const duplicates = useQuery({
    queryKey: suggestionKeys.likelyDuplicates(dupInput ?? { categoryCode: '', lng: 0, lat: 0 }),
    queryFn: () => suggestionsApi.likelyDuplicates(dupInput!),
    enabled: dupInput !== null,
    staleTime: 30_000,
    retry: false,
  });
  const categories = text.length >= minLength ? suggestion.data?.categories ?? [] : [];
  const dups = dupInput ? duplicates.data ?? [] : [];
  if (!categories.length && !dups.length) return null;
  return (
    <Flex vertical gap={8} style={{ margin: '8px 0' }} data-testid="report-hints">
      {categories.length > 0 && (
        <Flex gap={6} wrap align="center" data-testid="category-suggestions">
          <Typography.Text type="secondary">{t('ui.suggest.categories')}</Typography.Text>
          {categories.map((c) => (
            <Tooltip key={c.code} title={t('ui.suggest.confidence', { p: Math.round(c.confidence * 100) })}>
              <Tag.CheckableTag
                checked={c.code === categoryCode}
                onChange={() => onPickCategory?.(c.code)}
                data-testid="category-suggestion"
                data-code={c.code}
              >
                {c.name} {Math.round(c.confidence * 100)}%
              </Tag.CheckableTag>
            </Tooltip>
          ))}
        </Flex>
      )}
      {dups.length > 0 && (
        <Alert
          type="warning"
          showIcon
          data-testid="likely-duplicates"
          title={t('ui.duplicates.warning', { n: dups.length, m: DUPLICATE_RADIUS_M })}
          description={(
            <Flex vertical gap={4}>
              {dups.map((d) => (
                <div key={d.number} data-testid="likely-duplicate">
                  <Typography.Text strong>{d.number}</Typography.Text>{' '}
                  {d.category.name} · {t(`case.state.${d.state}`)} · {t('ui.duplicates.distance', { m: d.distanceM })} · {t('ui.duplicates.reportedAt', { date: formatDateTime(d.reportedAt, locale) })}
                  {d.case && <div><Typography.Text type="secondary" ellipsis style={{ maxWidth: 480 }}>{d.case.description}</Typography.Text></div>}
                </div>
              ))}
              <Typography.Text type="secondary">{t('ui.duplicates.hint')}</Typography.Text>
            </Flex>
          )}
        />
      )}
    </Flex>
  );
}

export default ReportHints;
