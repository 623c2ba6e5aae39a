import { App, Col, Form, Input, InputNumber, Modal, Row, Select } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { BUILDING_TYPES } from '../../../shared/registry/buildings.schemas.js';
import { buildingsApi, registryKeys, type BuildingDetail, type BuildingView, type UpdateBuildingInput } from '../../api/registry.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useFormReset } from '../../components/useFormReset.js';
import { buildingTypeKey } from './common.js';

export type BuildingFormMode = { kind: 'create'; unitId?: string } | { kind: 'edit'; building: BuildingView };

interface Values {
  unitId?: string;
  name?: string;
  address?: string;
  floors?: number | null;
  buildingType?: string;
  lng?: number | null;
  lat?: number | null;
}

const FIELDS = ['unitId', 'name', 'address', 'floors', 'buildingType', 'lng', 'lat'];

/**
 * Record a building in a grid or micro-grid, or change one: name, address, floors, type, location.
 * A new building with a location may leave its grid out: the server puts it in the grid holding the point.
 */
export function BuildingFormModal({ mode, onClose, onSaved }: { mode: BuildingFormMode | null; onClose: () => void; onSaved: (b: BuildingDetail) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const editing = mode?.kind === 'edit' ? mode.building : null;
  // With a location, the unit may be left out: the server places the building in the grid holding the point.
  const lng = Form.useWatch('lng', form);
  const lat = Form.useWatch('lat', form);
  const located = typeof lng === 'number' && typeof lat === 'number';
  useFormReset(form, mode, editing
    ? { name: editing.name, address: editing.address ?? '', floors: editing.floors, buildingType: editing.buildingType, lng: editing.lng, lat: editing.lat }
    : { unitId: mode?.kind === 'create' ? mode.unitId : undefined, buildingType: 'residential' });

  const save = useMutation({
    mutationFn: (v: Values) => {
      const common = {
        name: (v.name ?? '').trim(),
        address: v.address?.trim() || null,
        floors: v.floors ?? null,
        buildingType: v.buildingType as UpdateBuildingInput['buildingType'],
        lng: v.lng ?? null,
        lat: v.lat ?? null,
      };
      if (!editing) return buildingsApi.create({ unitId: v.unitId || undefined, ...common });
      return buildingsApi.update(editing.id, common);
    },
    onSuccess: (b) => {
      void message.success(t(editing ? 'ui.registry.building.saved' : 'ui.registry.building.created', { name: b.name }));
      void queryClient.invalidateQueries({ queryKey: registryKeys.buildings });
      onSaved(b);
    },
    onError: (e) => showApiError(e, message, form, FIELDS),
  });

  return (
    <Modal
      open={!!mode}
      title={editing ? t('ui.registry.building.editTitle', { name: editing.name }) : t('ui.registry.building.createTitle')}
      onCancel={onClose}
      okText={t('ui.common.save')}
      cancelText={t('ui.common.cancel')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Form<Values> form={form} layout="vertical" data-testid="building-form" onFinish={(v) => save.mutate(v)}>
        {!editing && (
          <Form.Item
            name="unitId"
            label={t('ui.registry.building.unit')}
            required={!located}
            extra={located ? t('ui.registry.building.unitByPoint') : t('ui.registry.building.unitHint')}
          >
            <UnitPicker placeholder={located ? t('ui.registry.building.unitByPointPlaceholder') : undefined} />
          </Form.Item>
        )}
        <Form.Item name="name" label={t('ui.registry.building.name')} required>
          <Input maxLength={100} placeholder={t('ui.registry.building.namePlaceholder')} />
        </Form.Item>
        <Form.Item name="address" label={t('ui.registry.building.address')}>
          <Input maxLength={200} />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="floors" label={t('ui.registry.building.floors')}>
              <InputNumber min={1} max={200} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="buildingType" label={t('ui.registry.building.type')}>
              <Select options={BUILDING_TYPES.map((b) => ({ value: b, label: t(buildingTypeKey(b)) }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="lng" label={t('ui.registry.building.lng')} extra={t('ui.registry.building.locationHint')}>
              <InputNumber min={-180} max={180} step={0.0001} precision={6} style={{ width: '100%' }} placeholder="114.2265" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="lat" label={t('ui.registry.building.lat')}>
              <InputNumber min={-90} max={90} step={0.0001} precision={6} style={{ width: '100%' }} placeholder="30.5431" />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Modal>
  );
}
