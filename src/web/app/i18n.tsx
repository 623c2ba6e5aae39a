import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { DEFAULT_LOCALE, LOCALES, pickLocale, translate, type Locale, type MessageKey, type Params } from '../../shared/i18n/index.js';
import { setApiLocale } from '../api/client.js';

const STORAGE_KEY = 'linli.locale';

function isLocale(x: unknown): x is Locale {
  return typeof x === 'string' && (LOCALES as readonly string[]).includes(x);
}

/** The language saved in this browser, else the browser's own preference, else Chinese. */
function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // storage blocked: fall back
  }
  return typeof navigator === 'undefined' ? DEFAULT_LOCALE : pickLocale(navigator.languages?.join(',') || navigator.language);
}

export type Translate = (key: MessageKey, params?: Params) => string;

interface LocaleState {
  locale: Locale;
  /** Switch the interface language (kept in this browser); `explicit` marks a choice made by the user. */
  setLocale: (locale: Locale, opts?: { explicit?: boolean }) => void;
  /** The language the user picked by hand since the page loaded, if any. */
  explicitChoice: () => Locale | null;
  t: Translate;
}

const LocaleContext = createContext<LocaleState | null>(null);

let explicit: Locale | null = null;

export function LocaleProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(() => {
    const l = initialLocale();
    setApiLocale(l);
    document.documentElement.lang = l;
    return l;
  });
  const setLocale = useCallback((l: Locale, opts?: { explicit?: boolean }) => {
    if (opts?.explicit) explicit = l;
    setApiLocale(l);
    document.documentElement.lang = l;
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // storage blocked: the choice lasts for this page only
    }
    setLocaleState(l);
  }, []);
  const value = useMemo<LocaleState>(() => ({
    locale,
    setLocale,
    explicitChoice: () => explicit,
    t: (key, params) => translate(locale, key, params),
  }), [locale, setLocale]);
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

export function useLocale(): LocaleState {
  const v = useContext(LocaleContext);
  if (!v) throw new Error('useLocale outside LocaleProvider');
  return v;
}

/** The translate function for the current interface language. */
export function useT(): Translate {
  return useLocale().t;
}

/** Forget the hand-picked language once it has been saved to the account. */
export function clearExplicitChoice(): void {
  explicit = null;
}
