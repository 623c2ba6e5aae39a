import { useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Empty, Form, Input, List, Modal, Row, Space, Tag, Typography } from 'antd';
import { SafetyCertificateOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Role, UnitLevel } from '../../../shared/roles.js';
import { authApi } from '../../api/auth.js';
import { useT } from '../../app/i18n.js';
import { ME_KEY } from '../../app/query.js';
import { useCurrentUser } from '../../app/session.js';
import { showApiError } from '../../components/apiErrors.js';
import { MfaEnrollment } from '../../components/MfaEnrollment.js';
import { LevelTag, RoleTag } from '../../components/tags.js';

/** 我的账号: who I am and where, my password, my second factor. */
export default function AccountPage() {
  const t = useT();
  const me = useCurrentUser();
  return (
    <Row gutter={[12, 12]}>
      <Col xs={24} xl={12}>
        <Card title={t('ui.account.profile')} size="small" style={{ marginBottom: 12 }}>
          <Descriptions
            size="small"
            column={1}
            items={[
              { key: 'username', label: t('ui.users.username'), children: me.username },
              { key: 'displayName', label: t('ui.users.displayName'), children: me.displayName },
            ]}
          />
          <Typography.Title level={5}>{t('ui.account.myRoles')}</Typography.Title>
          <List
            size="small"
            dataSource={me.bindings}
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('ui.users.noBindings')} /> }}
            renderItem={(b) => (
              <List.Item>
                <Space wrap size={4}>
                  <RoleTag role={b.role as Role} />
                  <Typography.Text type="secondary">@</Typography.Text>
                  <LevelTag level={b.unitLevel as UnitLevel} />
                  <span>{b.unitName}</span>
                </Space>
              </List.Item>
            )}
          />
        </Card>
        <TwoFactorCard />
      </Col>
      <Col xs={24} xl={12}>
        <PasswordCard />
      </Col>
    </Row>
  );
}

function PasswordCard() {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ currentPassword?: string; newPassword?: string; confirm?: string }>();
  const change = useMutation({
    mutationFn: (v: { currentPassword: string; newPassword: string }) => authApi.changePassword(v),
    onSuccess: () => {
      void message.success(t('ui.account.passwordChanged'));
      form.resetFields();
    },
    onError: (e) => showApiError(e, message, form, ['currentPassword', 'newPassword']),
  });
  return (
    <Card title={t('ui.account.changePassword')} size="small">
      <Typography.Paragraph type="secondary">{t('ui.account.passwordHint')}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        style={{ maxWidth: 420 }}
        onFinish={(v) => {
          if (v.newPassword !== v.confirm) {
            form.setFields([{ name: 'confirm', errors: [t('ui.account.mismatch')] }]);
            return;
          }
          change.mutate({ currentPassword: v.currentPassword ?? '', newPassword: v.newPassword ?? '' });
        }}
      >
        <Form.Item name="currentPassword" label={t('ui.account.currentPassword')} required>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item name="newPassword" label={t('ui.account.newPassword')} required>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item name="confirm" label={t('ui.account.confirmPassword')} required>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={change.isPending}>{t('ui.account.changePassword')}</Button>
      </Form>
    </Card>
  );
}

function TwoFactorCard() {
  const t = useT();
  const { message } = App.useApp();
  const me = useCurrentUser();
  const queryClient = useQueryClient();
  const [enrolling, setEnrolling] = useState(false);
  const [form] = Form.useForm<{ password?: string }>();
  const disable = useMutation({
    mutationFn: (password: string) => authApi.disableMfa(password),
    onSuccess: () => {
      void message.success(t('ui.account.mfaDisabled'));
      form.resetFields();
      void queryClient.invalidateQueries({ queryKey: ME_KEY });
    },
    onError: (e) => showApiError(e, message, form, ['password']),
  });
  return (
    <Card title={<Space><SafetyCertificateOutlined />{t('ui.account.twoFactor')}</Space>} size="small" data-testid="two-factor">
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Space>
          <Typography.Text>{t('ui.account.mfaStatus')}</Typography.Text>
          {me.mfa.enabled ? <Tag color="green">{t('ui.account.mfaOn')}</Tag> : <Tag>{t('ui.account.mfaOff')}</Tag>}
        </Space>
        {me.mfa.required && <Alert type="info" showIcon title={t('ui.account.mfaRequired')} />}
        {!me.mfa.enabled && (
          <Button type="primary" onClick={() => setEnrolling(true)}>{t('ui.account.enableMfa')}</Button>
        )}
        {me.mfa.enabled && !me.mfa.required && (
          <Form form={form} layout="vertical" style={{ maxWidth: 420 }} onFinish={(v) => disable.mutate(v.password ?? '')}>
            <Typography.Paragraph type="secondary">{t('ui.account.disableHint')}</Typography.Paragraph>
            <Form.Item name="password" label={t('ui.account.currentPassword')} required>
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Button danger htmlType="submit" loading={disable.isPending}>{t('ui.account.disableMfa')}</Button>
          </Form>
        )}
      </Space>
      <Modal
        open={enrolling}
        title={t('ui.account.enableMfa')}
        footer={null}
        onCancel={() => setEnrolling(false)}
        destroyOnHidden
        mask={{ closable: false }}
      >
        <MfaEnrollment
          onCancel={() => setEnrolling(false)}
          onDone={() => {
            setEnrolling(false);
            void queryClient.invalidateQueries({ queryKey: ME_KEY });
          }}
        />
      </Modal>
    </Card>
  );
}
