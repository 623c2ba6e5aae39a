import { useState } from 'react';
import { Alert, App, Button, Checkbox, Descriptions, Form, Input, Modal, Typography } from 'antd';
import { EyeOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';

export interface RevealChoice {
  key: string;
  label: string;
}

interface Props {
  open: boolean;
  /** Whose data: shown in the title. */
  subject: string;
  /** The fields that may be asked for (all asked for by default). */
  choices: RevealChoice[];
  reveal: (fields: string[], reason: string) => Promise<Record<string, string | null | undefined>>;
  onClose: () => void;
}

/**
 * 查看完整信息: the full value of masked personal data, only after a reason is given; the server
 * audits the reveal. The values live in this dialog alone and are forgotten when it closes.
 */
export function RevealModal({ open, subject, choices, reveal, onClose }: Props) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ fields: string[]; reason: string }>();
  const [values, setValues] = useState<Record<string, string | null | undefined> | null>(null);
  const ask = useMutation({
    mutationFn: (v: { fields: string[]; reason: string }) => reveal(v.fields, v.reason.trim()),
    onSuccess: setValues,
    onError: (e) => showApiError(e, message, form, ['reason', 'fields']),
  });
  const close = () => {
    setValues(null);
    ask.reset();
    form.resetFields();
    onClose();
  };
  return (
    <Modal
      open={open}
      title={t('ui.registry.reveal.title', { name: subject })}
      onCancel={close}
      destroyOnHidden
      footer={values
        ? <Button type="primary" onClick={close}>{t('ui.registry.reveal.done')}</Button>
        : [
          <Button key="cancel" onClick={close}>{t('ui.common.cancel')}</Button>,
          <Button key="ok" type="primary" icon={<EyeOutlined />} loading={ask.isPending} onClick={() => form.submit()}>{t('ui.registry.reveal.submit')}</Button>,
        ]}
    >
      {!values ? (
        <Form
          form={form}
          layout="vertical"
          data-testid="reveal-form"
          initialValues={{ fields: choices.map((c) => c.key), reason: '' }}
          onFinish={(v) => ask.mutate(v)}
        >
          <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('ui.registry.reveal.warning')} />
          {choices.length > 1 && (
            <Form.Item name="fields" label={t('ui.registry.reveal.fields')} rules={[{ required: true, type: 'array', min: 1, message: t('ui.registry.reveal.fieldsRequired') }]}>
              <Checkbox.Group options={choices.map((c) => ({ value: c.key, label: c.label }))} />
            </Form.Item>
          )}
          <Form.Item
            name="reason"
            label={t('ui.registry.reveal.reason')}
            rules={[{ required: true, whitespace: true, min: 2, message: t('ui.registry.reveal.reasonRequired') }]}
          >
            <Input.TextArea rows={2} maxLength={200} showCount placeholder={t('ui.registry.reveal.reasonPlaceholder')} autoFocus />
          </Form.Item>
        </Form>
      ) : (
        <div data-testid="revealed">
          <Descriptions
            column={1}
            size="small"
            bordered
            items={choices.filter((c) => c.key in values).map((c) => ({
              key: c.key,
              label: c.label,
              children: values[c.key]
                ? <Typography.Text copyable strong style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 15 }} data-testid={`revealed-${c.key}`}>{values[c.key]}</Typography.Text>
                : <Typography.Text type="secondary">{t('ui.registry.none')}</Typography.Text>,
            }))}
          />
          <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0, fontSize: 12 }}>{t('ui.registry.reveal.audited')}</Typography.Paragraph>
        </div>
      )}
    </Modal>
  );
}
