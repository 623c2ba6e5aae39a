import { App, Col, Form, Input, InputNumber, Modal, Row, Select } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { HOUSEHOLD_USAGES } from '../../../shared/registry/buildings.schemas.js';
import { buildingsApi, householdsApi, registryKeys, type BuildingDetail, type HouseholdView } from '../../api/registry.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { useFormReset } from '../../components/useFormReset.js';
import { TagSelect, usageKey } from './common.js';

interface HouseholdValues {
  entranceId?: string | null;
  room?: string;
  floor?: number | null;
  usage?: string;
  tagIds?: string[];
}

/** Add a household (户) to a building: entrance, room, floor, use and tags. */
export function HouseholdFormModal({ building, open, preset, onClose, onSaved }: {
  building: BuildingDetail; open: boolean; preset?: { entranceId?: string | null; floor?: number | null } | null;
  onClose: () => void; onSaved: (h: HouseholdView) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<HouseholdValues>();
  useFormReset(form, open ? (preset ?? true) : null, {
    entranceId: preset?.entranceId ?? building.entrances[0]?.id ?? null, floor: preset?.floor ?? null, usage: 'owner_occupied', tagIds: [],
  });
  const save = useMutation({
    mutationFn: (v: HouseholdValues) => householdsApi.create({
      buildingId: building.id,
      entranceId: v.entranceId ?? null,
      room: (v.room ?? '').trim(),
      floor: v.floor ?? null,
      usage: v.usage as HouseholdView['usage'],
      tagIds: v.tagIds ?? [],
    }),
    onSuccess: (h) => {
      void message.success(t('ui.registry.household.created', { room: h.room }));
      void queryClient.invalidateQueries({ queryKey: registryKeys.buildings });
      onSaved(h);
    },
    onError: (e) => showApiError(e, message, form, ['entranceId', 'room', 'floor', 'usage', 'tagIds']),
  });
  return (
    <Modal
      open={open}
      title={t('ui.registry.household.createTitle', { building: building.name })}
      onCancel={onClose}
      okText={t('ui.common.save')}
      cancelText={t('ui.common.cancel')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Form<HouseholdValues> form={form} layout="vertical" data-testid="household-create-form" onFinish={(v) => save.mutate(v)}>
        <Row gutter={12}>
          <Col xs={24} sm={12}>
            <Form.Item name="entranceId" label={t('ui.registry.household.entrance')}>
              <Select
                allowClear
                placeholder={t('ui.registry.building.noEntrance')}
                options={building.entrances.map((e) => ({ value: e.id, label: e.name }))}
              />
            </Form.Item>
          </Col>
          <Col xs={12} sm={6}>
            <Form.Item name="room" label={t('ui.registry.household.room')} required>
              <Input maxLength={20} placeholder="0302" />
            </Form.Item>
          </Col>
          <Col xs={12} sm={6}>
            <Form.Item name="floor" label={t('ui.registry.household.floor')}>
              <InputNumber min={-10} max={200} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="usage" label={t('ui.registry.household.usage')}>
          <Select options={HOUSEHOLD_USAGES.map((u) => ({ value: u, label: t(usageKey(u)) }))} />
        </Form.Item>
        <Form.Item name="tagIds" label={t('ui.registry.household.tags')}>
          <TagSelect on="household" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Add an entrance (单元) to a building. */
export function EntranceModal({ building, open, onClose }: { building: BuildingDetail; open: boolean; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ name?: string }>();
  useFormReset(form, open || null);
  const save = useMutation({
    mutationFn: (v: { name?: string }) => buildingsApi.addEntrance(building.id, (v.name ?? '').trim()),
    onSuccess: (e) => {
      void message.success(t('ui.registry.building.entranceAdded', { name: e.name }));
      void queryClient.invalidateQueries({ queryKey: registryKeys.buildings });
      onClose();
    },
    onError: (e) => showApiError(e, message, form, ['name']),
  });
  return (
    <Modal
      open={open}
      title={t('ui.registry.building.addEntranceTitle', { name: building.name })}
      onCancel={onClose}
      okText={t('ui.common.save')}
      cancelText={t('ui.common.cancel')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
        <Form.Item name="name" label={t('ui.registry.building.entranceName')} required>
          <Input maxLength={50} placeholder={t('ui.registry.building.entrancePlaceholder', { n: building.entrances.length + 1 })} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
