import { useEffect, useMemo, useState } from 'react';
import { Flex, Select, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { buildingsApi, registryKeys, type BuildingView } from '../../api/registry.js';
import { useT } from '../../app/i18n.js';
import { useDebounced } from '../../components/useDebounced.js';
import { usageKey } from './common.js';

const NO_ENTRANCE = 'none';

interface Props {
  value?: string;
  onChange?: (householdId: string | undefined) => void;
  /** Start from this building (and household), e.g. when registering someone from the building view. */
  initial?: { buildingId: string; buildingName: string; entranceId: string | null } | null;
  id?: string;
}

/** A searchable select over the buildings in scope (GET /api/buildings?q=). */
export function BuildingSelect({ value, onChange, initial, id, placeholder, allowClear }: {
  value?: string; onChange?: (id: string | undefined, b?: BuildingView) => void; initial?: { id: string; name: string } | null;
  id?: string; placeholder?: string; allowClear?: boolean;
}) {
  const t = useT();
  const [typed, setTyped] = useState('');
  const q = useDebounced(typed.trim());
  const list = useQuery({
    queryKey: registryKeys.buildingList({ q: q || undefined, limit: 30 }),
    queryFn: () => buildingsApi.list({ q: q || undefined, limit: 30 }),
    staleTime: 10_000,
  });
  const items = list.data?.items ?? [];
  const options = useMemo(() => {
    const opts = items.map((b) => ({
      value: b.id,
      title: b.name,
      label: (
        <Flex justify="space-between" gap={8}>
          <span>{b.name}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>{b.grid?.name ?? b.unit.name}</Typography.Text>
        </Flex>
      ),
    }));
    if (initial && !opts.some((o) => o.value === initial.id)) opts.unshift({ value: initial.id, title: initial.name, label: <span>{initial.name}</span> });
    return opts;
  }, [items, initial]);
  return (
    <Select
      id={id}
      showSearch={{ filterOption: false, onSearch: setTyped }}
      value={value}
      onChange={(v: string | undefined) => onChange?.(v, items.find((b) => b.id === v))}
      options={options}
      optionLabelProp="title"
      loading={list.isFetching}
      allowClear={allowClear ?? true}
      placeholder={placeholder ?? t('ui.registry.picker.building')}
      notFoundContent={list.isFetching ? t('ui.common.loading') : t('ui.registry.picker.noBuilding')}
      style={{ width: '100%' }}
      data-testid="building-select"
    />
  );
}

/**
 * Pick a household: building (searched), then entrance (单元), then room — the rooms come from the
 * building's floor view, so only recorded households can be chosen.
 */
export function HouseholdPicker({ value, onChange, initial, id }: Props) {
  const t = useT();
  const [building, setBuilding] = useState<{ id: string; name: string } | null>(initial ? { id: initial.buildingId, name: initial.buildingName } : null);
  const [entrance, setEntrance] = useState<string | undefined>(initial ? (initial.entranceId ?? NO_ENTRANCE) : undefined);
  const view = useQuery({
    queryKey: registryKeys.buildingView(building?.id ?? ''),
    queryFn: () => buildingsApi.view(building!.id),
    enabled: !!building,
  });
  const columns = view.data?.entrances ?? [];

  // A building with a single column needs no entrance choice.
  useEffect(() => {
    if (view.data && columns.length === 1 && entrance === undefined) setEntrance(columns[0]!.id ?? NO_ENTRANCE);
  }, [view.data]);

  const rooms = useMemo(() => {
    if (!view.data || entrance === undefined) return [];
    const want = entrance === NO_ENTRANCE ? null : entrance;
    return view.data.floors.flatMap((f) => f.cells.filter((c) => c.entranceId === want).flatMap((c) => c.households.map((h) => ({ ...h, floor: f.floor }))));
  }, [view.data, entrance]);

  return (
    <Flex gap={8} wrap id={id} data-testid="household-picker">
      <div style={{ flex: '2 1 200px' }}>
        <BuildingSelect
          value={building?.id}
          initial={building}
          onChange={(v, b) => {
            setBuilding(v ? { id: v, name: b?.name ?? '' } : null);
            setEntrance(undefined);
            onChange?.(undefined);
          }}
        />
      </div>
      <Select
        style={{ flex: '1 1 120px' }}
        disabled={!building}
        loading={view.isFetching}
        value={entrance}
        placeholder={t('ui.registry.picker.entrance')}
        onChange={(v: string) => { setEntrance(v); onChange?.(undefined); }}
        options={columns.map((c) => ({ value: c.id ?? NO_ENTRANCE, label: c.name ?? t('ui.registry.building.noEntrance') }))}
        data-testid="entrance-select"
      />
      <Select
        style={{ flex: '1 1 140px' }}
        disabled={entrance === undefined}
        value={value}
        showSearch={{ optionFilterProp: 'title' }}
        placeholder={t('ui.registry.picker.room')}
        onChange={(v: string) => onChange?.(v)}
        notFoundContent={t('ui.registry.picker.noRoom')}
        options={rooms.map((h) => ({
          value: h.id,
          title: h.room,
          label: (
            <Flex justify="space-between" gap={8}>
              <span>{h.room}</span>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {h.usage === 'vacant' ? t(usageKey(h.usage)) : t('ui.registry.household.members', { count: h.memberCount })}
              </Typography.Text>
            </Flex>
          ),
        }))}
        optionLabelProp="title"
        data-testid="room-select"
      />
    </Flex>
  );
}
