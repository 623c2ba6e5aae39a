import { useState } from 'react';
import { App, Button, Drawer, Form, Grid, Input, Radio, Select, Space } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { UpdateDepartmentInput } from '../../../shared/case-settings.schemas.js';
import { caseSettingsApi, caseSettingsKeys, type DepartmentView } from '../../api/case-settings.js';
import { useLocale } from '../../app/i18n.js';
import { hasPermission, useCurrentUser } from '../../app/session.js';
import { organisationsApi } from '../../api/registry.js';
import { useDebounced } from '../../components/useDebounced.js';
import { showApiError } from '../../components/apiErrors.js';
import { levelKey } from '../../components/tags.js';
import { UnitPicker } from '../../components/UnitPicker.js';
import { useFormReset } from '../../components/useFormReset.js';
import { nameIn } from './common.js';

export type DepartmentFormMode = { kind: 'create' } | { kind: 'edit'; department: DepartmentView };

type ServingLevel = 'district' | 'street' | 'community';
type Kind = 'department' | 'partner';
/** Departments serve a district or a street; partner organisations (共建单位) a street or a community. */
const LEVELS: Record<Kind, ServingLevel[]> = { department: ['district', 'street'], partner: ['street', 'community'] };

interface Values {
  unitId?: string;
  code?: string;
  nameZh?: string;
  nameEn?: string;
  organisationId?: string;
}

const FIELDS = ['unitId', 'code', 'nameZh', 'nameEn', 'organisationId'];

/** Add a department serving a district or street (unit, code, names), or rename one. */
export function DepartmentFormDrawer({ mode, onClose }: { mode: DepartmentFormMode | null; onClose: () => void }) {
  const { t, locale } = useLocale();
  const { message } = App.useApp();
  const me = useCurrentUser();
  const queryClient = useQueryClient();
  const screens = Grid.useBreakpoint();
  const [form] = Form.useForm<Values>();
  const editing = mode?.kind === 'edit' ? mode.department : null;
  // Departments serve a district or a street: the picker offers one level at a time, the caller's own first.
  const ownLevel: ServingLevel = me.bindings.some((b) => ['province', 'city', 'district'].includes(b.unitLevel)) ? 'district' : 'street';
  const [kind, setKind] = useState<Kind>('department');
  const [level, setLevel] = useState<ServingLevel | null>(null);
  const servingLevel = level && LEVELS[kind].includes(level) ? level : LEVELS[kind].includes(ownLevel) ? ownLevel : LEVELS[kind][0]!;
  // A partner may be an organisation of the registry (searched by name when the caller reads the registry).
  const [orgSearch, setOrgSearch] = useState('');
  const orgQ = useDebounced(orgSearch.trim(), 300);
  const readsRegistry = hasPermission(me, 'registry.read');
  const orgs = useQuery({
    queryKey: ['case-settings', 'organisations', orgQ],
    enabled: !!mode && kind === 'partner' && readsRegistry,
    queryFn: () => organisationsApi.list({ q: orgQ || undefined, limit: 20, offset: 0 } as never),
  });
  useFormReset(form, mode, editing ? { nameZh: editing.nameZh, nameEn: editing.nameEn } : undefined);

  const close = () => {
    setLevel(null);
    setKind('department');
    onClose();
  };

  const save = useMutation({
    mutationFn: (v: Values) => {
      if (!editing) {
        return caseSettingsApi.createDepartment({
          unitId: v.unitId ?? '', code: (v.code ?? '').trim(), nameZh: v.nameZh ?? '', nameEn: v.nameEn ?? '', kind,
          ...(kind === 'partner' && v.organisationId ? { organisationId: v.organisationId } : {}),
        });
      }
      const patch: UpdateDepartmentInput = {};
      if (v.nameZh !== editing.nameZh) patch.nameZh = v.nameZh ?? '';
      if (v.nameEn !== editing.nameEn) patch.nameEn = v.nameEn ?? '';
      return caseSettingsApi.updateDepartment(editing.id, patch);
    },
    onSuccess: (d) => {
      void message.success(editing ? t('ui.case_settings.saved') : t('ui.case_settings.department_created', { name: nameIn(locale, d) }));
      void queryClient.invalidateQueries({ queryKey: caseSettingsKeys.departments });
      close();
    },
    onError: (e) => showApiError(e, message, form, FIELDS),
  });

  return (
    <Drawer
      open={!!mode}
      onClose={close}
      title={editing ? t('ui.case_settings.edit_department_title', { name: nameIn(locale, editing) }) : t('ui.case_settings.add_department_title')}
      size={screens.sm ? 440 : '100%'}
      destroyOnHidden
      extra={(
        <Space>
          <Button onClick={close}>{t('ui.common.cancel')}</Button>
          <Button type="primary" loading={save.isPending} onClick={() => form.submit()}>{t('ui.case_settings.save')}</Button>
        </Space>
      )}
    >
      <Form form={form} layout="vertical" data-testid="department-form" onFinish={(v) => save.mutate(v)}>
        {!editing && (
          <>
            <Form.Item label={t('ui.case_settings.kind')}>
              <Radio.Group
                value={kind}
                onChange={(e) => { setKind(e.target.value as Kind); form.setFieldValue('unitId', undefined); }}
                options={(['department', 'partner'] as const).map((k) => ({ value: k, label: t(`ui.case_settings.kind.${k}`) }))}
                data-testid="department-kind"
              />
            </Form.Item>
            <Form.Item label={t('ui.case_settings.unit_level')}>
              <Radio.Group
                value={servingLevel}
                onChange={(e) => { setLevel(e.target.value as ServingLevel); form.setFieldValue('unitId', undefined); }}
                optionType="button"
                options={LEVELS[kind].map((l) => ({ value: l, label: t(levelKey(l)) }))}
              />
            </Form.Item>
            <Form.Item name="unitId" label={t('ui.case_settings.serving_unit')} required>
              <UnitPicker level={servingLevel} />
            </Form.Item>
            <Form.Item name="code" label={t('ui.case_settings.code')} required extra={t('ui.case_settings.department_code_hint')}>
              <Input maxLength={41} autoComplete="off" />
            </Form.Item>
            {kind === 'partner' && readsRegistry && (
              <Form.Item name="organisationId" label={t('ui.case_settings.organisation')} extra={t('ui.case_settings.organisation_hint')}>
                <Select
                  allowClear showSearch filterOption={false} onSearch={setOrgSearch} loading={orgs.isFetching}
                  options={(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: o.name }))}
                  onChange={(id: string | undefined) => {
                    const o = orgs.data?.items.find((x) => x.id === id);
                    if (o && !form.getFieldValue('nameZh')) form.setFieldValue('nameZh', o.name);
                  }}
                />
              </Form.Item>
            )}
          </>
        )}
        <Form.Item name="nameZh" label={t('ui.case_settings.name_zh')} required>
          <Input maxLength={60} />
        </Form.Item>
        <Form.Item name="nameEn" label={t('ui.case_settings.name_en')} required>
          <Input maxLength={100} />
        </Form.Item>
      </Form>
    </Drawer>
  );
}
