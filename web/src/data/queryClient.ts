// The one cache of server reads (TanStack Query). Polled reads keep the previous objects for the parts of an answer
// that did not change (structural sharing, on by default): nothing re-renders for an unchanged answer and memoised
// charts are not redrawn. A failed read is tried again with backoff unless the server said no for good (4xx: not
// found, signed out, not allowed); every read is refreshed when the browser is back online or the tab regains focus.
import { QueryClient } from '@tanstack/react-query';
import { ApiError } from '../http.js';

const MAX_RETRIES = 3;

/** Whether a failed read is worth another try: network failures and 5xx are, a 4xx answer will not change. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < MAX_RETRIES;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: shouldRetry,
        refetchOnWindowFocus: true,
        refetchOnReconnect: true,
        // Polled reads are fresh for their interval only; everything else is re-read when next used.
        staleTime: 0,
      },
      mutations: { retry: false },
    },
  });
}

/** The server's answer was a 404: the thing asked for does not exist (as opposed to "could not ask"). */
export const isNotFound = (error: unknown): boolean => error instanceof ApiError && error.status === 404;
