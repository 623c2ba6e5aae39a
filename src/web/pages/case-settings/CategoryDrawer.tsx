import { Alert, App, Button, Drawer, Form, Grid, Input, InputNumber, Select, Space, Switch, type FormInstance } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { HANDLING_LEVELS, TIME_LIMIT_UNITS, type UpdateCategoryInput } from '../../../shared/case-settings.schemas.js';
import { ApiError } from '../../api/client.js';
import { caseSettingsApi, caseSettingsKeys, type CategoryAdminView } from '../../api/case-settings.js';
import { caseKeys } from '../../api/cases.js';
import { useLocale } from '../../app/i18n.js';
import { showApiError, type MessageApi } from '../../components/apiErrors.js';
import { levelKey } from '../../components/tags.js';
import { useFormReset } from '../../components/useFormReset.js';
import { LIMIT_KEYS, limitLabel, nameIn, unitLabel, type LimitKey, type LimitUnit } from './common.js';

export type CategoryDrawerMode =
  | { kind: 'create'; parent: CategoryAdminView | null }
  | { kind: 'edit'; category: CategoryAdminView };

type Level = (typeof HANDLING_LEVELS)[number];
type Limits = Record<LimitKey, { amount?: number | null; unit?: LimitUnit }>;

interface Values {
  code?: string;
  nameZh?: string;
  nameEn?: string;
  limits?: Limits;
  defaultLevel?: Level;
  departmentCode?: string | null;
  sortOrder?: number | null;
  isActive?: boolean;
}

const FIELDS = { code: 'code', parentCode: 'code', nameZh: 'nameZh', nameEn: 'nameEn', defaultLevel: 'defaultLevel', departmentCode: 'departmentCode', sortOrder: 'sortOrder', isActive: 'isActive' };
const LIMIT_FIELDS = LIMIT_KEYS.flatMap((k) => [['limits', k, 'amount'], ['limits', k, 'unit']]);

/** An API error on its field; a limit's error ("limits.handle.amount", or "limits" as a whole) on that limit. */
function showCategoryError(e: unknown, message: MessageApi, form: FormInstance): void {
  form.setFields(LIMIT_FIELDS.map((name) => ({ name, errors: [] })));
  if (e instanceof ApiError && e.field?.split('.')[0] === 'limits') {
    const [, key, part] = e.field.split('.');
    const k: LimitKey = LIMIT_KEYS.find((x) => x === key) ?? 'accept';
    form.setFields([{ name: ['limits', k, part === 'unit' ? 'unit' : 'amount'], errors: [e.message] }]);
    return;
  }
  showApiError(e, message, form, FIELDS);
}

const limitsOf = (c: CategoryAdminView): Limits =>
  Object.fromEntries(LIMIT_KEYS.map((k) => [k, { ...c.limits[k] }])) as Limits;
const limitInput = (l: Limits[LimitKey] | undefined) => ({ unit: l?.unit as LimitUnit, amount: l?.amount ?? 0 });

/** Add a top class or a subcategory, or edit one: names, the four limits, level, department, order, active. */
export function CategoryDrawer({ mode, departments, onClose }: {
  mode: CategoryDrawerMode | null;
  /** Known department codes and their names (null when no department in scope has the code). */
  departments: Map<string, string | null>;
  onClose: () => void;
}) {
  const { t, locale } = useLocale();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const screens = Grid.useBreakpoint();
  const [form] = Form.useForm<Values>();
  const editing = mode?.kind === 'edit' ? mode.category : null;
  const parent = mode?.kind === 'create' ? mode.parent : null;
  const base = editing ?? parent;
  useFormReset(form, mode, base
    ? {
      ...(editing ? { nameZh: editing.nameZh, nameEn: editing.nameEn, sortOrder: editing.sortOrder, isActive: editing.isActive } : {}),
      limits: limitsOf(base),
      defaultLevel: base.defaultLevel,
      departmentCode: base.departmentCode,
    }
    : {
      defaultLevel: 'grid',
      limits: {
        accept: { unit: 'working_hours' }, handle: { unit: 'working_days' }, verify: { unit: 'working_days' }, urgentHandle: { unit: 'clock_hours' },
      },
    });

  const save = useMutation({
    mutationFn: (v: Values) => {
      if (!editing) {
        return caseSettingsApi.createCategory({
          parentCode: parent?.code,
          code: (v.code ?? '').trim(),
          nameZh: v.nameZh ?? '',
          nameEn: v.nameEn ?? '',
          limits: {
            accept: limitInput(v.limits?.accept), handle: limitInput(v.limits?.handle),
            verify: limitInput(v.limits?.verify), urgentHandle: limitInput(v.limits?.urgentHandle),
          },
          defaultLevel: v.defaultLevel,
          departmentCode: v.departmentCode ?? null,
          sortOrder: v.sortOrder ?? undefined,
        });
      }
      // Only what changed: the audit names the changed fields.
      const patch: UpdateCategoryInput = {};
      if (v.nameZh !== editing.nameZh) patch.nameZh = v.nameZh ?? '';
      if (v.nameEn !== editing.nameEn) patch.nameEn = v.nameEn ?? '';
      for (const k of LIMIT_KEYS) {
        const l = v.limits?.[k];
        if (l?.amount !== editing.limits[k].amount || l?.unit !== editing.limits[k].unit) (patch.limits ??= {})[k] = limitInput(l);
      }
      if (v.defaultLevel !== editing.defaultLevel) patch.defaultLevel = v.defaultLevel;
      if ((v.departmentCode ?? null) !== editing.departmentCode) patch.departmentCode = v.departmentCode ?? null;
      if ((v.sortOrder ?? 0) !== editing.sortOrder) patch.sortOrder = v.sortOrder ?? 0;
      if (v.isActive !== editing.isActive) patch.isActive = v.isActive;
      return caseSettingsApi.updateCategory(editing.code, patch);
    },
    onSuccess: (c) => {
      void message.success(editing ? t('ui.case_settings.saved') : t('ui.case_settings.created', { name: nameIn(locale, c) }));
      void queryClient.invalidateQueries({ queryKey: caseSettingsKeys.categories });
      void queryClient.invalidateQueries({ queryKey: caseKeys.categories });
      onClose();
    },
    onError: (e) => showCategoryError(e, message, form),
  });

  const departmentOptions = [...departments.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, name]) => ({ value: code, label: name ? `${name}（${code}）` : code }));

  return (
    <Drawer
      open={!!mode}
      onClose={onClose}
      title={editing
        ? t('ui.case_settings.edit_title', { name: nameIn(locale, editing) })
        : parent ? t('ui.case_settings.add_child_title', { name: nameIn(locale, parent) }) : t('ui.case_settings.add_top_title')}
      size={screens.sm ? 480 : '100%'}
      destroyOnHidden
      extra={(
        <Space>
          <Button onClick={onClose}>{t('ui.common.cancel')}</Button>
          <Button type="primary" loading={save.isPending} onClick={() => form.submit()}>{t('ui.case_settings.save')}</Button>
        </Space>
      )}
    >
      <Form form={form} layout="vertical" data-testid="category-form" onFinish={(v) => save.mutate(v)}>
        {editing
          ? <Form.Item label={t('ui.case_settings.code')}><Input value={editing.code} disabled /></Form.Item>
          : (
            <Form.Item name="code" label={t('ui.case_settings.code')} required extra={t('ui.case_settings.code_hint')}>
              <Input prefix={parent ? `${parent.code}.` : undefined} maxLength={41} autoComplete="off" />
            </Form.Item>
          )}
        <Form.Item name="nameZh" label={t('ui.case_settings.name_zh')} required>
          <Input maxLength={40} />
        </Form.Item>
        <Form.Item name="nameEn" label={t('ui.case_settings.name_en')} required>
          <Input maxLength={80} />
        </Form.Item>
        {(editing || parent) && (
          <Alert type="info" showIcon style={{ marginBottom: 16 }} title={editing ? t('ui.case_settings.limits_note') : t('ui.case_settings.child_hint')} />
        )}
        {LIMIT_KEYS.map((k) => (
          <Form.Item key={k} label={t(limitLabel[k])} required data-testid={`limit-field-${k}`}>
            <Space.Compact style={{ width: '100%' }}>
              <Form.Item
                name={['limits', k, 'amount']}
                noStyle
                rules={[{ validator: async (_, v: number | null | undefined) => {
                  if (typeof v !== 'number' || !(v > 0) || v > 1000) throw new Error(t('ui.case_settings.amount_positive'));
                } }]}
              >
                <InputNumber min={0} max={1000} style={{ width: '50%' }} aria-label={`${t(limitLabel[k])} ${t('ui.case_settings.limit_amount')}`} />
              </Form.Item>
              <Form.Item name={['limits', k, 'unit']} noStyle>
                <Select
                  style={{ width: '50%' }}
                  aria-label={`${t(limitLabel[k])} ${t('ui.case_settings.limit_unit')}`}
                  options={TIME_LIMIT_UNITS.map((u) => ({ value: u, label: t(unitLabel(u)) }))}
                />
              </Form.Item>
            </Space.Compact>
          </Form.Item>
        ))}
        <Form.Item name="defaultLevel" label={t('ui.case_settings.default_level')}>
          <Select options={HANDLING_LEVELS.map((l) => ({ value: l, label: t(levelKey(l)) }))} />
        </Form.Item>
        <Form.Item name="departmentCode" label={t('ui.case_settings.department')}>
          <Select allowClear showSearch={{ optionFilterProp: 'label' }} placeholder={t('ui.case_settings.department_placeholder')} options={departmentOptions} />
        </Form.Item>
        <Form.Item name="sortOrder" label={t('ui.case_settings.sort_order')}>
          <InputNumber min={0} max={100000} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        {editing && (
          <Form.Item name="isActive" label={t('ui.case_settings.active')} valuePropName="checked">
            <Switch />
          </Form.Item>
        )}
      </Form>
    </Drawer>
  );
}
