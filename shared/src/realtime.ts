// The socket.io contract between the server and the dashboard, typed once here and used by both sides.
//
// Ordering and gaps: every stored iteration row has a per-database id that only grows, and a run's rows are
// published in id order. A batch's `seq` is the id of its last point and `prevSeq` the seq of the run's previous
// batch, so a client holding `lastSeq` knows it missed something exactly when `batch.prevSeq !== lastSeq`
// (ids are not contiguous per run, so "seq + 1" would not work). It then resubscribes with `afterSeq: lastSeq`
// (the server replays the missing rows from the database) or backfills over REST.
//
// Bounds: a replay goes out in pages and only while the client is at most a bounded number of rows behind; further
// behind, the ack is `resync` (load `/series`, which answers its own seq, then subscribe with that seq). A socket
// may subscribe only so often and hold only so many rooms; one that stops reading is disconnected.
import { z } from 'zod';
import type { MetricField, WireNumber } from './metrics/fields.js';

/** One stored iteration as the dashboard draws it. */
export interface LivePoint {
  /** The row id: the point's position in the run's stream (see `seq`). */
  id: number;
  iteration: number;
  /** Process start (restart segment) that logged it; a later segment's point replaces an earlier one's. */
  segment: number;
  /** Epoch ms: arrival time when followed live. */
  timeMs: number | null;
  values: Partial<Record<MetricField, WireNumber>>;
}

export interface PointsBatch {
  runId: number;
  /** Id of the last point in `points`: strictly increases from batch to batch of a run. */
  seq: number;
  /** `seq` of the run's previous batch (0 before the first): a client whose last seq differs missed points. */
  prevSeq: number;
  points: LivePoint[];
  /** True for the catch-up batch sent on subscribe (points the client missed), false for live batches. */
  replay: boolean;
}

/**
 * What a follower is doing, for the run page's status line. Carries no file path, inode or host: a subscriber
 * learns the state of the run's log, not where it lives.
 */
export interface FollowStatus {
  runId: number;
  state: 'waiting_for_file' | 'following' | 'reconnecting' | 'stopped';
  /** Committed byte offset. */
  offset: number;
  /** Why it is reconnecting, or what was detected (file replaced/truncated); no secrets, no paths. */
  message: string | null;
}

/** The follower's own view (server side only): the wire status plus which file; toWireStatus drops the rest. */
export interface FollowerStatus extends FollowStatus {
  logSourceId: number;
  path: string;
}

/** Exactly the wire fields, whatever else the server-side status holds. */
export function toWireStatus(s: FollowStatus): FollowStatus {
  return { runId: s.runId, state: s.state, offset: s.offset, message: s.message };
}

/** A run's desired or observed state changed: reload its control view (version = runs.version). */
export interface RunUpdated {
  runId: number;
  version: number;
}

/** An operator action finished (or failed, or was refused). */
export interface ActionFinished {
  runId: number;
  actionId: number;
  state: 'done' | 'failed' | 'refused';
}

export interface ServerToClientEvents {
  points: (batch: PointsBatch) => void;
  follow_status: (status: FollowStatus) => void;
  'run.updated': (event: RunUpdated) => void;
  'action.finished': (event: ActionFinished) => void;
}

export const subscribeRequestSchema = z.object({
  runId: z.number().int().positive(),
  /** The last seq this client applied; omit on first subscribe (live points only, backfill over REST). */
  afterSeq: z.number().int().nonnegative().optional(),
});
export type SubscribeRequest = z.infer<typeof subscribeRequestSchema>;

export const unsubscribeRequestSchema = z.object({ runId: z.number().int().positive() });
export type UnsubscribeRequest = z.infer<typeof unsubscribeRequestSchema>;

/** Why a subscribe (or unsubscribe) was refused; the message says it for people. */
export type AckErrorCode =
  | 'invalid_request'
  | 'not_found'
  | 'internal'
  /** Too many subscribes from this socket in the current window: wait, then subscribe again. */
  | 'rate_limited'
  /** This socket already holds the most rooms allowed: unsubscribe from one first. */
  | 'too_many_rooms'
  /** This socket's previous subscribe is still replaying: wait for its ack. */
  | 'busy'
  /** The signed-in user's role does not allow this event. */
  | 'forbidden';

export type Ack =
  | { ok: true; seq: number }
  | { ok: false; code: AckErrorCode; message: string }
  /**
   * The client is too far behind to replay over the socket: load the series over REST (`/series`), then subscribe
   * with `afterSeq` set to the seq that response carries. Nothing was sent and no room was joined. `seq` is the
   * run's current seq, for information.
   */
  | { ok: false; code: 'resync'; message: string; seq: number };

export interface ClientToServerEvents {
  subscribe: (request: SubscribeRequest, ack: (result: Ack) => void) => void;
  unsubscribe: (request: UnsubscribeRequest, ack?: (result: Ack) => void) => void;
}

/** The room of a run: every socket subscribed to it receives its batches. */
export const runRoom = (runId: number): string => `run:${runId}`;

/**
 * What a client does with a batch given the last seq it applied: `gap` when points between were missed (resubscribe
 * with afterSeq or backfill over REST), and the points it has not applied yet (a replay can overlap live batches).
 */
export function acceptBatch(lastSeq: number, batch: PointsBatch): { gap: boolean; fresh: LivePoint[] } {
  return { gap: batch.prevSeq > lastSeq, fresh: batch.points.filter((p) => p.id > lastSeq) };
}
