import { describe, expect, it } from 'vitest';
import { ApiError } from '../http.js';
import { CONNECTED, isUnreachable, nextConnection } from './connection.js';

describe('connection state', () => {
  it('is lost when the socket closes, keeping the first moment', () => {
    const lost = nextConnection(CONNECTED, { socketUp: false, requestsFailing: false }, 1_000);
    expect(lost).toEqual({ connected: false, lostAtMs: 1_000 });
    expect(nextConnection(lost, { socketUp: false, requestsFailing: true }, 5_000)).toBe(lost);
  });

  it('is lost when requests cannot reach the server though the socket still looks up', () => {
    expect(nextConnection(CONNECTED, { socketUp: true, requestsFailing: true }, 2_000)).toEqual({
      connected: false,
      lostAtMs: 2_000,
    });
  });

  it('does not count a socket that has not connected yet as lost', () => {
    expect(nextConnection(CONNECTED, { socketUp: null, requestsFailing: false }, 0)).toBe(CONNECTED);
  });

  it('comes back only when both signals are good again', () => {
    const lost = { connected: false, lostAtMs: 1_000 };
    expect(nextConnection(lost, { socketUp: true, requestsFailing: true }, 3_000)).toBe(lost);
    expect(nextConnection(lost, { socketUp: true, requestsFailing: false }, 3_000)).toEqual(CONNECTED);
  });

  it('tells an unreachable server from a server that answered no', () => {
    expect(isUnreachable(new TypeError('Failed to fetch'))).toBe(true);
    expect(isUnreachable(new ApiError('bad gateway', 502, null, {}))).toBe(true);
    expect(isUnreachable(new ApiError('no such run', 404, 'not_found', {}))).toBe(false);
    expect(isUnreachable(new ApiError('forbidden', 403, null, {}))).toBe(false);
  });
});
