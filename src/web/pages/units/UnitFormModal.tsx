import { useState } from 'react';
import { App, Button, Form, Input, Modal, Space, Typography, Upload } from 'antd';
import { EditOutlined, UploadOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { childLevel, type UnitLevel } from '../../../shared/roles.js';
import { unitsApi, type Boundary, type UnitDetail, type UnitView, type UpdateUnitInput } from '../../api/units.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { LevelTag } from '../../components/tags.js';
import { useFormReset } from '../../components/useFormReset.js';
import { BoundaryDrawModal } from './BoundaryDrawer.js';
import { extractBoundary } from './geojson.js';

interface Values {
  name: string;
  code?: string;
  boundary?: string;
}

export type UnitFormMode = { kind: 'create'; parent: UnitView } | { kind: 'edit'; unit: UnitView };

/** Levels whose code is official (GB/T 2260 and statistical codes) and must be typed in. */
const OFFICIAL_CODE: UnitLevel[] = ['province', 'city', 'district', 'street', 'community'];

/**
 * Add a sub-unit or edit a unit: name, code, and an optional boundary drawn on a map, or pasted or
 * uploaded as GeoJSON.
 * Validation is the server's; its field errors land on the fields.
 */
export function UnitFormModal({ mode, onClose, onSaved }: { mode: UnitFormMode | null; onClose: () => void; onSaved: (d: UnitDetail) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const level: UnitLevel | null = mode ? (mode.kind === 'create' ? childLevel(mode.parent.level) : mode.unit.level) : null;
  const codeOptional = !!level && !OFFICIAL_CODE.includes(level);
  /** Drawing on the map, with the boundary the form held when it began (drawn dashed), if it reads as one. */
  const [drawing, setDrawing] = useState<{ current: Boundary | null } | null>(null);
  const startDrawing = () => {
    const text = (form.getFieldValue('boundary') as string | undefined)?.trim();
    const r = text ? extractBoundary(text) : null;
    setDrawing({ current: r?.ok ? r.boundary : null });
  };

  useFormReset(form, mode, mode?.kind === 'edit'
    ? { name: mode.unit.name, code: mode.unit.code, boundary: mode.unit.boundary ? JSON.stringify(mode.unit.boundary) : '' }
    : undefined);

  const save = useMutation({
    mutationFn: async (v: Values) => {
      if (!mode) throw new Error('no unit');
      const text = (v.boundary ?? '').trim();
      let boundary: UnitView['boundary'] | undefined;
      if (text) {
        const r = extractBoundary(text);
        if (!r.ok) {
          form.setFields([{ name: 'boundary', errors: [t(r.reason)] }]);
          return null;
        }
        boundary = r.boundary;
      }
      const code = (v.code ?? '').trim();
      if (mode.kind === 'create') {
        return unitsApi.create({ parentId: mode.parent.id, name: v.name ?? '', code: code || undefined, boundary });
      }
      const patch: UpdateUnitInput = { name: v.name ?? '' };
      if (code !== mode.unit.code) patch.code = code;
      if (!text && mode.unit.boundary) patch.boundary = null;
      else if (text && text !== JSON.stringify(mode.unit.boundary)) patch.boundary = boundary;
      return unitsApi.update(mode.unit.id, patch);
    },
    onSuccess: (d) => {
      if (!d) return;
      void message.success(t(mode?.kind === 'create' ? 'ui.units.created' : 'ui.units.saved', { name: d.unit.name }));
      onSaved(d);
    },
    onError: (e) => showApiError(e, message, form, ['name', 'code', 'boundary']),
  });

  const title = !mode ? '' : mode.kind === 'create' ? t('ui.units.addChildTitle', { parent: mode.parent.name }) : t('ui.units.editTitle', { name: mode.unit.name });

  return (
    <Modal
      open={!!mode}
      title={title}
      onCancel={onClose}
      okText={t('ui.common.save')}
      cancelText={t('ui.common.cancel')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {level && (
        <Typography.Paragraph type="secondary" style={{ marginBottom: 12 }}>
          {t('ui.units.levelOfNew')} <LevelTag level={level} />
        </Typography.Paragraph>
      )}
      <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)} data-testid="unit-form">
        <Form.Item name="name" label={t('ui.units.name')} required>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item
          name="code"
          label={t('ui.units.code')}
          required={!codeOptional}
          extra={codeOptional ? t('ui.units.codeGenerated') : t('ui.units.codeOfficial')}
        >
          <Input inputMode="numeric" maxLength={20} />
        </Form.Item>
        <Form.Item label={t('ui.units.boundary')} extra={t('ui.units.boundaryHint')}>
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Form.Item name="boundary" noStyle>
              <Input.TextArea rows={4} placeholder='{"type":"Polygon","coordinates":[[[114.2,30.5],…]]}' style={{ fontFamily: 'monospace', fontSize: 12 }} />
            </Form.Item>
            <Space wrap size={8}>
              <Button icon={<EditOutlined />} onClick={startDrawing}>{t('ui.units.draw.open')}</Button>
              <Upload
                accept=".json,.geojson,application/geo+json,application/json"
                showUploadList={false}
                maxCount={1}
                beforeUpload={(file) => {
                  void file.text().then((text) => {
                    const r = extractBoundary(text);
                    if (r.ok) form.setFields([{ name: 'boundary', value: JSON.stringify(r.boundary), errors: [] }]);
                    else form.setFields([{ name: 'boundary', value: text, errors: [t(r.reason)] }]);
                  });
                  return false;
                }}
              >
                <Button icon={<UploadOutlined />}>{t('ui.units.uploadGeojson')}</Button>
              </Upload>
            </Space>
          </Space>
        </Form.Item>
      </Form>
      {mode && (
        <BoundaryDrawModal
          open={!!drawing}
          unit={mode.kind === 'edit' ? { id: mode.unit.id, name: mode.unit.name } : null}
          parentId={mode.kind === 'edit' ? mode.unit.parentId : mode.parent.id}
          current={drawing?.current ?? null}
          onCancel={() => setDrawing(null)}
          onDone={(boundary) => {
            form.setFields([{ name: 'boundary', value: JSON.stringify(boundary), errors: [] }]);
            setDrawing(null);
            void message.info(t('ui.units.draw.filled'));
          }}
        />
      )}
    </Modal>
  );
}
