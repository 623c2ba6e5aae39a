import { Tag, Tooltip } from 'antd';
import type { MessageKey } from '../../../shared/i18n/index.js';
import type { ApiCaseAction, CaseDetail, CaseList, CaseState, CaseSummary } from '../../api/cases.js';
import type { Me } from '../../api/auth.js';
import { hasPermission } from '../../app/session.js';
import { useLocale } from '../../app/i18n.js';
import { formatDateTime } from '../../components/format.js';

export const STATE_COLORS: Record<CaseState, string> = {
  reported: 'orange',
  accepted: 'gold',
  dispatched: 'blue',
  in_progress: 'processing',
  handled: 'cyan',
  verified: 'geekblue',
  closed: 'success',
  rejected: 'default',
  merged: 'default',
};

export const stateKey = (s: CaseState): MessageKey => `case.state.${s}`;
export const actionKey = (a: string): MessageKey => `case.action.${a}` as MessageKey;
export const listKey = (l: CaseList): MessageKey => `ui.cases.list.${l}`;

export function StateTag({ state }: { state: CaseState }) {
  const { t } = useLocale();
  return <Tag color={STATE_COLORS[state]} data-testid="case-state">{t(stateKey(state))}</Tag>;
}

const LEVEL_COLOR = { green: '#52c41a', yellow: '#faad14', red: '#ff4d4f' } as const;

/** The stage deadline with its green / yellow / red marker. */
export function Deadline({ c }: { c: Pick<CaseSummary, 'stageDeadline' | 'overdueLevel'> }) {
  const { t, locale } = useLocale();
  if (!c.stageDeadline) return <span style={{ color: '#999' }}>—</span>;
  return (
    <Tooltip title={t(`ui.cases.overdue.${c.overdueLevel}`)}>
      <span data-testid="case-deadline" data-level={c.overdueLevel} style={{ whiteSpace: 'nowrap' }}>
        <span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 5, background: LEVEL_COLOR[c.overdueLevel], marginInlineEnd: 6 }} />
        {formatDateTime(c.stageDeadline, locale)}
      </span>
    </Tooltip>
  );
}

export function SupervisionTag({ mark }: { mark: CaseSummary['supervision'] }) {
  const { t } = useLocale();
  if (!mark) return null;
  return <Tag color={mark === 'red' ? 'red' : 'gold'}>{t(`ui.cases.supervision.${mark}`)}</Tag>;
}

export function UrgencyTag({ urgency }: { urgency: CaseSummary['urgency'] }) {
  const { t } = useLocale();
  return <Tag color={urgency === 'critical' ? 'red' : urgency === 'urgent' ? 'orange' : 'default'}>{t(`ui.cases.urgency.${urgency}`)}</Tag>;
}

/** The work lists that make sense for the caller's permissions, in menu order. */
export function listsFor(me: Me): CaseList[] {
  const out: CaseList[] = [];
  if (hasPermission(me, 'case.dispatch')) out.push('to_accept', 'to_dispatch');
  if (hasPermission(me, 'case.handle', 'case.department_handle')) out.push('mine');
  if (hasPermission(me, 'case.verify')) out.push('to_verify');
  if (hasPermission(me, 'case.read', 'case.department_handle')) out.push('overdue');
  if (hasPermission(me, 'case.supervise')) out.push('supervised');
  if (hasPermission(me, 'case.report')) out.push('reported_by_me');
  if (hasPermission(me, 'case.read')) out.push('all');
  return out;
}

/** Staff pages: whoever sees cases or handles work orders. */
export const seesCases = (me: Me) => hasPermission(me, 'case.read', 'case.department_handle');
/** Who reports from the phone (residents, grid workers, party members, volunteers). */
export const reportsFromPhone = (me: Me) => hasPermission(me, 'case.report') && !hasPermission(me, 'case.dispatch');

/** Buttons in this order: the step that moves the case forward first, then the others, refusals last. */
const BUTTON_ORDER: readonly ApiCaseAction[] = [
  'accept', 'dispatch', 'whistle', 'claim', 'feed_back', 'verify_pass', 'close', 'rate', 'follow_up', 'decide_extension',
  'supervise', 'request_extension', 'merge', 'escalate', 'return', 'verify_fail', 'reject',
];

/** The actions a person may start from a button (the overdue watch's auto_escalate is not one), forward steps first. */
export const buttonActions = (c: CaseDetail): ApiCaseAction[] => c.actions
  .filter((a): a is ApiCaseAction => a !== 'auto_escalate')
  .sort((a, b) => BUTTON_ORDER.indexOf(a) - BUTTON_ORDER.indexOf(b));
