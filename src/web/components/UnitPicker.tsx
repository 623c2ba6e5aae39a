import { useMemo, useState } from 'react';
import { Select, Space } from 'antd';
import { useQuery } from '@tanstack/react-query';
import type { UnitLevel } from '../../shared/roles.js';
import { unitKeys, unitsApi, type UnitRef } from '../api/units.js';
import { useT } from '../app/i18n.js';
import { LevelTag } from './tags.js';
import { useDebounced } from './useDebounced.js';

interface Props {
  value?: string;
  onChange?: (id: string | undefined) => void;
  /** Only units of this level. */
  level?: UnitLevel;
  /** The unit currently chosen, so that its name shows before any search. */
  initial?: UnitRef | null;
  /** Leave these out (e.g. the unit being moved). */
  exclude?: string[];
  placeholder?: string;
  id?: string;
  disabled?: boolean;
}

/** A searchable select over the units in the caller's scope (GET /api/units?q=). */
export function UnitPicker({ value, onChange, level, initial, exclude, placeholder, id, disabled }: Props) {
  const t = useT();
  const [typed, setQ] = useState('');
  const q = useDebounced(typed.trim());
  const { data, isFetching } = useQuery({
    queryKey: unitKeys.search(q, level),
    queryFn: () => unitsApi.search({ q: q || undefined, level, limit: 30 }),
    staleTime: 10_000,
  });
  const options = useMemo(() => {
    const units: UnitRef[] = [...(data ?? [])];
    if (initial && !units.some((u) => u.id === initial.id)) units.unshift(initial);
    return units
      .filter((u) => !exclude?.includes(u.id))
      .map((u) => ({
        value: u.id,
        title: u.name,
        label: (
          <Space size={4}>
            <LevelTag level={u.level} />
            <span>{u.name}</span>
            <span style={{ color: '#999', fontSize: 12 }}>{u.code}</span>
          </Space>
        ),
      }));
  }, [data, initial, exclude]);
  return (
    <Select
      id={id}
      showSearch={{ filterOption: false, onSearch: setQ }}
      value={value}
      onChange={(v: string | undefined) => onChange?.(v)}
      options={options}
      loading={isFetching}
      allowClear
      disabled={disabled}
      placeholder={placeholder ?? t('ui.unitPicker.placeholder')}
      notFoundContent={isFetching ? t('ui.common.loading') : t('ui.unitPicker.none')}
      style={{ width: '100%' }}
    />
  );
}
