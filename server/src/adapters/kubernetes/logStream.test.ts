import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeLogServer } from './testing/fakeLogServer.js';
import {
  KubeApiError,
  StreamDropped,
  podLogPath,
  retryAfterHeader,
  streamPodLog,
  type PodLogRequest,
} from './logStream.js';

let fake: FakeLogServer;
beforeEach(async () => {
  fake = await new FakeLogServer().start();
});
afterEach(async () => {
  await fake.close();
});

const base: PodLogRequest = {
  namespace: 'ml',
  pod: 'tb-run1-0-x7k2p',
  container: 'trainer',
  follow: false,
  sinceTime: null,
};
const opts = () => ({ signal: new AbortController().signal, idleTimeoutMs: 5_000 });

async function collect(req: PodLogRequest): Promise<string> {
  const chunks: Buffer[] = [];
  await streamPodLog(fake.kubeConfig(), req, (c) => chunks.push(c), opts());
  return Buffer.concat(chunks).toString('utf8');
}

describe('pod log request', () => {
  it('asks for timestamps, follow and sinceTime, names encoded', () => {
    expect(podLogPath({ ...base, follow: true, sinceTime: '2026-12-06T22:00:01Z' })).toBe(
      '/api/v1/namespaces/ml/pods/tb-run1-0-x7k2p/log?container=trainer&follow=true&timestamps=true&sinceTime=2026-12-06T22%3A00%3A01Z',
    );
    expect(podLogPath({ ...base, previous: true })).toContain('&previous=true');
  });

  it('refuses hostile names before any request', () => {
    const hostile = ['../etc', 'a/b', 'A', 'a b', 'a?x=1', 'a%2F', '', '-a', 'a\nb', 'ns#', 'é', 'x'.repeat(64)];
    for (const bad of hostile) {
      expect(() => podLogPath({ ...base, namespace: bad }), `namespace ${JSON.stringify(bad)}`).toThrow(/namespace/);
      expect(() => podLogPath({ ...base, container: bad }), `container ${JSON.stringify(bad)}`).toThrow(/container/);
    }
    for (const bad of hostile.filter((b) => b !== 'x'.repeat(64)))
      expect(() => podLogPath({ ...base, pod: bad }), `pod ${JSON.stringify(bad)}`).toThrow(/pod name/);
    expect(() => podLogPath({ ...base, sinceTime: '2026-12-06 22:00' })).toThrow(/sinceTime/);
    expect(fake.requests).toHaveLength(0);
  });

  it('reads a log to its clean end, honouring sinceTime cut to the second', async () => {
    fake
      .container('ml', 'tb-run1-0-x7k2p', 'trainer')
      .append('2026-12-06T22:00:00.900000000Z', 'a')
      .append('2026-12-06T22:00:01.000000001Z', 'b')
      .append('2026-12-06T22:00:01.700000000Z', 'c');
    expect(await collect(base)).toBe(
      '2026-12-06T22:00:00.900000000Z a\n2026-12-06T22:00:01.000000001Z b\n2026-12-06T22:00:01.700000000Z c\n',
    );
    // 01.5 is sent as asked; the server cuts it to 01 and sends b again.
    expect(await collect({ ...base, sinceTime: '2026-12-06T22:00:01.5Z' })).toBe(
      '2026-12-06T22:00:01.000000001Z b\n2026-12-06T22:00:01.700000000Z c\n',
    );
    expect(fake.requests.at(-1)?.query.get('timestamps')).toBe('true');
  });

  it('tells a dropped stream from a clean end', async () => {
    const log = fake.container('ml', 'tb-run1-0-x7k2p', 'trainer');
    for (let i = 0; i < 50; i++) log.append(`2026-12-06T22:00:01.${String(i).padStart(9, '0')}Z`, `line ${i}`);
    fake.dropAfterBytes(700);
    const got: Buffer[] = [];
    const err = await streamPodLog(fake.kubeConfig(), base, (c) => got.push(c), opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamDropped);
    expect((err as StreamDropped).idle).toBe(false);
    expect(Buffer.concat(got).length).toBe(700);
  });

  it('notices a follow that goes silent', async () => {
    fake.container('ml', 'tb-run1-0-x7k2p', 'trainer').append('2026-12-06T22:00:01.000000000Z', 'a');
    const err = await streamPodLog(fake.kubeConfig(), { ...base, follow: true }, () => undefined, {
      signal: new AbortController().signal,
      idleTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamDropped);
    expect((err as StreamDropped).idle).toBe(true);
  });

  it('reports 429 with its Retry-After and a waiting container with its reason, never the token', async () => {
    fake.failNext(1, 429, 'TooManyRequests', 'Too many requests, please try again later.', 2);
    const e1 = (await collect(base).catch((e: unknown) => e)) as KubeApiError;
    expect(e1).toBeInstanceOf(KubeApiError);
    expect([e1.status, e1.reason, e1.retryAfterMs]).toEqual([429, 'TooManyRequests', 2000]);
    fake.failNext(1, 400, 'BadRequest', 'container "trainer" in pod "p" is waiting to start: ContainerCreating');
    const e2 = (await collect(base).catch((e: unknown) => e)) as KubeApiError;
    expect(e2.message).toMatch(/HTTP 400 BadRequest: .*waiting to start/);
    expect(`${e1.message} ${e2.message} ${e2.stack}`).not.toContain('fake-secret-token');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterHeader('3')).toBe(3000);
    expect(retryAfterHeader('Thu, 01 Jan 1970 00:00:10 GMT', 4_000)).toBe(6000);
    expect(retryAfterHeader('soon')).toBeNull();
    expect(retryAfterHeader(undefined)).toBeNull();
  });
});
