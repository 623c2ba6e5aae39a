import { useState } from 'react';
import { Alert, App, Button, Card, Flex, Form, Input, Typography } from 'antd';
import { LockOutlined, SafetyOutlined, UserOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { authApi } from '../../api/auth.js';
import { ApiError } from '../../api/client.js';
import { useT } from '../../app/i18n.js';
import { ME_KEY } from '../../app/query.js';
import { markSignedIn, useLogout, useMe } from '../../app/session.js';
import { showApiError } from '../../components/apiErrors.js';
import { LanguageSwitch } from '../../components/LanguageSwitch.js';
import { MfaEnrollment } from '../../components/MfaEnrollment.js';

/**
 * Sign-in: password, then (when the account has one) the authenticator code or a recovery code,
 * or (when the role requires one and there is none yet) the authenticator enrolment.
 * Which step shows follows GET /api/auth/me: a pending session waits for its second factor.
 */
export function LoginPage() {
  const t = useT();
  const { data: me } = useMe();
  const pending = me?.mfa.pending ? (me.mfa.enabled ? 'verify' : 'enroll') : null;
  return (
    <Flex vertical align="center" style={{ minHeight: '100%', background: 'linear-gradient(180deg, #e6f0ff 0%, #f5f7fa 60%)', padding: '16px 12px 48px' }}>
      <Flex justify="flex-end" style={{ width: '100%', maxWidth: 960 }}>
        <LanguageSwitch size="small" />
      </Flex>
      <Flex vertical align="center" style={{ marginTop: '6vh', marginBottom: 24 }}>
        <Typography.Title level={2} style={{ margin: 0, color: '#c62828', letterSpacing: 4 }}>{t('ui.app.name')}</Typography.Title>
        <Typography.Text type="secondary">{t('ui.app.tagline')}</Typography.Text>
      </Flex>
      <Card style={{ width: '100%', maxWidth: pending === 'enroll' ? 480 : 380 }}>
        {pending === null && <PasswordStep />}
        {pending === 'verify' && <VerifyStep />}
        {pending === 'enroll' && <EnrollStep />}
      </Card>
    </Flex>
  );
}

function PasswordStep() {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ username: string; password: string }>();
  const [error, setError] = useState<string | null>(null);
  const login = useMutation({
    mutationFn: authApi.login,
    onSuccess: () => {
      markSignedIn();
      return queryClient.invalidateQueries({ queryKey: ME_KEY });
    },
    onError: (e) => {
      // Wrong password, lockout, disabled account: shown as the server words it.
      if (e instanceof ApiError && !e.field) setError(e.message);
      else showApiError(e, message, form, ['username', 'password']);
    },
  });
  return (
    <>
      <Typography.Title level={4} style={{ marginTop: 0 }}>{t('ui.login.title')}</Typography.Title>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="login-error" />}
      <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => { setError(null); login.mutate(v); }}>
        <Form.Item name="username" label={t('ui.login.username')} rules={[{ required: true, message: t('ui.login.usernameRequired') }]}>
          <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
        </Form.Item>
        <Form.Item name="password" label={t('ui.login.password')} rules={[{ required: true, message: t('ui.login.passwordRequired') }]}>
          <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={login.isPending}>{t('ui.login.submit')}</Button>
      </Form>
    </>
  );
}

function VerifyStep() {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const logout = useLogout();
  const [useRecovery, setUseRecovery] = useState(false);
  const [form] = Form.useForm<{ code?: string; recoveryCode?: string }>();
  const verify = useMutation({
    mutationFn: authApi.verifyMfa,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ME_KEY }),
    onError: (e) => {
      const field = useRecovery ? 'recoveryCode' : 'code';
      if (e instanceof ApiError && (e.code === 'mfa_invalid' || e.field)) form.setFields([{ name: field, errors: [e.message] }]);
      else showApiError(e, message);
    },
  });
  return (
    <>
      <Typography.Title level={4} style={{ marginTop: 0 }}><SafetyOutlined /> {t('ui.login.mfaTitle')}</Typography.Title>
      <Typography.Paragraph type="secondary">{useRecovery ? t('ui.login.recoveryHint') : t('ui.login.mfaHint')}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        requiredMark={false}
        onFinish={(v) => verify.mutate(useRecovery ? { recoveryCode: (v.recoveryCode ?? '').trim() } : { code: (v.code ?? '').trim() })}
      >
        {useRecovery ? (
          <Form.Item name="recoveryCode" label={t('ui.login.recoveryCode')} rules={[{ required: true, message: t('ui.login.codeRequired') }]}>
            <Input autoComplete="off" autoFocus />
          </Form.Item>
        ) : (
          <Form.Item name="code" label={t('ui.login.mfaCode')} rules={[{ required: true, message: t('ui.login.codeRequired') }]}>
            <Input inputMode="numeric" autoComplete="one-time-code" maxLength={6} placeholder="123456" autoFocus />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" block loading={verify.isPending}>{t('ui.login.verify')}</Button>
      </Form>
      <Flex justify="space-between" style={{ marginTop: 12 }}>
        <Button type="link" style={{ padding: 0 }} onClick={() => { form.resetFields(); setUseRecovery(!useRecovery); }}>
          {useRecovery ? t('ui.login.useCode') : t('ui.login.useRecovery')}
        </Button>
        <Button type="link" style={{ padding: 0 }} onClick={() => logout.mutate()}>{t('ui.login.back')}</Button>
      </Flex>
    </>
  );
}

function EnrollStep() {
  const t = useT();
  const queryClient = useQueryClient();
  const logout = useLogout();
  return (
    <>
      <Typography.Title level={4} style={{ marginTop: 0 }}><SafetyOutlined /> {t('ui.login.enrollTitle')}</Typography.Title>
      <Alert type="info" showIcon title={t('ui.login.enrollHint')} style={{ marginBottom: 16 }} />
      <MfaEnrollment
        onDone={() => void queryClient.invalidateQueries({ queryKey: ME_KEY })}
        onCancel={() => logout.mutate()}
      />
    </>
  );
}
