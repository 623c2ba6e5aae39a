import { useState } from 'react';
import { App, Button, Flex, Progress, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import type { MessageKey } from '../../../shared/i18n/index.js';
import { saveBlob, type DownloadProgress } from '../../api/audit.js';
import { exportLedger, type ExportKind } from '../../api/registry.js';
import { useLocale } from '../../app/i18n.js';
import { hasPermission, useCurrentUser } from '../../app/session.js';
import { showApiError } from '../../components/apiErrors.js';
import { formatBytes } from '../../components/format.js';

const LABELS: Record<ExportKind, MessageKey> = {
  residents: 'ui.registry.export.residents',
  special_groups: 'ui.registry.export.specialGroups',
  buildings: 'ui.registry.export.buildings',
  organisations: 'ui.registry.export.organisations',
};

interface State extends DownloadProgress {
  kind: ExportKind;
  done: boolean;
  filename?: string;
}

/**
 * Export ledgers (台账) with the page's current filters, as formatted workbooks; the download shows
 * its progress as the bytes arrive. Shown only to those who may export.
 */
export function LedgerExport({ kinds, filters }: { kinds: ExportKind[]; filters: { unitId?: string; tags?: string; status?: string } }) {
  const { t, locale } = useLocale();
  const { message } = App.useApp();
  const me = useCurrentUser();
  const [state, setState] = useState<State | null>(null);
  if (!hasPermission(me, 'registry.export')) return null;
  const busy = !!state && !state.done;

  const run = async (kind: ExportKind) => {
    setState({ kind, bytes: 0, total: null, rows: null, done: false });
    try {
      const file = await exportLedger(kind, filters, (p) => setState((s) => (s ? { ...s, ...p } : s)));
      saveBlob(file);
      setState((s) => (s ? { ...s, done: true, filename: file.filename } : s));
      void message.success(t('ui.registry.export.done', { filename: file.filename }));
    } catch (e) {
      setState(null);
      showApiError(e, message);
    }
  };

  const percent = state ? (state.done ? 100 : state.total ? Math.min(99, Math.floor((state.bytes / state.total) * 100)) : undefined) : undefined;
  return (
    <Flex vertical gap={8} data-testid="ledger-export">
      <Flex gap={8} wrap align="center">
        <Typography.Text type="secondary">{t('ui.registry.export.hint')}</Typography.Text>
        {kinds.map((k) => (
          <Button key={k} icon={<DownloadOutlined />} disabled={busy} loading={busy && state.kind === k} onClick={() => void run(k)}>
            {t(LABELS[k])}
          </Button>
        ))}
      </Flex>
      {state && (
        <Flex vertical gap={4} style={{ maxWidth: 520 }} data-testid="export-progress">
          <Flex justify="space-between" align="center">
            <Typography.Text>
              {state.done ? t('ui.registry.export.finished', { filename: state.filename ?? '' }) : t('ui.registry.export.running', { name: t(LABELS[state.kind]) })}
            </Typography.Text>
            {state.done && <Button type="link" size="small" onClick={() => setState(null)}>{t('ui.common.close')}</Button>}
          </Flex>
          <Progress percent={percent ?? 100} status={state.done ? 'success' : 'active'} showInfo={percent !== undefined} />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('ui.registry.export.received', { bytes: formatBytes(state.bytes, locale) })}</Typography.Text>
        </Flex>
      )}
    </Flex>
  );
}
