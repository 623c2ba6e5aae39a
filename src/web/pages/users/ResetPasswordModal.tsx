import { App, Form, Input, Modal, Typography } from 'antd';
import { useMutation } from '@tanstack/react-query';
import { usersApi, type UserView } from '../../api/users.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { useFormReset } from '../../components/useFormReset.js';

/** Set a new password for an account; its sessions end. */
export function ResetPasswordModal({ user, onClose }: { user: UserView | null; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ newPassword?: string }>();
  useFormReset(form, user);
  const reset = useMutation({
    mutationFn: (pw: string) => usersApi.resetPassword(user!.id, pw),
    onSuccess: () => {
      void message.success(t('ui.users.passwordReset', { username: user?.username ?? '' }));
      onClose();
    },
    onError: (e) => showApiError(e, message, form, ['newPassword']),
  });
  return (
    <Modal
      open={!!user}
      title={user ? t('ui.users.resetPasswordTitle', { username: user.username }) : ''}
      okText={t('ui.users.resetPassword')}
      cancelText={t('ui.common.cancel')}
      confirmLoading={reset.isPending}
      onCancel={onClose}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('ui.users.resetPasswordHint')}</Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={(v) => reset.mutate(v.newPassword ?? '')}>
        <Form.Item name="newPassword" label={t('ui.users.newPassword')} required>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
