import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerStack, type ServerStack } from '../stack.js';
import { demoSignInUrl } from './demoSignIn.js';

let stack: ServerStack;
beforeAll(async () => {
  stack = await startServerStack({ dbPath: ':memory:', logger: pino({ level: 'silent' }), control: false });
});
afterAll(async () => stack?.stop());

describe('demoSignInUrl', () => {
  it('signs a browser in once as the demo operator and lands on the given page', async () => {
    const url = await demoSignInUrl(stack.authContext, stack.url, '/runs/1');
    const first = await fetch(url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/runs/1');
    const cookie = /tb\.sid=[^;]+/.exec(first.headers.get('set-cookie') ?? '')![0];
    const me = (await (await fetch(new URL('/api/auth/me', stack.url), { headers: { cookie } })).json()) as {
      user: { username: string; role: string };
    };
    expect(me.user).toMatchObject({ username: 'demo', role: 'operator' });
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(401); // single use
  });

  it('refuses a next that leaves the site', async () => {
    const url = new URL(await demoSignInUrl(stack.authContext, stack.url));
    url.searchParams.set('next', '//evil.example/');
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(401);
  });
});
