import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/client.js';

export const ME_KEY = ['me'] as const;

/** A request answered "sign in first": the session ended (expired, signed out elsewhere, disabled). */
function sessionGone(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401 && (error.code === 'unauthenticated' || error.code === 'mfa_required');
}

export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (sessionGone(error) && query.queryKey[0] !== ME_KEY[0]) void client.invalidateQueries({ queryKey: ME_KEY });
      },
    }),
    mutationCache: new MutationCache({
      onError: (error) => {
        if (sessionGone(error)) void client.invalidateQueries({ queryKey: ME_KEY });
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
  return client;
}
