import { Segmented } from 'antd';
import type { Locale } from '../../shared/i18n/index.js';
import { useLocale } from '../app/i18n.js';
import { useSwitchLocale } from '../app/session.js';

/** 中文 / English: switches the interface, and the signed-in account's saved language. */
export function LanguageSwitch({ size }: { size?: 'small' | 'middle' }) {
  const { locale, t } = useLocale();
  const switchLocale = useSwitchLocale();
  return (
    <Segmented<Locale>
      size={size}
      value={locale}
      onChange={switchLocale}
      aria-label={t('ui.app.language')}
      data-testid="language-switch"
      options={[{ label: '中文', value: 'zh-CN' }, { label: 'English', value: 'en' }]}
    />
  );
}
