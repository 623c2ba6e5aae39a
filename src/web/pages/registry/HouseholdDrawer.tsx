import { useState } from 'react';
import { Link } from 'react-router';
import { App, Button, Col, Descriptions, Drawer, Empty, Flex, Form, Input, InputNumber, List, Row, Select, Skeleton, Space, Tag, Typography } from 'antd';
import { EditOutlined, UserAddOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { HOUSEHOLD_USAGES } from '../../../shared/registry/buildings.schemas.js';
import { householdsApi, registryKeys, type HouseholdView, type UpdateHouseholdInput } from '../../api/registry.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';
import { genderKey, relationKey, RESIDENT_STATUS_COLORS, residentStatusKey, TagChips, TagSelect, usageKey } from './common.js';

interface Values {
  room?: string;
  floor?: number | null;
  usage?: string;
  tagIds?: string[];
}

/**
 * A household of the building view: its place, use and tags (editable where allowed) and the
 * people recorded in it, each a link to the resident.
 */
export function HouseholdDrawer({ householdId, onClose, onRegister }: {
  householdId: string | null; onClose: () => void; onRegister: (h: HouseholdView) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [editing, setEditing] = useState(false);
  const household = useQuery({
    queryKey: registryKeys.household(householdId ?? ''),
    queryFn: () => householdsApi.get(householdId!),
    enabled: !!householdId,
  });
  const h = household.data;

  const save = useMutation({
    mutationFn: (v: Values) => {
      const patch: UpdateHouseholdInput = {};
      if (v.room !== undefined && v.room.trim() !== h!.room) patch.room = v.room.trim();
      if ((v.floor ?? null) !== h!.floor) patch.floor = v.floor ?? null;
      if (v.usage !== h!.usage) patch.usage = v.usage as UpdateHouseholdInput['usage'];
      const tags = [...(v.tagIds ?? [])].sort();
      if (tags.join(',') !== h!.tags.map((x) => x.id).sort().join(',')) patch.tagIds = tags;
      return householdsApi.update(h!.id, patch);
    },
    onSuccess: (next) => {
      queryClient.setQueryData(registryKeys.household(next.id), next);
      void queryClient.invalidateQueries({ queryKey: registryKeys.buildings });
      void message.success(t('ui.registry.household.saved', { room: next.room }));
      setEditing(false);
    },
    onError: (e) => showApiError(e, message, form, ['room', 'floor', 'usage', 'tagIds']),
  });

  const startEdit = () => {
    if (!h) return;
    form.setFieldsValue({ room: h.room, floor: h.floor, usage: h.usage, tagIds: h.tags.map((x) => x.id) });
    setEditing(true);
  };

  return (
    <Drawer
      open={!!householdId}
      onClose={() => { setEditing(false); onClose(); }}
      size={480}
      title={h ? t('ui.registry.household.title', { building: h.building.name, room: [h.entrance?.name, h.room].filter(Boolean).join(' ') }) : t('ui.registry.household.loading')}
      destroyOnHidden
      extra={h?.abilities.update && !editing && (
        <Button icon={<EditOutlined />} onClick={startEdit}>{t('ui.common.edit')}</Button>
      )}
    >
      {household.isPending && <Skeleton active />}
      {household.isError && <Empty description={household.error.message} />}
      {h && (
        <Flex vertical gap={16} data-testid="household-drawer">
          {editing ? (
            <Form<Values> form={form} layout="vertical" data-testid="household-form" onFinish={(v) => save.mutate(v)}>
              <Row gutter={12}>
                <Col span={12}>
                  <Form.Item name="room" label={t('ui.registry.household.room')} required><Input maxLength={20} /></Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name="floor" label={t('ui.registry.household.floor')}><InputNumber min={-10} max={200} precision={0} style={{ width: '100%' }} /></Form.Item>
                </Col>
              </Row>
              <Form.Item name="usage" label={t('ui.registry.household.usage')}>
                <Select options={HOUSEHOLD_USAGES.map((u) => ({ value: u, label: t(usageKey(u)) }))} />
              </Form.Item>
              <Form.Item name="tagIds" label={t('ui.registry.household.tags')} extra={t('ui.registry.household.tagsHint')}>
                <TagSelect on="household" />
              </Form.Item>
              <Space>
                <Button type="primary" htmlType="submit" loading={save.isPending}>{t('ui.common.save')}</Button>
                <Button onClick={() => setEditing(false)}>{t('ui.common.cancel')}</Button>
              </Space>
            </Form>
          ) : (
            <Descriptions
              size="small"
              column={1}
              bordered
              items={[
                { key: 'address', label: t('ui.registry.building.address'), children: h.building.address ?? '—' },
                { key: 'entrance', label: t('ui.registry.household.entrance'), children: h.entrance?.name ?? t('ui.registry.building.noEntrance') },
                { key: 'floor', label: t('ui.registry.household.floor'), children: h.floor ?? '—' },
                { key: 'usage', label: t('ui.registry.household.usage'), children: t(usageKey(h.usage)) },
                { key: 'unit', label: t('ui.registry.resident.grid'), children: h.unit.name },
                { key: 'tags', label: t('ui.registry.household.tags'), children: <TagChips tags={h.tags} empty="—" /> },
              ]}
            />
          )}
          <Flex vertical gap={8}>
            <Flex justify="space-between" align="center">
              <Typography.Text strong>{t('ui.registry.household.membersTitle', { count: h.members.filter((m) => m.status === 'active').length })}</Typography.Text>
              {h.abilities.update && (
                <Button size="small" icon={<UserAddOutlined />} onClick={() => onRegister(h)}>{t('ui.registry.household.register')}</Button>
              )}
            </Flex>
            <List
              size="small"
              bordered
              data-testid="household-members"
              dataSource={h.members}
              locale={{ emptyText: t('ui.registry.household.noMembers') }}
              renderItem={(m) => (
                <List.Item>
                  <Flex vertical gap={2} style={{ width: '100%' }}>
                    <Flex justify="space-between" align="center" gap={8}>
                      <Link to={`/residents/${m.id}`} data-testid="member-link"><Typography.Text strong style={{ color: 'inherit' }}>{m.name}</Typography.Text></Link>
                      <Space size={4}>
                        {m.relation && <Typography.Text type="secondary">{t(relationKey(m.relation))}</Typography.Text>}
                        {m.status !== 'active' && <Tag color={RESIDENT_STATUS_COLORS[m.status]}>{t(residentStatusKey(m.status))}</Tag>}
                      </Space>
                    </Flex>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {[m.gender ? t(genderKey(m.gender)) : null, m.age !== null ? t('ui.registry.resident.ageYears', { age: m.age }) : null].filter(Boolean).join(' · ')}
                    </Typography.Text>
                    <TagChips tags={m.tags} small />
                  </Flex>
                </List.Item>
              )}
            />
          </Flex>
        </Flex>
      )}
    </Drawer>
  );
}
