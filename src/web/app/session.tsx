import { useCallback, useEffect } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Locale } from '../../shared/i18n/index.js';
import { authApi, type Me } from '../api/auth.js';
import { ApiError } from '../api/client.js';
import { adoptUser, cachedMe } from '../pwa/data.js';
import { clearOutboxAndData } from '../pwa/outbox.js';
import { ME_KEY } from './query.js';
import { clearExplicitChoice, useLocale } from './i18n.js';

/** The signed-in user (null: nobody; undefined: still loading). Without signal: the device's last one. */
export function useMe() {
  return useQuery({ queryKey: ME_KEY, queryFn: meOrLast, staleTime: 60_000, networkMode: 'offlineFirst' });
}

/**
 * Ask the server who is signed in; a confirmed account is kept on the device (another account than
 * the last one clears the device first). Without signal the kept one opens the app (the field pages
 * work offline); the server decides again as soon as it answers.
 */
async function meOrLast(): Promise<Me | null> {
  try {
    const me = await authApi.me();
    if (me && !me.mfa.pending) await adoptUser(me).catch(() => undefined); // no IndexedDB (private window): online only
    return me;
  } catch (e) {
    if (e instanceof ApiError && e.status === 0) {
      const last = await cachedMe().catch(() => null);
      if (last) return last;
    }
    throw e;
  }
}

/** The signed-in user of a page behind the sign-in (the layout guarantees one). */
export function useCurrentUser(): Me {
  const { data } = useMe();
  if (!data) throw new Error('useCurrentUser without a signed-in user');
  return data;
}

export function hasPermission(me: Me | null | undefined, ...permissions: string[]): boolean {
  return !!me && permissions.some((p) => me.permissions.includes(p));
}

/**
 * Keep the interface language and the account's saved language together: a language picked by
 * hand before signing in is saved to the account; otherwise the account's language applies.
 */
export function useLocaleSync(): void {
  const { data: me } = useMe();
  const { locale, setLocale, explicitChoice } = useLocale();
  const queryClient = useQueryClient();
  const id = me?.id;
  useEffect(() => {
    if (!me) return;
    const picked = explicitChoice();
    clearExplicitChoice();
    if (picked && picked !== me.locale) {
      void authApi.setLocale(picked).then(() => {
        queryClient.setQueryData<Me | null>(ME_KEY, (old) => (old ? { ...old, locale: picked } : old));
      }, () => undefined);
    } else if (!picked && me.locale !== locale) {
      setLocale(me.locale);
    }
    // Only when another account signs in.
  }, [id]);
}

/** Switch the language by hand: in this browser, and on the account when signed in. */
export function useSwitchLocale(): (l: Locale) => void {
  const { setLocale } = useLocale();
  const { data: me } = useMe();
  const queryClient = useQueryClient();
  return useCallback((l: Locale) => {
    setLocale(l, { explicit: true });
    if (me) {
      clearExplicitChoice();
      void authApi.setLocale(l).then(() => {
        queryClient.setQueryData<Me | null>(ME_KEY, (old) => (old ? { ...old, locale: l } : old));
      }, () => undefined);
    }
  }, [me, setLocale, queryClient]);
}

let signedOutByHand = false;

/**
 * Whether the sign-in page should send the next user back to the page they were on: yes after an
 * expired session or a bookmarked link, no after "sign out" (the next user may be someone else).
 */
export function returnAfterSignIn(): boolean {
  return !signedOutByHand;
}

export function markSignedIn(): void {
  signedOutByHand = false;
}

/** Sign out: end the session and forget everything fetched for it; the shell shows the sign-in page. */
export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: authApi.logout,
    onSettled: () => {
      signedOutByHand = true;
      // The device forgets the account's data and what waits to be sent.
      void clearOutboxAndData().catch(() => undefined);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
      queryClient.setQueryData(ME_KEY, null);
    },
  });
}
