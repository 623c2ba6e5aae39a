import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Button, Card, Col, Descriptions, Dropdown, Empty, Flex, Row, Skeleton, Space, Tag, Typography } from 'antd';
import { ArrowLeftOutlined, DownOutlined, EditOutlined, EyeOutlined, HomeOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { registryKeys, residentsApi } from '../../api/registry.js';
import { useT } from '../../app/i18n.js';
import { LevelTag } from '../../components/tags.js';
import { genderKey, householdLabel, politicalKey, relationKey, residenceKey, RESIDENT_STATUS_COLORS, residentStatusKey, TagChips, useRefetchOnLocale } from './common.js';
import { ResidentActionModal, type ResidentAction } from './ResidentActions.js';
import { ResidentFormDrawer, type ResidentFormMode } from './ResidentFormDrawer.js';
import { ResidentHistory } from './ResidentHistory.js';
import { RevealModal } from './RevealModal.js';

const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' };

/** One resident: who, where (household → building view, grid, community), tags, history, and the actions allowed. */
export default function ResidentPage() {
  useRefetchOnLocale();
  const t = useT();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const resident = useQuery({ queryKey: registryKeys.resident(id), queryFn: () => residentsApi.get(id) });
  const [revealing, setRevealing] = useState(false);
  const [formMode, setFormMode] = useState<ResidentFormMode | null>(null);
  const [action, setAction] = useState<ResidentAction | null>(null);

  if (resident.isPending) return <Card><Skeleton active /></Card>;
  if (resident.isError) {
    return (
      <Card>
        <Empty description={resident.error.message}>
          <Button onClick={() => navigate('/residents')}>{t('ui.registry.resident.backToList')}</Button>
        </Empty>
      </Card>
    );
  }
  const r = resident.data;
  const active = r.status === 'active';
  const dash = <Typography.Text type="secondary">—</Typography.Text>;

  return (
    <Flex vertical gap={12} data-testid="resident-page">
      <Card size="small">
        <Flex justify="space-between" align="flex-start" wrap gap={8}>
          <Space align="center" size={8} wrap>
            <Button type="text" icon={<ArrowLeftOutlined />} aria-label={t('ui.registry.resident.backToList')} onClick={() => (window.history.length > 1 ? navigate(-1) : navigate('/residents'))} />
            <Typography.Title level={4} style={{ margin: 0 }} data-testid="resident-name">{r.name}</Typography.Title>
            <Tag color={RESIDENT_STATUS_COLORS[r.status]}>{t(residentStatusKey(r.status))}</Tag>
            <TagChips tags={r.tags} />
          </Space>
          <Space wrap size={8}>
            {r.abilities.reveal && (r.idNumber || r.phone) && (
              <Button icon={<EyeOutlined />} onClick={() => setRevealing(true)}>{t('ui.registry.reveal.open')}</Button>
            )}
            {r.abilities.update && active && (
              <>
                <Button type="primary" icon={<EditOutlined />} onClick={() => setFormMode({ kind: 'edit', resident: r })}>{t('ui.common.edit')}</Button>
                <Dropdown
                  menu={{
                    items: [
                      { key: 'household', label: t('ui.registry.action.household') },
                      { key: 'move_out', label: t('ui.registry.action.moveOut') },
                      { type: 'divider' },
                      { key: 'death', label: t('ui.registry.action.death'), danger: true },
                    ],
                    onClick: (e) => setAction(e.key as ResidentAction),
                  }}
                >
                  <Button>{t('ui.registry.action.more')} <DownOutlined /></Button>
                </Dropdown>
              </>
            )}
          </Space>
        </Flex>
      </Card>
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={14}>
          <Card size="small" title={t('ui.registry.resident.details')}>
            <Descriptions
              size="small"
              column={{ xs: 1, sm: 2 }}
              data-testid="resident-details"
              items={[
                { key: 'gender', label: t('ui.registry.resident.gender'), children: r.gender ? t(genderKey(r.gender)) : dash },
                { key: 'birth', label: t('ui.registry.resident.birthDate'), children: r.birthDate ? `${r.birthDate}${r.age !== null ? `（${t('ui.registry.resident.ageYears', { age: r.age })}）` : ''}` : dash },
                { key: 'id', label: t('ui.registry.resident.idNumber'), children: r.idNumber ? <span style={mono} data-testid="masked-id">{r.idNumber}</span> : dash },
                { key: 'phone', label: t('ui.registry.resident.phone'), children: r.phone ? <span style={mono}>{r.phone}</span> : dash },
                { key: 'ethnicity', label: t('ui.registry.resident.ethnicity'), children: r.ethnicity ?? dash },
                { key: 'political', label: t('ui.registry.resident.politicalStatus'), children: r.politicalStatus ? t(politicalKey(r.politicalStatus)) : dash },
                { key: 'relation', label: t('ui.registry.resident.relation'), children: r.relation ? t(relationKey(r.relation)) : dash },
                { key: 'residence', label: t('ui.registry.resident.residenceType'), children: t(residenceKey(r.residenceType)) },
                { key: 'movedIn', label: t('ui.registry.resident.movedInOn'), children: r.movedInOn ?? dash },
                ...(r.movedOutOn ? [{ key: 'movedOut', label: t('ui.registry.resident.movedOutOn'), children: r.movedOutOn }] : []),
                ...(r.deceasedOn ? [{ key: 'deceased', label: t('ui.registry.resident.deceasedOn'), children: r.deceasedOn }] : []),
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card size="small" title={t('ui.registry.resident.place')}>
            <Descriptions
              size="small"
              column={1}
              data-testid="resident-place"
              items={[
                {
                  key: 'household',
                  label: t('ui.registry.resident.household'),
                  children: r.household ? (
                    <Flex vertical>
                      <Link to={`/buildings/${r.household.buildingId}?household=${r.household.id}`} data-testid="household-link">
                        <HomeOutlined /> {householdLabel(r.household)}
                      </Link>
                      {r.household.address && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.household.address}</Typography.Text>}
                    </Flex>
                  ) : t('ui.registry.resident.noHousehold'),
                },
                { key: 'grid', label: t('ui.registry.resident.grid'), children: r.grid ? <Space size={2}><LevelTag level={r.grid.level} />{r.grid.name}</Space> : dash },
                { key: 'community', label: t('ui.registry.resident.community'), children: r.community ? <Space size={2}><LevelTag level={r.community.level} />{r.community.name}</Space> : dash },
                ...(r.unit.level === 'microgrid' ? [{ key: 'unit', label: t('ui.registry.resident.unit'), children: <Space size={2}><LevelTag level={r.unit.level} />{r.unit.name}</Space> }] : []),
              ]}
            />
          </Card>
        </Col>
      </Row>
      <Card size="small" title={t('ui.registry.history.title')}>
        <ResidentHistory resident={r} />
      </Card>
      <RevealModal
        open={revealing}
        subject={r.name}
        choices={[
          ...(r.idNumber ? [{ key: 'idNumber', label: t('ui.registry.resident.idNumber') }] : []),
          ...(r.phone ? [{ key: 'phone', label: t('ui.registry.resident.phone') }] : []),
        ]}
        reveal={(fields, reason) => residentsApi.reveal(r.id, fields as ('idNumber' | 'phone')[], reason)}
        onClose={() => setRevealing(false)}
      />
      <ResidentFormDrawer
        mode={formMode}
        onClose={() => setFormMode(null)}
        onSaved={() => {
          setFormMode(null);
          void queryClient.invalidateQueries({ queryKey: registryKeys.history(r.id) });
        }}
      />
      <ResidentActionModal
        resident={r}
        action={action}
        onClose={() => {
          setAction(null);
          void queryClient.invalidateQueries({ queryKey: registryKeys.history(r.id) });
        }}
      />
    </Flex>
  );
}
