import { describe, expect, it } from 'vitest';
import type { SeriesResponse } from '@trainboard/shared/api';
import type { Ack, LivePoint, PointsBatch, SubscribeRequest } from '@trainboard/shared/realtime';
import { createLiveSubscription } from './liveSubscription.js';

const point = (id: number): LivePoint => ({ id, iteration: id, segment: 0, timeMs: null, values: { lmLoss: 2 } });
const batch = (prevSeq: number, ...pointIds: number[]): PointsBatch => ({
  runId: 1,
  seq: pointIds.at(-1)!,
  prevSeq,
  points: pointIds.map(point),
  replay: false,
});
const response = (seq: number): SeriesResponse => ({ runId: 1, seq, series: {} });

function harness(reloadSeq: number) {
  const sent: { request: SubscribeRequest; ack: (ack: Ack) => void }[] = [];
  const log: string[] = [];
  const applied: number[] = [];
  let loads = 0;
  const stream = createLiveSubscription({
    runId: 1,
    sendSubscribe: (request, ack) => sent.push({ request, ack }),
    loadSeries: () => {
      loads++;
      return Promise.resolve(response(reloadSeq));
    },
    onSeries: (res) => log.push(`series ${res.seq}`),
    onPoints: (fresh) => applied.push(...fresh.map((p) => p.id)),
    onLive: (live) => log.push(`live ${live}`),
    onError: (message) => log.push(`error ${message}`),
  });
  return { stream, sent, log, applied, loads: () => loads };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('live subscription', () => {
  it('on resync, reloads the series over REST and subscribes from the seq the reload answered', async () => {
    const h = harness(900);
    await h.stream.load(Promise.resolve(response(10)));
    h.stream.subscribe();
    expect(h.sent.map((s) => s.request)).toEqual([{ runId: 1, afterSeq: 10 }]);
    h.sent[0]!.ack({ ok: false, code: 'resync', seq: 900, message: 'too far behind' });
    await tick();
    expect(h.loads()).toBe(1);
    expect(h.sent.map((s) => s.request)).toEqual([
      { runId: 1, afterSeq: 10 },
      { runId: 1, afterSeq: 900 },
    ]);
    h.sent[1]!.ack({ ok: true, seq: 900 });
    expect(h.log).toEqual(['series 10', 'live false', 'series 900', 'live true']);
    h.stream.onBatch(batch(900, 901, 902));
    expect(h.applied).toEqual([901, 902]);
  });

  it('resubscribes on a gap, one subscribe in flight at a time, and applies replayed points once', async () => {
    const h = harness(0);
    await h.stream.load(Promise.resolve(response(5)));
    h.stream.subscribe();
    h.stream.onBatch(batch(7, 8)); // missed 6..7: asks again, but only once the first subscribe is answered
    expect(h.sent).toHaveLength(1);
    h.sent[0]!.ack({ ok: true, seq: 8 });
    expect(h.sent.map((s) => s.request.afterSeq)).toEqual([5, 5]);
    h.stream.onBatch({ ...batch(5, 6, 7, 8), replay: true });
    h.stream.onBatch(batch(8, 9));
    expect(h.applied).toEqual([6, 7, 8, 9]);
    h.sent[1]!.ack({ ok: false, code: 'rate_limited', message: 'slow down' });
    expect(h.log.at(-1)).toBe('error slow down');
    expect(h.loads()).toBe(0);
  });
});
