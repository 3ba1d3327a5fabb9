import { describe, expect, it } from 'vitest';
import { ApiError } from '../http.js';
import { createQueryClient, isNotFound, shouldRetry } from './queryClient.js';
import { invalidateRun, queryKeys } from './runQueries.js';

const apiError = (status: number) => new ApiError('x', status, null, {});

describe('shouldRetry()', () => {
  it('retries network failures and 5xx answers up to three times', () => {
    expect(shouldRetry(0, new TypeError('Failed to fetch'))).toBe(true);
    expect(shouldRetry(2, apiError(503))).toBe(true);
    expect(shouldRetry(3, apiError(503))).toBe(false);
  });

  it('never retries a 4xx answer: not found, signed out, not allowed', () => {
    for (const status of [400, 401, 403, 404, 409]) expect(shouldRetry(0, apiError(status))).toBe(false);
  });

  it('tells a 404 from other failures', () => {
    expect(isNotFound(apiError(404))).toBe(true);
    expect(isNotFound(apiError(500))).toBe(false);
    expect(isNotFound(null)).toBe(false);
  });
});

describe('the query cache', () => {
  it('keeps the previous objects for unchanged parts of a new answer (structural sharing)', async () => {
    const client = createQueryClient();
    const key = queryKeys.jobs(1);
    const answers = [
      [
        { jobId: '1', state: 'COMPLETED' },
        { jobId: '2', state: 'RUNNING' },
      ],
      [
        { jobId: '1', state: 'COMPLETED' },
        { jobId: '2', state: 'FAILED' },
      ],
      [
        { jobId: '1', state: 'COMPLETED' },
        { jobId: '2', state: 'FAILED' },
      ],
    ];
    let n = 0;
    // What the pages' observers get: the cached answer after each read.
    const read = async () => {
      await client.fetchQuery({ queryKey: key, queryFn: async () => answers[n++], staleTime: 0 });
      return client.getQueryData<(typeof answers)[number]>(key);
    };
    const first = await read();
    const second = await read();
    expect(second).not.toBe(first);
    expect(second?.[0]).toBe(first?.[0]);
    expect(second?.[1]).not.toBe(first?.[1]);
    expect(await read()).toBe(second);
  });

  it("invalidates every query of the run a control action touched, the runs list and the audit, not other runs'", async () => {
    const client = createQueryClient();
    const keys = [
      queryKeys.overview(1),
      queryKeys.jobs(1),
      queryKeys.control(1),
      queryKeys.summaries(),
      queryKeys.audit(1),
      queryKeys.audit(undefined),
      queryKeys.overview(2),
    ];
    for (const key of keys) client.setQueryData(key, { v: 1 });
    await invalidateRun(client, 1);
    const invalidated = (key: readonly unknown[]) => client.getQueryState(key)?.isInvalidated;
    for (const key of keys.slice(0, -1)) expect(invalidated(key), JSON.stringify(key)).toBe(true);
    expect(invalidated(queryKeys.overview(2))).toBe(false);
  });
});
