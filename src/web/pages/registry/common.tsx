import { useEffect, useMemo } from 'react';
import { Select, Space, Tag, Tooltip } from 'antd';
import { LockOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Locale, MessageKey } from '../../../shared/i18n/index.js';
import { registryKeys, settingsApi, tagsApi, type TagView } from '../../api/registry.js';
import { unitKeys, unitsApi } from '../../api/units.js';
import { useLocale, useT } from '../../app/i18n.js';

/** The care-tag catalogue as the caller may see it (sensitive tags only with the permission). */
export function useTags() {
  return useQuery({ queryKey: registryKeys.tags, queryFn: tagsApi.list, staleTime: 5 * 60_000 });
}

export function useSettings() {
  return useQuery({ queryKey: registryKeys.settings, queryFn: settingsApi.get, staleTime: Infinity });
}

const SERVER_WORDED = new Set<unknown>(['care-tags', 'residents', 'buildings', 'organisations', 'registry-imports']);
/** The language the registry's cached records were fetched in. */
let fetchedIn: Locale | null = null;

/**
 * The server words tag names and import messages in the caller's language: after a switch of
 * language, fetch the registry's records again so that they read in the new one.
 */
export function useRefetchOnLocale(): void {
  const { locale } = useLocale();
  const queryClient = useQueryClient();
  useEffect(() => {
    if (fetchedIn === locale) return;
    if (fetchedIn !== null) void queryClient.invalidateQueries({ predicate: (q) => SERVER_WORDED.has(q.queryKey[0]) });
    fetchedIn = locale;
  }, [locale, queryClient]);
}

/** Tags that may be put on a resident, or on a household. */
export function tagsFor(tags: TagView[] | undefined, on: 'resident' | 'household'): TagView[] {
  return (tags ?? []).filter((t) => t.appliesTo === 'both' || t.appliesTo === on);
}

/** Black or white, whichever reads better on a background colour (#rrggbb). */
export function textOn(color: string): string {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return '#fff';
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => parseInt(h!, 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.45 ? '#1f1f1f' : '#fff';
}

/** A care tag as a chip in its own colour; a sensitive tag shows a lock. */
export function TagChip({ tag, small }: { tag: TagView; small?: boolean }) {
  const t = useT();
  const chip = (
    <Tag
      data-testid="tag-chip"
      style={{ background: tag.color, color: textOn(tag.color), borderColor: tag.color, marginInlineEnd: 4, ...(small ? { fontSize: 11, lineHeight: '16px', paddingInline: 4 } : {}) }}
    >
      {tag.sensitive && <LockOutlined style={{ marginInlineEnd: 2 }} />}
      {tag.name}
    </Tag>
  );
  return tag.sensitive ? <Tooltip title={t('ui.registry.tags.sensitive')}>{chip}</Tooltip> : chip;
}

export function TagChips({ tags, small, empty }: { tags: TagView[]; small?: boolean; empty?: React.ReactNode }) {
  if (tags.length === 0) return <>{empty ?? null}</>;
  return <Space size={[0, 4]} wrap>{tags.map((tag) => <TagChip key={tag.id} tag={tag} small={small} />)}</Space>;
}

/** Pick care tags: a multi-select whose options and choices are coloured chips. */
export function TagSelect({ value, onChange, on, id, placeholder }: {
  value?: string[]; onChange?: (v: string[]) => void; on: 'resident' | 'household'; id?: string; placeholder?: string;
}) {
  const t = useT();
  const tags = useTags();
  const options = useMemo(() => tagsFor(tags.data, on), [tags.data, on]);
  const byId = useMemo(() => new Map((tags.data ?? []).map((x) => [x.id, x])), [tags.data]);
  return (
    <Select<string[]>
      id={id}
      mode="multiple"
      value={value ?? []}
      onChange={(v) => onChange?.(v)}
      loading={tags.isPending}
      placeholder={placeholder ?? t('ui.registry.tags.pick')}
      showSearch={{ optionFilterProp: 'title' }}
      style={{ width: '100%' }}
      options={options.map((x) => ({ value: x.id, title: x.name, label: <TagChip tag={x} small /> }))}
      tagRender={({ value: v, closable, onClose }) => {
        const tag = byId.get(String(v));
        if (!tag) return <Tag closable={closable} onClose={onClose}>{String(v)}</Tag>;
        return (
          <Tag
            closable={closable}
            onClose={onClose}
            style={{ background: tag.color, color: textOn(tag.color), borderColor: tag.color, marginInlineEnd: 4 }}
            closeIcon={<span style={{ color: textOn(tag.color) }}>×</span>}
          >
            {tag.name}
          </Tag>
        );
      }}
    />
  );
}

/** Filter by tags: every tag a chip that is filled when chosen. */
export function TagFilter({ value, onChange, on }: { value: string[]; onChange: (v: string[]) => void; on: 'resident' | 'household' }) {
  const tags = useTags();
  const options = tagsFor(tags.data, on);
  return (
    <Space size={[4, 6]} wrap data-testid="tag-filter">
      {options.map((tag) => {
        const active = value.includes(tag.id);
        return (
          <Tag.CheckableTag
            key={tag.id}
            checked={active}
            onChange={(checked) => onChange(checked ? [...value, tag.id] : value.filter((v) => v !== tag.id))}
            style={{
              border: `1px solid ${tag.color}`,
              background: active ? tag.color : '#fff',
              color: active ? textOn(tag.color) : tag.color,
              marginInlineEnd: 0,
            }}
          >
            {tag.sensitive && <LockOutlined style={{ marginInlineEnd: 2 }} />}
            {tag.name}
          </Tag.CheckableTag>
        );
      })}
    </Space>
  );
}

/** Labels of the registry's enumerations (shared with the workbook and the server). */
export const genderKey = (g: string): MessageKey => `import.value.gender.${g as 'male'}`;
export const relationKey = (r: string): MessageKey => `import.value.relation.${r as 'head'}`;
export const politicalKey = (p: string): MessageKey => `import.value.politicalStatus.${p as 'masses'}`;
export const residenceKey = (r: string): MessageKey => `import.value.residenceType.${r as 'registered'}`;
export const residentStatusKey = (s: string): MessageKey => `export.status.${s as 'active'}`;
export const usageKey = (u: string): MessageKey => `household.usage.${u as 'vacant'}`;
export const buildingTypeKey = (b: string): MessageKey => `building.type.${b as 'residential'}`;
export const orgKindKey = (k: string): MessageKey => `organisation.kind.${k as 'enterprise'}`;
export const orgStatusKey = (s: string): MessageKey => `organisation.status.${s as 'active'}`;

export const RESIDENT_STATUS_COLORS: Record<string, string> = { active: 'green', moved_out: 'default', deceased: 'default' };

/** Room and floor words: "1单元 0302". */
export function householdLabel(h: { buildingName: string; entranceName: string | null; room: string }): string {
  return [h.buildingName, h.entranceName, h.room].filter(Boolean).join(' ');
}

/** Levels where people, buildings and imports are placed. */
const PLACE_LEVELS: string[] = ['community', 'grid', 'microgrid'];

/** The unit to start with: the scope's root when it is a community or below, else the first community in scope. */
export function useDefaultUnit(): string | undefined {
  const roots = useQuery({ queryKey: unitKeys.roots, queryFn: unitsApi.roots });
  const root = roots.data?.[0];
  const rootMappable = !!root && PLACE_LEVELS.includes(root.level);
  const community = useQuery({
    queryKey: unitKeys.search('', 'community'),
    queryFn: () => unitsApi.search({ level: 'community', limit: 30 }),
    enabled: !!root && !rootMappable,
  });
  if (rootMappable) return root.id;
  return community.data?.[0]?.id;
}

