import { Card, Tabs } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { caseSettingsApi, caseSettingsKeys } from '../../api/case-settings.js';
import { useT } from '../../app/i18n.js';
import { CategoriesTab } from './CategoriesTab.js';
import { DepartmentsTab } from './DepartmentsTab.js';

type Tab = 'categories' | 'departments';

/** 事件设置: the category tree with its time limits, and the functional departments with their members. */
export default function CaseSettingsPage() {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const tab: Tab = params.get('tab') === 'departments' ? 'departments' : 'categories';
  // Both tabs need the departments: the category tree names each responsible department.
  const departments = useQuery({ queryKey: caseSettingsKeys.departments, queryFn: () => caseSettingsApi.departments() });

  return (
    <Card title={t('ui.case_settings.title')} styles={{ body: { paddingTop: 4 } }}>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams(k === 'categories' ? {} : { tab: k }, { replace: true })}
        items={[
          { key: 'categories', label: t('ui.case_settings.tab_categories'), children: <CategoriesTab departments={departments.data} /> },
          { key: 'departments', label: t('ui.case_settings.tab_departments'), children: <DepartmentsTab list={departments} /> },
        ]}
      />
    </Card>
  );
}
