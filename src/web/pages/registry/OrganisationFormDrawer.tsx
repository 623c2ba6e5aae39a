import { App, Button, Col, Drawer, Form, Input, InputNumber, Row, Select, Space } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ORGANISATION_KINDS } from '../../../shared/registry/organisations.schemas.js';
import { parseUscc } from '../../../shared/validation/uscc.js';
import { organisationsApi, registryKeys, type OrganisationView, type UpdateOrganisationInput } from '../../api/registry.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useFormReset } from '../../components/useFormReset.js';
import { orgKindKey } from './common.js';
import { BuildingSelect } from './HouseholdPicker.js';

export type OrganisationFormMode = { kind: 'create' } | { kind: 'edit'; organisation: OrganisationView };

interface Values {
  kind?: string;
  name?: string;
  uscc?: string;
  contactName?: string;
  contactPhone?: string;
  address?: string;
  unitId?: string;
  buildingId?: string | null;
  lng?: number | null;
  lat?: number | null;
}

const FIELDS = ['kind', 'name', 'uscc', 'contactName', 'contactPhone', 'address', 'unitId', 'buildingId', 'lng', 'lat'];
const text = (v: string | undefined) => (v ?? '').trim();

/**
 * Record or change an enterprise, institution, merchant or social organisation. The unified social
 * credit code is checked here as it is typed (GB 32100 check character); the server checks it again
 * along with everything else, and its field errors land on the fields.
 */
export function OrganisationFormDrawer({ mode, onClose }: { mode: OrganisationFormMode | null; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const editing = mode?.kind === 'edit' ? mode.organisation : null;
  useFormReset(form, mode, editing
    ? {
      kind: editing.kind, name: editing.name, uscc: editing.uscc ?? '', contactName: editing.contactName ?? '', contactPhone: '',
      address: editing.address ?? '', unitId: editing.unit.id, buildingId: editing.building?.id ?? null, lng: editing.lng, lat: editing.lat,
    }
    : { kind: 'enterprise' });

  const save = useMutation({
    mutationFn: (v: Values) => {
      const uscc = text(v.uscc) ? text(v.uscc).toUpperCase().replace(/\s+/g, '') : null;
      if (!editing) {
        return organisationsApi.create({
          kind: v.kind as OrganisationView['kind'],
          name: text(v.name),
          uscc,
          contactName: text(v.contactName) || null,
          contactPhone: text(v.contactPhone) || null,
          address: text(v.address) || null,
          unitId: v.buildingId ? undefined : v.unitId,
          buildingId: v.buildingId || null,
          lng: v.lng ?? null,
          lat: v.lat ?? null,
        });
      }
      const o = editing;
      const patch: UpdateOrganisationInput = {};
      if (v.kind !== o.kind) patch.kind = v.kind as OrganisationView['kind'];
      if (text(v.name) !== o.name) patch.name = text(v.name);
      if (uscc !== o.uscc) patch.uscc = uscc;
      if ((text(v.contactName) || null) !== o.contactName) patch.contactName = text(v.contactName) || null;
      if (text(v.contactPhone)) patch.contactPhone = text(v.contactPhone);
      if ((text(v.address) || null) !== o.address) patch.address = text(v.address) || null;
      if ((v.buildingId || null) !== (o.building?.id ?? null)) patch.buildingId = v.buildingId || null;
      if (v.unitId && v.unitId !== o.unit.id && !v.buildingId) patch.unitId = v.unitId;
      if ((v.lng ?? null) !== o.lng) patch.lng = v.lng ?? null;
      if ((v.lat ?? null) !== o.lat) patch.lat = v.lat ?? null;
      return organisationsApi.update(o.id, patch);
    },
    onSuccess: (o) => {
      void message.success(t(editing ? 'ui.registry.org.saved' : 'ui.registry.org.created', { name: o.name }));
      void queryClient.invalidateQueries({ queryKey: registryKeys.organisations });
      onClose();
    },
    onError: (e) => showApiError(e, message, form, FIELDS),
  });

  return (
    <Drawer
      open={!!mode}
      onClose={onClose}
      title={editing ? t('ui.registry.org.editTitle', { name: editing.name }) : t('ui.registry.org.createTitle')}
      size={520}
      destroyOnHidden
      extra={(
        <Space>
          <Button onClick={onClose}>{t('ui.common.cancel')}</Button>
          <Button type="primary" loading={save.isPending} onClick={() => form.submit()}>{t('ui.common.save')}</Button>
        </Space>
      )}
    >
      <Form<Values> form={form} layout="vertical" data-testid="org-form" onFinish={(v) => save.mutate(v)}>
        <Row gutter={12}>
          <Col xs={24} sm={8}>
            <Form.Item name="kind" label={t('ui.registry.org.kind')} required>
              <Select options={ORGANISATION_KINDS.map((k) => ({ value: k, label: t(orgKindKey(k)) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={16}>
            <Form.Item name="name" label={t('ui.registry.org.name')} required>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item
          name="uscc"
          label={t('ui.registry.org.uscc')}
          extra={t('ui.registry.org.usccHint')}
          validateDebounce={300}
          rules={[{
            validator: async (_, value: string | undefined) => {
              const v = (value ?? '').trim();
              if (!v) return;
              const parsed = parseUscc(v);
              if (!parsed.ok) throw new Error(t(parsed.problem === 'format' ? 'organisation.uscc_format' : 'organisation.uscc_check'));
            },
          }]}
        >
          <Input maxLength={30} style={{ fontFamily: 'ui-monospace, Menlo, Consolas, monospace', textTransform: 'uppercase' }} autoComplete="off" />
        </Form.Item>
        <Row gutter={12}>
          <Col xs={24} sm={12}>
            <Form.Item name="contactName" label={t('ui.registry.org.contactName')}>
              <Input maxLength={50} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item
              name="contactPhone"
              label={t('ui.registry.org.contactPhone')}
              extra={editing ? t('ui.registry.resident.keepHint', { value: editing.contactPhone ?? t('ui.registry.none') }) : undefined}
            >
              <Input maxLength={20} inputMode="tel" autoComplete="off" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="address" label={t('ui.registry.org.address')}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="buildingId" label={t('ui.registry.org.building')} extra={t('ui.registry.org.buildingHint')}>
          <BuildingSelect initial={editing?.building ?? null} placeholder={t('ui.registry.org.buildingPlaceholder')} />
        </Form.Item>
        <Form.Item name="unitId" label={t('ui.registry.org.unit')} extra={t('ui.registry.org.unitHint')}>
          <UnitPicker initial={editing?.unit ?? null} />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="lng" label={t('ui.registry.building.lng')}>
              <InputNumber min={-180} max={180} step={0.0001} precision={6} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="lat" label={t('ui.registry.building.lat')}>
              <InputNumber min={-90} max={90} step={0.0001} precision={6} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Drawer>
  );
}
