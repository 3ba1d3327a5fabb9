// What keeps the public page current, without the DOM: the /public socket when it connects (subscribe, then each
// broadcast snapshot), and while it cannot, a poll of /p/:slug/snapshot.json every pollMs with If-None-Match (a
// 304 costs the server nothing). An unpublish, told either way, ends both for good.
import type { PublicSubscribeAck } from '@trainboard/shared/public/publicRealtime';
import type { PublicSnapshot } from '@trainboard/shared/public/snapshot';

export type LiveStatus = 'connecting' | 'live' | 'polling' | 'ended';

/** The part of a socket.io-client Socket this needs (so tests can hand in a fake). */
export interface PublicSocketLike {
  readonly active: boolean;
  on(event: 'connect', listener: () => void): unknown;
  on(event: 'disconnect', listener: (reason: string) => void): unknown;
  on(event: 'connect_error', listener: (error: Error) => void): unknown;
  on(event: 'snapshot', listener: (snapshot: PublicSnapshot) => void): unknown;
  on(event: 'unpublished', listener: (payload: { slug: string }) => void): unknown;
  emit(event: 'subscribe', request: { slug: string }, ack: (answer: PublicSubscribeAck) => void): unknown;
  close(): unknown;
}

export type PollAnswer =
  | { kind: 'snapshot'; snapshot: PublicSnapshot; etag: string | null }
  | { kind: 'unchanged' }
  | { kind: 'gone' }
  | { kind: 'failed' };

export interface PublicLiveDeps {
  slug: string;
  socket: PublicSocketLike;
  /** GET the slug's snapshot.json, conditional on `etag` when given. */
  poll(etag: string | null): Promise<PollAnswer>;
  render(snapshot: PublicSnapshot): void;
  status(status: LiveStatus): void;
  /** The page is no longer public: say so (the caller replaces the page's content). */
  ended(): void;
  pollMs: number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface PublicLive {
  /** Stops the socket and the poll (the page going away). */
  stop(): void;
}

export function startPublicLive(d: PublicLiveDeps): PublicLive {
  let ended = false;
  let timer: unknown = null;
  let etag: string | null = null;
  let polling = false;
  /** The newest snapshot shown, by updatedAt: a slow poll answer must not replace a newer broadcast. */
  let shownAt = '';

  const show = (snapshot: PublicSnapshot) => {
    if (ended || snapshot.slug !== d.slug) return;
    const at = snapshot.updatedAt ?? '';
    if (at < shownAt) return;
    shownAt = at;
    d.render(snapshot);
  };
  const stopPolling = () => {
    if (timer !== null) d.clearInterval(timer);
    timer = null;
  };
  const end = () => {
    if (ended) return;
    ended = true;
    stopPolling();
    d.socket.close();
    d.status('ended');
    d.ended();
  };
  const pollOnce = async () => {
    if (polling || ended) return;
    polling = true;
    try {
      const answer = await d.poll(etag);
      if (answer.kind === 'gone') end();
      else if (answer.kind === 'snapshot') {
        etag = answer.etag;
        show(answer.snapshot);
      }
    } finally {
      polling = false;
    }
  };
  const startPolling = () => {
    if (ended) return;
    d.status('polling');
    if (timer === null) timer = d.setInterval(() => void pollOnce(), d.pollMs);
  };

  d.socket.on('connect', () => {
    d.socket.emit('subscribe', { slug: d.slug }, (answer) => {
      if (answer.ok) {
        stopPolling();
        show(answer.snapshot);
        d.status('live');
      } else if (answer.error === 'not_found') end();
      else startPolling(); // rate limited: the poll carries on until the next connect
    });
  });
  d.socket.on('snapshot', show);
  d.socket.on('unpublished', (payload) => {
    if (payload.slug === d.slug) end();
  });
  // socket.io-client retries on its own after a lost connection; a refused one (the server's per-address cap)
  // leaves `active` false and is not retried: either way the poll keeps the page current meanwhile.
  d.socket.on('disconnect', () => startPolling());
  d.socket.on('connect_error', () => startPolling());
  d.status('connecting');
  return {
    stop() {
      stopPolling();
      d.socket.close();
    },
  };
}
