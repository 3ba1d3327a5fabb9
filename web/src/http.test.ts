import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, get, onSignedOut, post, setCsrfToken } from './http.js';

type Call = { url: string; init: RequestInit };
function stubFetch(status: number, body: unknown): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return calls;
}
const headers = (c: Call) => c.init.headers as Record<string, string>;

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

describe('requests of the dashboard', () => {
  it('send the session’s CSRF token on every mutation, and not on reads', async () => {
    const calls = stubFetch(200, { ok: true });
    setCsrfToken('tok-1');
    await post('/api/runs/3/actions', { action: { kind: 'hold' }, expectedVersion: 4 });
    await get('/api/runs/3/control');
    expect(headers(calls[0]!)['x-csrf-token']).toBe('tok-1');
    expect(calls[0]!.init.method).toBe('POST');
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ action: { kind: 'hold' }, expectedVersion: 4 });
    expect(headers(calls[1]!)['x-csrf-token']).toBeUndefined();
  });

  it('turn an error answer into an ApiError with status, code and body', async () => {
    stubFetch(409, { code: 'run_changed', message: 'the run changed', currentVersion: 9 });
    const err = await post('/api/runs/3/actions', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: 'run_changed', message: 'the run changed' });
    expect((err as ApiError).body.currentVersion).toBe(9);
  });

  it('report a 401 outside /api/auth as signed out', async () => {
    let signedOut = 0;
    const off = onSignedOut(() => signedOut++);
    stubFetch(401, { code: 'unauthorized', message: 'sign in' });
    await get('/api/run-summaries').catch(() => undefined);
    await post('/api/auth/login', { username: 'a', password: 'b' }).catch(() => undefined);
    off();
    expect(signedOut).toBe(1);
  });

  it('ignore a 401 to a request sent before the session was read again (a sign-in since)', async () => {
    let signedOut = 0;
    const off = onSignedOut(() => signedOut++);
    let answer: (r: Response) => void = () => undefined;
    vi.stubGlobal('fetch', () => new Promise<Response>((r) => (answer = r)));
    const early = get('/api/runs/1/series').catch(() => undefined); // sent while nobody was signed in
    setCsrfToken('after-sign-in');
    answer(new Response(JSON.stringify({ code: 'unauthorized', message: 'sign in first' }), { status: 401 }));
    await early;
    off();
    expect(signedOut).toBe(0);
  });
});
