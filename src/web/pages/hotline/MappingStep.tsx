import { useEffect, useMemo, useState } from 'react';
import { App, Button, Checkbox, Flex, Select, Table, Tag, Typography } from 'antd';
import { useMutation, useQuery } from '@tanstack/react-query';
import { HOTLINE_FIELDS, REQUIRED_FIELDS, type HotlineField } from '../../../shared/hotline.schemas.js';
import type { MessageKey } from '../../../shared/i18n/index.js';
import { casesApi, caseKeys } from '../../api/cases.js';
import { hotlineApi, type HotlineMapping, type MappingProposal } from '../../api/hotline.js';
import { useT } from '../../app/i18n.js';
import { showApiError } from '../../components/apiErrors.js';

const URGENCIES = ['normal', 'urgent', 'critical'] as const;
type Urgency = (typeof URGENCIES)[number];
const fold = (s: string) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();

/**
 * The mapping step: each field ← a column of the file (pre-filled from the source's saved mapping
 * or common header names, with an example value), the categories and urgencies found in the file
 * → Linli's, a default category; confirming starts the check and saves the mapping on the source.
 */
export function MappingStep({ jobId, proposal, onStarted }: { jobId: string; proposal: MappingProposal; onStarted: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const categories = useQuery({ queryKey: caseKeys.categories, queryFn: casesApi.categories, staleTime: 60_000 });
  const [columns, setColumns] = useState<Partial<Record<HotlineField, string>>>(proposal.mapping.columns);
  const [categoryTable, setCategoryTable] = useState<Record<string, string>>(proposal.mapping.categories);
  const [urgencyTable, setUrgencyTable] = useState<Record<string, Urgency>>(proposal.mapping.urgencies);
  const [defaultCategory, setDefaultCategory] = useState<string | undefined>(proposal.mapping.defaultCategory ?? undefined);
  const [save, setSave] = useState(true);
  useEffect(() => {
    setColumns(proposal.mapping.columns);
    setCategoryTable(proposal.mapping.categories);
    setUrgencyTable(proposal.mapping.urgencies);
    setDefaultCategory(proposal.mapping.defaultCategory ?? undefined);
  }, [proposal]);

  const sampleOf = (header: string | undefined) => {
    if (!header) return '';
    const i = proposal.headers.indexOf(header);
    return proposal.sampleRows.map((r) => r[i]).find((v) => v) ?? '';
  };
  const valuesOf = (header: string | undefined) => (header ? proposal.columnValues[header] ?? [] : []);
  const lookup = <V,>(table: Record<string, V>, word: string): V | undefined => {
    const hit = Object.entries(table).find(([k]) => fold(k) === fold(word));
    return hit?.[1];
  };

  const categoryOptions = useMemo(() => (categories.data ?? []).map((c) => ({
    value: c.code,
    label: c.parentCode ? `${(categories.data ?? []).find((p) => p.code === c.parentCode)?.name ?? ''} / ${c.name}` : c.name,
  })), [categories.data]);

  const validate = useMutation({
    mutationFn: () => {
      const used = (Object.entries(columns) as [HotlineField, string | undefined][]).filter(([, h]) => !!h);
      const catValues = valuesOf(columns.category);
      const urgValues = valuesOf(columns.urgency);
      const mapping: HotlineMapping = {
        columns: Object.fromEntries(used),
        // Keep what the source knew, plus what was chosen for the values of this file.
        categories: Object.fromEntries(Object.entries(categoryTable).filter(([k, v]) => v && (catValues.some((w) => fold(w) === fold(k)) || k in proposal.mapping.categories))),
        defaultCategory: defaultCategory ?? '',
        urgencies: Object.fromEntries(Object.entries(urgencyTable).filter(([k, v]) => v && (urgValues.some((w) => fold(w) === fold(k)) || k in proposal.mapping.urgencies))),
      };
      return hotlineApi.validate(jobId, mapping, save);
    },
    onSuccess: onStarted,
    onError: (e) => showApiError(e, message),
  });

  const headerOptions = [{ value: '', label: t('ui.hotline.notMapped') }, ...proposal.headers.map((h) => ({ value: h, label: h }))];
  const missing = REQUIRED_FIELDS.filter((f) => !columns[f]);

  return (
    <Flex vertical gap={16} data-testid="hotline-mapping">
      <div>
        <Typography.Title level={5} style={{ marginTop: 0 }}>{t('ui.hotline.mappingTitle')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('ui.hotline.mappingHint')}</Typography.Paragraph>
        <Table<HotlineField>
          rowKey={(f) => f}
          size="small"
          pagination={false}
          dataSource={[...HOTLINE_FIELDS]}
          columns={[
            {
              key: 'field', title: t('ui.hotline.field'), width: 160,
              render: (_, f) => (
                <span>
                  {REQUIRED_FIELDS.includes(f) && <Typography.Text type="danger">* </Typography.Text>}
                  {t(`hotline.field.${f}` as MessageKey)}
                  {proposal.fromSource.includes(f) && columns[f] === proposal.mapping.columns[f] && <Tag color="blue" style={{ marginInlineStart: 6 }}>{t('ui.hotline.fromSource')}</Tag>}
                </span>
              ),
            },
            {
              key: 'column', title: t('ui.hotline.column'), width: 260,
              render: (_, f) => (
                <Select
                  style={{ width: 240 }}
                  value={columns[f] ?? ''}
                  options={headerOptions}
                  status={REQUIRED_FIELDS.includes(f) && !columns[f] ? 'error' : undefined}
                  onChange={(v: string) => setColumns((c) => ({ ...c, [f]: v || undefined }))}
                  data-testid={`map-${f}`}
                />
              ),
            },
            { key: 'sample', title: t('ui.hotline.sample'), render: (_, f) => <Typography.Text type="secondary" ellipsis style={{ maxWidth: 420 }}>{sampleOf(columns[f])}</Typography.Text> },
          ]}
        />
      </div>

      <div>
        <Typography.Title level={5}>{t('ui.hotline.categoryTable')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('ui.hotline.categoryHint')}</Typography.Paragraph>
        <Flex gap={8} align="center" style={{ marginBottom: 8 }}>
          <Typography.Text strong>{t('ui.hotline.defaultCategory')}</Typography.Text>
          <Select
            showSearch={{ optionFilterProp: 'label' }}
            style={{ width: 320 }}
            value={defaultCategory}
            options={categoryOptions}
            loading={categories.isPending}
            status={!defaultCategory ? 'error' : undefined}
            onChange={setDefaultCategory}
            data-testid="map-default-category"
          />
        </Flex>
        {valuesOf(columns.category).length > 0 && (
          <Table<string>
            rowKey={(v) => v}
            size="small"
            pagination={false}
            data-testid="map-categories"
            dataSource={valuesOf(columns.category)}
            columns={[
              { key: 'word', title: t('ui.hotline.hotlineCategory'), render: (_, v) => v },
              {
                key: 'code', title: t('ui.hotline.caseCategory'),
                render: (_, v) => (
                  <Select
                    allowClear
                    showSearch={{ optionFilterProp: 'label' }}
                    style={{ width: 320 }}
                    placeholder={t('ui.hotline.useDefault')}
                    value={lookup(categoryTable, v)}
                    options={categoryOptions}
                    onChange={(code?: string) => setCategoryTable((m) => {
                      const next = Object.fromEntries(Object.entries(m).filter(([k]) => fold(k) !== fold(v)));
                      return code ? { ...next, [v]: code } : next;
                    })}
                  />
                ),
              },
            ]}
          />
        )}
      </div>

      {valuesOf(columns.urgency).length > 0 && (
        <div>
          <Typography.Title level={5}>{t('ui.hotline.urgencyTable')}</Typography.Title>
          <Table<string>
            rowKey={(v) => v}
            size="small"
            pagination={false}
            dataSource={valuesOf(columns.urgency)}
            columns={[
              { key: 'word', title: t('ui.hotline.hotlineUrgency'), render: (_, v) => v },
              {
                key: 'urgency', title: t('field.urgency'),
                render: (_, v) => (
                  <Select
                    allowClear
                    style={{ width: 200 }}
                    placeholder={t('ui.hotline.urgency.normal')}
                    value={lookup(urgencyTable, v)}
                    options={URGENCIES.map((u) => ({ value: u, label: t(`ui.hotline.urgency.${u}`) }))}
                    onChange={(u?: Urgency) => setUrgencyTable((m) => {
                      const next = Object.fromEntries(Object.entries(m).filter(([k]) => fold(k) !== fold(v)));
                      return u ? { ...next, [v]: u } : next;
                    })}
                  />
                ),
              },
            ]}
          />
        </div>
      )}

      <Flex gap={12} align="center" wrap>
        <Button type="primary" disabled={missing.length > 0 || !defaultCategory} loading={validate.isPending} onClick={() => validate.mutate()} data-testid="hotline-validate">
          {t('ui.hotline.validate')}
        </Button>
        <Checkbox checked={save} onChange={(e) => setSave(e.target.checked)}>{t('ui.hotline.save')}</Checkbox>
      </Flex>
    </Flex>
  );
}
