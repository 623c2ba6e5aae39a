import { useState } from 'react';
import { Alert, App, Button, Card, Flex, Form, Input, Result, Spin, Steps, Typography } from 'antd';
import { CopyOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { authApi } from '../api/auth.js';
import { useT } from '../app/i18n.js';
import { showApiError } from './apiErrors.js';

/**
 * Enrol an authenticator app: the QR code and the secret (POST /api/auth/mfa/setup), a first
 * code to confirm (POST /api/auth/mfa/enable), then the ten recovery codes, shown once.
 * Used at sign-in (when the role requires it) and on the account page.
 */
export function MfaEnrollment({ onDone, onCancel }: { onDone: () => void; onCancel?: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ code: string }>();
  const [codes, setCodes] = useState<string[] | null>(null);
  const [saved, setSaved] = useState(false);
  // Each setup makes a new secret: fetch it once per enrolment, never again behind the user's back.
  const setup = useQuery({
    queryKey: ['mfa-setup'],
    queryFn: authApi.setupMfa,
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
  const enable = useMutation({
    mutationFn: (code: string) => authApi.enableMfa(code),
    onSuccess: (r) => setCodes(r.recoveryCodes),
    onError: (e) => showApiError(e, message, form, { code: 'code', mfaCode: 'code' }),
  });

  const copyCodes = async () => {
    if (!codes) return;
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      void message.success(t('ui.mfa.copied'));
    } catch {
      void message.warning(t('ui.mfa.copyFailed'));
    }
  };

  return (
    <div data-testid="mfa-enrollment">
      <Steps
        size="small"
        current={codes ? 1 : 0}
        style={{ marginBottom: 24 }}
        items={[{ title: t('ui.mfa.stepScan') }, { title: t('ui.mfa.stepSave') }]}
      />
      {!codes && (
        <>
          {setup.isPending && <Flex justify="center" style={{ padding: 32 }}><Spin /></Flex>}
          {setup.isError && <Alert type="error" showIcon title={setup.error.message} />}
          {setup.data && (
            <Flex vertical gap={16}>
              <Typography.Paragraph style={{ marginBottom: 0 }}>{t('ui.mfa.scanHint')}</Typography.Paragraph>
              <Flex justify="center">
                <img src={setup.data.qrDataUrl} alt={t('ui.mfa.qrAlt')} width={200} height={200} style={{ imageRendering: 'pixelated' }} />
              </Flex>
              <div>
                <Typography.Text type="secondary">{t('ui.mfa.secretHint')}</Typography.Text>
                <div>
                  <Typography.Text code copyable={{ text: setup.data.secret }} data-testid="mfa-secret" style={{ fontSize: 15, wordBreak: 'break-all' }}>
                    {setup.data.secret}
                  </Typography.Text>
                </div>
              </div>
              <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => enable.mutate(v.code.trim())}>
                <Form.Item name="code" label={t('ui.mfa.firstCode')} required>
                  <Input inputMode="numeric" autoComplete="one-time-code" maxLength={10} placeholder="123456" />
                </Form.Item>
                <Flex gap={8}>
                  <Button type="primary" htmlType="submit" loading={enable.isPending}>{t('ui.mfa.confirm')}</Button>
                  {onCancel && <Button onClick={onCancel}>{t('ui.common.cancel')}</Button>}
                </Flex>
              </Form>
            </Flex>
          )}
        </>
      )}
      {codes && (
        <Result
          status="success"
          title={t('ui.mfa.enabled')}
          subTitle={t('ui.mfa.recoveryHint')}
          style={{ padding: '8px 0' }}
          extra={(
            <Flex vertical gap={16} align="center">
              <Card size="small" style={{ width: '100%', maxWidth: 440 }}>
                <div data-testid="recovery-codes" style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))', gap: '6px 16px', fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 14, whiteSpace: 'nowrap' }}>
                  {codes.map((c) => <span key={c}>{c}</span>)}
                </div>
              </Card>
              <Flex gap={8} wrap>
                <Button icon={<CopyOutlined />} onClick={() => void copyCodes()}>{t('ui.mfa.copyCodes')}</Button>
                <Button type="primary" onClick={() => { setSaved(true); onDone(); }} disabled={saved}>{t('ui.mfa.saved')}</Button>
              </Flex>
            </Flex>
          )}
        />
      )}
    </div>
  );
}
