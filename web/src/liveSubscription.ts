// The socket side of a run's live series, without React or a socket (so it is tested on its own): subscribes from
// the last seq applied, applies batches exactly once, resubscribes on a gap, and when the server answers `resync`
// (too far behind to replay over the socket) reloads the series over REST and subscribes from the seq it answered.
import {
  acceptBatch,
  type Ack,
  type LivePoint,
  type PointsBatch,
  type SubscribeRequest,
} from '@trainboard/shared/realtime';
import type { SeriesResponse } from '@trainboard/shared/api';

export interface LiveSubscriptionDeps {
  runId: number;
  /** Sends `subscribe` (socket.emit with an ack). */
  sendSubscribe: (request: SubscribeRequest, ack: (ack: Ack) => void) => void;
  /** Loads the viewed series over REST (GET /series). */
  loadSeries: () => Promise<SeriesResponse>;
  /** A /series response replaces the series. */
  onSeries: (response: SeriesResponse) => void;
  /** Points not applied yet, in order. */
  onPoints: (fresh: LivePoint[]) => void;
  onLive: (live: boolean) => void;
  onError: (message: string) => void;
}

export interface LiveSubscription {
  /** Applies a /series response (the first load, or a reload); resolves false once stopped. */
  load(response: Promise<SeriesResponse>): Promise<boolean>;
  subscribe(): void;
  onBatch(batch: PointsBatch): void;
  stop(): void;
  lastSeq(): number;
}

export function createLiveSubscription(d: LiveSubscriptionDeps): LiveSubscription {
  let alive = true;
  let lastSeq = 0;
  // One subscribe in flight at a time (the server refuses a second one as busy); a gap seen meanwhile asks again.
  let subscribing = false;
  let again = false;
  const fail = (err: unknown) => alive && d.onError((err as Error).message);
  const load = async (response: Promise<SeriesResponse>): Promise<boolean> => {
    const res = await response;
    if (!alive) return false;
    lastSeq = res.seq; // the stream continues exactly after the response
    d.onSeries(res);
    return true;
  };
  const onAck = (ack: Ack) => {
    subscribing = false;
    if (!alive) return;
    if (!ack.ok && ack.code === 'resync') {
      again = false;
      d.onLive(false);
      void load(d.loadSeries()).then((ok) => ok && subscribe(), fail);
      return;
    }
    if (!ack.ok) return d.onError(ack.message);
    d.onLive(true);
    if (again) subscribe();
    again = false;
  };
  const subscribe = () => {
    if (!alive) return;
    if (subscribing) return void (again = true);
    subscribing = true;
    d.sendSubscribe({ runId: d.runId, afterSeq: lastSeq }, onAck);
  };
  return {
    load,
    subscribe,
    onBatch(batch) {
      if (!alive || batch.runId !== d.runId) return;
      const { gap, fresh } = acceptBatch(lastSeq, batch);
      if (gap) return subscribe(); // the replay brings the missed points; this batch's come again with it
      if (fresh.length === 0) return;
      lastSeq = batch.seq;
      d.onPoints(fresh);
    },
    stop() {
      alive = false;
    },
    lastSeq: () => lastSeq,
  };
}
