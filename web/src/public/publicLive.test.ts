import { describe, expect, it } from 'vitest';
import type { PublicSubscribeAck } from '@trainboard/shared/public/publicRealtime';
import type { PublicSnapshot } from '@trainboard/shared/public/snapshot';
import { samplePublicSnapshot } from '@trainboard/shared/testing/publicSnapshot';
import { startPublicLive, type LiveStatus, type PollAnswer, type PublicSocketLike } from './publicLive.js';

type Listener = (...args: never[]) => void;

/** A socket whose events the test fires by hand, recording what the page sends. */
function fakeSocket() {
  const listeners = new Map<string, Listener[]>();
  const subscribes: { request: { slug: string }; ack: (a: PublicSubscribeAck) => void }[] = [];
  let closed = false;
  const socket = {
    active: true,
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return socket;
    },
    emit(_event: 'subscribe', request: { slug: string }, ack: (a: PublicSubscribeAck) => void) {
      subscribes.push({ request, ack });
      return socket;
    },
    close() {
      closed = true;
      return socket;
    },
  };
  const fire = (event: string, ...args: unknown[]) =>
    (listeners.get(event) ?? []).forEach((l) => (l as (...a: unknown[]) => void)(...args));
  return { socket: socket as unknown as PublicSocketLike, subscribes, fire, closed: () => closed };
}

const at = (iteration: number, updatedAt = `2026-12-06T17:${String(iteration % 60).padStart(2, '0')}:00.000Z`) =>
  samplePublicSnapshot({ updatedAt, progress: { ...samplePublicSnapshot().progress, iteration } });

function harness(pollAnswers: PollAnswer[] = []) {
  const s = fakeSocket();
  const rendered: number[] = [];
  const statuses: LiveStatus[] = [];
  const polledWith: (string | null)[] = [];
  let ended = 0;
  let tick: (() => void) | null = null;
  const live = startPublicLive({
    slug: 'bloom-demo',
    socket: s.socket,
    poll(etag) {
      polledWith.push(etag);
      return Promise.resolve(pollAnswers.shift() ?? { kind: 'failed' });
    },
    render: (snap: PublicSnapshot) => rendered.push(snap.progress.iteration ?? -1),
    status: (st) => statuses.push(st),
    ended: () => ended++,
    pollMs: 10_000,
    setInterval(fn) {
      tick = fn;
      return 1;
    },
    clearInterval() {
      tick = null;
    },
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return {
    ...s,
    live,
    rendered,
    statuses,
    polledWith,
    ended: () => ended,
    polling: () => tick !== null,
    async tick() {
      tick?.();
      await flush();
    },
  };
}

describe('the public page live loop', () => {
  it('subscribes to its slug on connect, renders the answer and each broadcast, and says live', () => {
    const h = harness();
    expect(h.statuses).toEqual(['connecting']);
    h.fire('connect');
    expect(h.subscribes.map((x) => x.request)).toEqual([{ slug: 'bloom-demo' }]);
    h.subscribes[0]!.ack({ ok: true, snapshot: at(10) });
    h.fire('snapshot', at(20));
    expect(h.rendered).toEqual([10, 20]);
    expect(h.statuses.at(-1)).toBe('live');
  });

  it("ignores another slug's snapshot and an older one", () => {
    const h = harness();
    h.fire('connect');
    h.subscribes[0]!.ack({ ok: true, snapshot: at(20) });
    h.fire('snapshot', { ...at(30), slug: 'other' });
    h.fire('snapshot', at(10));
    expect(h.rendered).toEqual([20]);
  });

  it('polls with the last ETag while the socket cannot connect, and stops once it is live again', async () => {
    const h = harness([
      { kind: 'snapshot', snapshot: at(5), etag: '"a"' },
      { kind: 'unchanged' },
      { kind: 'snapshot', snapshot: at(6), etag: '"b"' },
    ]);
    h.fire('connect_error', new Error('websocket error'));
    expect(h.statuses.at(-1)).toBe('polling');
    await h.tick();
    await h.tick();
    await h.tick();
    expect(h.polledWith).toEqual([null, '"a"', '"a"']);
    expect(h.rendered).toEqual([5, 6]);
    h.fire('connect');
    h.subscribes[0]!.ack({ ok: true, snapshot: at(7) });
    expect(h.polling()).toBe(false);
    expect(h.statuses.at(-1)).toBe('live');
  });

  it('falls back to polling after a lost connection', () => {
    const h = harness();
    h.fire('connect');
    h.subscribes[0]!.ack({ ok: true, snapshot: at(1) });
    h.fire('disconnect', 'transport close');
    expect(h.polling()).toBe(true);
    expect(h.statuses.at(-1)).toBe('polling');
  });

  it.each([
    ['an unpublished broadcast', (h: ReturnType<typeof harness>) => h.fire('unpublished', { slug: 'bloom-demo' })],
    [
      'a not_found subscribe',
      (h: ReturnType<typeof harness>) => {
        h.fire('connect');
        h.subscribes[0]!.ack({ ok: false, error: 'not_found' });
      },
    ],
  ])('ends for good on %s: says so, closes the socket, polls no more', (_name, trigger) => {
    const h = harness();
    h.fire('connect_error', new Error('x'));
    trigger(h);
    expect(h.ended()).toBe(1);
    expect(h.closed()).toBe(true);
    expect(h.polling()).toBe(false);
    expect(h.statuses.at(-1)).toBe('ended');
    h.fire('snapshot', at(99));
    h.fire('disconnect', 'io client disconnect');
    expect(h.rendered).toEqual([]);
    expect(h.statuses.at(-1)).toBe('ended');
  });

  it('ends when the poll finds the page gone', async () => {
    const h = harness([{ kind: 'gone' }]);
    h.fire('connect_error', new Error('x'));
    await h.tick();
    expect(h.ended()).toBe(1);
    expect(h.polling()).toBe(false);
  });
});
