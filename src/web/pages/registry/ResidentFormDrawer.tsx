import { useEffect, useState } from 'react';
import { Alert, App, Button, Col, DatePicker, Drawer, Form, Input, Radio, Row, Select, Space } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Dayjs } from 'dayjs';
import { GENDERS, POLITICAL_STATUSES, RELATIONS, RESIDENCE_TYPES } from '../../../shared/registry/residents.schemas.js';
import { parseIdNumber } from '../../../shared/validation/id-number.js';
import { ApiError } from '../../api/client.js';
import { registryKeys, residentsApi, type ResidentView, type UpdateResidentInput } from '../../api/registry.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useFormReset } from '../../components/useFormReset.js';
import { genderKey, politicalKey, relationKey, residenceKey, TagSelect } from './common.js';
import { afterToday, fromDay, toDay } from './dates.js';
import { HouseholdPicker } from './HouseholdPicker.js';

export type ResidentFormMode =
  | { kind: 'create'; household?: { buildingId: string; buildingName: string; entranceId: string | null; householdId: string } }
  | { kind: 'edit'; resident: ResidentView };

interface Values {
  placement: 'household' | 'unit';
  householdId?: string;
  unitId?: string;
  name?: string;
  idNumber?: string;
  gender?: string | null;
  birthDate?: Dayjs | null;
  phone?: string;
  ethnicity?: string;
  politicalStatus?: string | null;
  relation?: string | null;
  residenceType?: string;
  movedInOn?: Dayjs | null;
  tagIds?: string[];
}

const FIELDS = ['householdId', 'unitId', 'name', 'idNumber', 'gender', 'birthDate', 'phone', 'ethnicity', 'politicalStatus', 'relation', 'residenceType', 'movedInOn', 'tagIds'];

function valuesOf(r: ResidentView): Partial<Values> {
  return {
    name: r.name,
    idNumber: '',
    phone: '',
    gender: r.gender,
    birthDate: toDay(r.birthDate) ?? null,
    ethnicity: r.ethnicity ?? '',
    politicalStatus: r.politicalStatus,
    relation: r.relation,
    residenceType: r.residenceType,
    movedInOn: toDay(r.movedInOn) ?? null,
    tagIds: r.tags.map((x) => x.id),
  };
}

const text = (v: string | undefined) => (v ?? '').trim();

/**
 * Register a resident (in a household picked building → entrance → room, or in a grid) or change
 * one. A change carries the version that was read: if someone else saved meanwhile, the server
 * refuses (409) and the form offers to reload. Field errors from the server land on their fields.
 */
export function ResidentFormDrawer({ mode, onClose, onSaved }: { mode: ResidentFormMode | null; onClose: () => void; onSaved: (r: ResidentView) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [editing, setEditing] = useState<ResidentView | null>(null);
  const [conflict, setConflict] = useState(false);
  const current = mode?.kind === 'edit' ? (editing?.id === mode.resident.id ? editing : mode.resident) : null;
  const placement = Form.useWatch('placement', form);

  useFormReset(form, mode, mode?.kind === 'edit'
    ? valuesOf(mode.resident)
    : { placement: 'household', residenceType: 'registered', householdId: mode?.household?.householdId, tagIds: [] });
  // Opened for another record (or closed): forget the reloaded copy and the conflict.
  useEffect(() => {
    setEditing(null);
    setConflict(false);
  }, [mode]);

  const save = useMutation({
    mutationFn: (v: Values) => {
      if (!mode) throw new Error('closed');
      if (mode.kind === 'create') {
        return residentsApi.create({
          ...(v.placement === 'unit' ? { unitId: v.unitId } : { householdId: v.householdId }),
          name: text(v.name),
          idNumber: text(v.idNumber) || null,
          gender: (v.gender as ResidentView['gender']) ?? null,
          birthDate: fromDay(v.birthDate),
          phone: text(v.phone) || null,
          ethnicity: text(v.ethnicity) || null,
          politicalStatus: (v.politicalStatus as UpdateResidentInput['politicalStatus']) ?? null,
          relation: (v.relation as UpdateResidentInput['relation']) ?? null,
          residenceType: v.residenceType as UpdateResidentInput['residenceType'],
          movedInOn: fromDay(v.movedInOn),
          tagIds: v.tagIds ?? [],
        });
      }
      const r = current!;
      const patch: UpdateResidentInput = { version: r.version };
      if (text(v.name) !== r.name) patch.name = text(v.name);
      if (text(v.idNumber)) patch.idNumber = text(v.idNumber);
      if (text(v.phone)) patch.phone = text(v.phone);
      if ((v.gender ?? null) !== r.gender) patch.gender = (v.gender as ResidentView['gender']) ?? null;
      if (fromDay(v.birthDate) !== r.birthDate) patch.birthDate = fromDay(v.birthDate);
      if ((text(v.ethnicity) || null) !== r.ethnicity) patch.ethnicity = text(v.ethnicity) || null;
      if ((v.politicalStatus ?? null) !== r.politicalStatus) patch.politicalStatus = (v.politicalStatus as UpdateResidentInput['politicalStatus']) ?? null;
      if ((v.relation ?? null) !== r.relation) patch.relation = (v.relation as UpdateResidentInput['relation']) ?? null;
      if (v.residenceType !== r.residenceType) patch.residenceType = v.residenceType as UpdateResidentInput['residenceType'];
      if (fromDay(v.movedInOn) !== r.movedInOn) patch.movedInOn = fromDay(v.movedInOn);
      const tags = [...(v.tagIds ?? [])].sort();
      if (tags.join(',') !== r.tags.map((x) => x.id).sort().join(',')) patch.tagIds = tags;
      return residentsApi.update(r.id, patch);
    },
    onSuccess: (r) => {
      void message.success(t(mode?.kind === 'edit' ? 'ui.registry.resident.saved' : 'ui.registry.resident.created', { name: r.name }));
      queryClient.setQueryData(registryKeys.resident(r.id), r);
      void queryClient.invalidateQueries({ queryKey: registryKeys.residents });
      void queryClient.invalidateQueries({ queryKey: registryKeys.buildings });
      onSaved(r);
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 409 && e.code === 'conflict') {
        setConflict(true);
        return;
      }
      showApiError(e, message, form, FIELDS);
    },
  });

  const reload = useMutation({
    mutationFn: () => residentsApi.get(current!.id),
    onSuccess: (r) => {
      setEditing(r);
      setConflict(false);
      queryClient.setQueryData(registryKeys.resident(r.id), r);
      form.resetFields();
      form.setFieldsValue(valuesOf(r));
    },
    onError: (e) => showApiError(e, message),
  });

  // A valid ID number fills in the gender and birth date it holds, where they are still empty.
  const onIdNumber = (raw: string) => {
    const parsed = parseIdNumber(raw);
    if (!parsed.ok) return;
    if (!form.getFieldValue('gender')) form.setFieldValue('gender', parsed.info.gender);
    if (!form.getFieldValue('birthDate')) form.setFieldValue('birthDate', toDay(parsed.info.birthDate));
  };

  const isEdit = mode?.kind === 'edit';
  return (
    <Drawer
      open={!!mode}
      onClose={onClose}
      title={isEdit ? t('ui.registry.resident.editTitle', { name: current?.name ?? '' }) : t('ui.registry.resident.createTitle')}
      size={560}
      destroyOnHidden
      extra={(
        <Space>
          <Button onClick={onClose}>{t('ui.common.cancel')}</Button>
          <Button type="primary" loading={save.isPending} disabled={conflict} onClick={() => form.submit()}>{t('ui.common.save')}</Button>
        </Space>
      )}
    >
      {conflict && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="conflict"
          title={t('ui.registry.resident.conflict')}
          action={<Button size="small" icon={<ReloadOutlined />} loading={reload.isPending} onClick={() => reload.mutate()}>{t('ui.registry.resident.reload')}</Button>}
        />
      )}
      <Form<Values> form={form} layout="vertical" data-testid="resident-form" onFinish={(v) => save.mutate(v)}>
        {!isEdit && (
          <>
            <Form.Item name="placement" label={t('ui.registry.resident.placement')}>
              <Radio.Group
                optionType="button"
                options={[
                  { value: 'household', label: t('ui.registry.resident.placeHousehold') },
                  { value: 'unit', label: t('ui.registry.resident.placeUnit') },
                ]}
              />
            </Form.Item>
            {placement === 'unit' ? (
              <Form.Item name="unitId" label={t('ui.registry.resident.unit')} required extra={t('ui.registry.resident.unitHint')}>
                <UnitPicker level="grid" />
              </Form.Item>
            ) : (
              <Form.Item name="householdId" label={t('ui.registry.resident.household')} required>
                <HouseholdPicker initial={mode?.kind === 'create' && mode.household ? mode.household : null} />
              </Form.Item>
            )}
          </>
        )}
        <Row gutter={12}>
          <Col xs={24} sm={12}>
            <Form.Item name="name" label={t('ui.registry.resident.name')} required>
              <Input maxLength={50} autoComplete="off" />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item
              name="idNumber"
              label={t('ui.registry.resident.idNumber')}
              extra={isEdit ? t('ui.registry.resident.keepHint', { value: current?.idNumber ?? t('ui.registry.none') }) : undefined}
            >
              <Input maxLength={25} autoComplete="off" style={{ fontFamily: 'ui-monospace, Menlo, Consolas, monospace' }} onChange={(e) => onIdNumber(e.target.value)} />
            </Form.Item>
          </Col>
          <Col xs={12} sm={12}>
            <Form.Item name="gender" label={t('ui.registry.resident.gender')}>
              <Select allowClear options={GENDERS.map((g) => ({ value: g, label: t(genderKey(g)) }))} />
            </Form.Item>
          </Col>
          <Col xs={12} sm={12}>
            <Form.Item name="birthDate" label={t('ui.registry.resident.birthDate')}>
              <DatePicker style={{ width: '100%' }} disabledDate={afterToday} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item
              name="phone"
              label={t('ui.registry.resident.phone')}
              extra={isEdit ? t('ui.registry.resident.keepHint', { value: current?.phone ?? t('ui.registry.none') }) : undefined}
            >
              <Input maxLength={20} inputMode="tel" autoComplete="off" />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="ethnicity" label={t('ui.registry.resident.ethnicity')}>
              <Input maxLength={20} placeholder={t('ui.registry.resident.ethnicityPlaceholder')} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="politicalStatus" label={t('ui.registry.resident.politicalStatus')}>
              <Select allowClear options={POLITICAL_STATUSES.map((p) => ({ value: p, label: t(politicalKey(p)) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="relation" label={t('ui.registry.resident.relation')}>
              <Select allowClear options={RELATIONS.map((r) => ({ value: r, label: t(relationKey(r)) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="residenceType" label={t('ui.registry.resident.residenceType')}>
              <Select options={RESIDENCE_TYPES.map((r) => ({ value: r, label: t(residenceKey(r)) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="movedInOn" label={t('ui.registry.resident.movedInOn')}>
              <DatePicker style={{ width: '100%' }} disabledDate={afterToday} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="tagIds" label={t('ui.registry.resident.tags')}>
          <TagSelect on="resident" />
        </Form.Item>
      </Form>
    </Drawer>
  );
}
