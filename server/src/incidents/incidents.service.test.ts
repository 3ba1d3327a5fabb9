// Live detection over the ingest path: rows committed by the ingest writer (as a follower commits them) open
// incidents with the detectors' key, a line committed twice opens nothing twice, a restart's replay re-emits nothing,
// and a tick past the learnt deadline opens a hang. An in-memory database, times from a fake clock.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { IncidentChange } from '@trainboard/shared/detect/incidentApi';
import { createLogParser } from '@trainboard/shared/log/parser';
import { openDatabase } from '../db/client.js';
import { createLogSource } from '../db/logSources.repo.js';
import { createRepositories } from '../db/repositories.js';
import { findOrCreateRun } from '../db/runs.repo.js';
import { createIngestWriter } from '../ingest/ingestWriter.js';
import { createIncidentsService } from './incidents.service.js';

const iteration = (n: number) =>
  ` iteration ${String(n).padStart(8)}/     100 | consumed samples: ${String(n * 16).padStart(12)} | ` +
  'elapsed time per iteration (ms): 1000.0 | learning rate: 6.000E-05 | global batch size:    16 | ' +
  'lm loss: 4.500000E+00 | grad norm: 1.500 |\n';

/** The demo's crash (scripts/fake-trainer fail_cuda): a c10::CUDAError on local rank 3. */
const DEMO_CRASH = [
  "[default3]:terminate called after throwing an instance of 'c10::CUDAError'",
  '[default3]:  what():  CUDA error: unknown error',
  '[default3]:Exception raised from query at ../aten/src/ATen/cuda/CUDAEvent.h:95 (most recent call first):',
  '',
].join('\n');

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);

function setup() {
  const conn = openDatabase(':memory:');
  const repos = createRepositories(conn.sqlite);
  const run = findOrCreateRun(conn.db, 'demo');
  const source = createLogSource(
    conn.db,
    run.id,
    '/r/main_log.txt',
    { inode: 1, size: 0, headHash: 'x', headLength: 0 },
    0,
  );
  let now = T0;
  const clock = { now: () => now, set: (t: number) => (now = t) };
  const newService = () => createIncidentsService({ repos, logger: pino({ level: 'silent' }), now: clock.now });
  /** What a follower does: parse the bytes, commit the events with the cursor through a writer. */
  const writer = () =>
    createIngestWriter(
      conn.sqlite,
      { runId: run.id, logSourceId: source.id },
      { timeSource: 'arrival', now: clock.now },
    );
  const commit = (text: string, startOffset = 0, w = writer()) => {
    const parser = createLogParser({ startOffset });
    const events = [...parser.push(Buffer.from(text)), ...parser.flush()];
    return w.commit(events, parser.resumePoint);
  };
  return { conn, repos, runId: run.id, clock, newService, commit, writer };
}

function record(service: { onChange(l: (c: IncidentChange) => void): () => void }) {
  const changes: IncidentChange[] = [];
  service.onChange((c) => changes.push(c));
  return changes;
}

describe('live incident detection', () => {
  it('opens a crash incident from the committed demo crash text, with its failure kind and offset', async () => {
    const t = setup();
    const service = t.newService();
    const changes = record(service);
    service.follow(t.runId);
    const before = [1, 2, 3, 4, 5].map(iteration).join('');
    t.commit(before + DEMO_CRASH);
    service.committed(t.runId);
    await service.idle();
    const { incidents, openCount } = service.list(t.runId);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      kind: 'crash',
      failureKind: 'cuda_error',
      offset: Buffer.byteLength(before),
      iteration: 5,
      resolvedAtMs: null,
      runId: t.runId,
    });
    expect(openCount).toBe(1);
    expect(changes.map((c) => [c.change, c.incident.kind])).toEqual([['opened', 'crash']]);
  });

  it('does not duplicate an incident when the same line is committed twice, nor on a restart replay', async () => {
    const t = setup();
    const service = t.newService();
    const changes = record(service);
    service.follow(t.runId);
    const text = [1, 2, 3].map(iteration).join('') + DEMO_CRASH;
    t.commit(text);
    service.committed(t.runId);
    await service.idle();
    // A restarted follower parses the same bytes again from an earlier point: the unique keys skip every row.
    const again = t.commit(text, 0, t.writer());
    expect(again).toMatchObject({ iterations: 0, events: 0 });
    expect(again.duplicates).toBeGreaterThan(0);
    service.committed(t.runId);
    await service.idle();
    expect(t.repos.incidents.ofRun(t.runId)).toHaveLength(1);
    expect(changes).toHaveLength(1);
    // A restarted server replays the stored rows: the stored incident is re-derived unchanged, nothing is emitted.
    const restarted = t.newService();
    const replayed = record(restarted);
    restarted.follow(t.runId);
    await restarted.idle();
    expect(t.repos.incidents.ofRun(t.runId)).toHaveLength(1);
    expect(replayed).toEqual([]);
  });

  it('opens a hang on a tick past the learnt deadline, not before', async () => {
    const t = setup();
    const service = t.newService();
    const changes = record(service);
    service.follow(t.runId);
    for (let i = 1; i <= 10; i++) {
      t.clock.set(T0 + i * 1000);
      t.commit(iteration(i), (i - 1) * Buffer.byteLength(iteration(1)), t.writer());
      service.committed(t.runId);
    }
    await service.idle();
    const last = T0 + 10_000;
    service.tick(last + 30_000);
    expect(service.list(t.runId).incidents).toEqual([]);
    service.tick(last + 6 * 3600_000);
    const [hang] = service.list(t.runId).incidents;
    expect(hang).toMatchObject({ kind: 'hang', severity: 'critical', resolvedAtMs: null, iteration: 10 });
    const deadline = Number(hang?.details?.deadlineMs);
    expect(deadline).toBeGreaterThan(30_000);
    expect(hang?.openedAtMs).toBe(last + deadline);
    expect(hang?.suggestedAction?.kind).toBe('stack_dump_then_resubmit');
    expect(changes.map((c) => c.change)).toEqual(['opened']);
    // Progress again resolves it.
    t.clock.set(last + 6 * 3600_000 + 1);
    t.commit(iteration(11), 10 * Buffer.byteLength(iteration(1)), t.writer());
    service.committed(t.runId);
    await service.idle();
    expect(service.list(t.runId).incidents[0]?.resolvedAtMs).toBe(last + 6 * 3600_000 + 1);
    expect(changes.map((c) => c.change)).toEqual(['opened', 'resolved']);
  });

  it('does not call an old log that simply stopped a hang after a restart', async () => {
    const t = setup();
    t.commit([1, 2, 3].map(iteration).join(''));
    const service = t.newService();
    service.follow(t.runId);
    await service.idle();
    service.tick(T0 + 24 * 3600_000);
    expect(service.list(t.runId).incidents).toEqual([]);
  });

  it('replays a long run in pages without losing or repeating rows', async () => {
    const t = setup();
    const size = Buffer.byteLength(iteration(1));
    const lines = Array.from({ length: 4500 }, (_, i) => iteration(i + 1)).join('');
    t.commit(lines + DEMO_CRASH);
    const service = t.newService();
    service.follow(t.runId);
    expect(service.catchingUp(t.runId)).toBe(true);
    await service.idle();
    expect(service.catchingUp(t.runId)).toBe(false);
    const [crash] = service.list(t.runId).incidents;
    expect(crash).toMatchObject({ kind: 'crash', iteration: 4500, offset: 4500 * size });
  });

  it('marks what a log already held when first followed as historical: its crash is stored, not news; a new one is', async () => {
    const t = setup();
    const service = t.newService();
    const changes = record(service);
    service.follow(t.runId);
    await service.idle();
    // The follower opened a file that already held an old crash (the followers' onBacklog), then read it.
    const old = [1, 2, 3].map(iteration).join('') + DEMO_CRASH;
    service.backlog(t.runId, Buffer.byteLength(old));
    t.commit(old);
    service.committed(t.runId);
    await service.idle();
    // The log then grows: a new start and a new crash after the backlog are news.
    const fresh = [4, 5].map(iteration).join('') + DEMO_CRASH;
    t.commit(fresh, Buffer.byteLength(old), t.writer());
    service.committed(t.runId);
    await service.idle();
    expect(changes.map((c) => [c.change, c.incident.offset, c.historical])).toEqual([
      ['opened', Buffer.byteLength([1, 2, 3].map(iteration).join('')), true],
      ['opened', Buffer.byteLength(old) + Buffer.byteLength([4, 5].map(iteration).join('')), false],
    ]);
    expect(t.repos.incidents.ofRun(t.runId)).toHaveLength(2);
  });
});

describe('live incident detection: GPU facts name the straggler (F7)', () => {
  const timed = (n: number, ms: number) => iteration(n).replace('(ms): 1000.0', `(ms): ${ms.toFixed(1)}`);
  const gpus = (node: string, slow: boolean) => ({
    timeMs: T0,
    jobId: '42',
    node,
    gpus: [0, 1, 2, 3].map((index) => ({
      index,
      smClockMhz: slow && index === 0 ? 600 : 1410,
      maxSmClockMhz: 1410,
      temperatureC: slow && index === 0 ? 89 : 60,
      utilizationPct: 98,
    })),
  });

  it('asks for GPUs while a regression is open, and stores the suspect node when they come', async () => {
    const t = setup();
    const service = t.newService();
    const changes = record(service);
    service.follow(t.runId);
    await service.idle();
    t.commit(Array.from({ length: 20 }, (_, i) => timed(i + 1, 1000)).join(''));
    service.committed(t.runId);
    await service.idle();
    expect(service.wantsGpus()).toEqual([]);
    service.observeGpus(t.runId, [gpus('c1', false), gpus('c2', false)]);
    expect(service.list(t.runId).incidents).toEqual([]); // GPU facts alone open nothing

    const before = Array.from({ length: 20 }, (_, i) => timed(i + 1, 1000)).join('');
    t.commit(Array.from({ length: 4 }, (_, i) => timed(i + 21, 1500)).join(''), Buffer.byteLength(before));
    service.committed(t.runId);
    await service.idle();
    expect(service.wantsGpus()).toEqual([t.runId]);
    expect(service.list(t.runId).incidents[0]!.details!.suspectNodes).toMatch(/^unknown/);
    service.observeGpus(t.runId, [gpus('c1', true), gpus('c2', false)]);
    const [incident] = service.list(t.runId).incidents;
    expect(incident).toMatchObject({
      kind: 'throughput_regression',
      details: { suspectNodes: 'c1' },
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c1'] },
    });
    expect(incident!.evidence.map((e) => e.text)).toContain('GPU 0 on c1: SM clock 600 of 1410 MHz, 89 °C');
    expect(changes.map((c) => [c.change, c.incident.kind])).toEqual([
      ['opened', 'throughput_regression'],
      ['updated', 'throughput_regression'],
    ]);
    expect(service.wantsGpus()).toEqual([t.runId]); // still open: keep probing (the poller's TTL bounds it after)
  });

  it('ignores GPU facts for runs it does not follow', () => {
    const t = setup();
    const service = t.newService();
    service.observeGpus(t.runId, [gpus('c1', true), gpus('c2', false)]);
    expect(service.wantsGpus()).toEqual([]);
    expect(service.list(t.runId).incidents).toEqual([]);
  });

  it('a hang found by the clock is news even when the log stopped inside what it held when first followed', async () => {
    const t = setup();
    t.conn.sqlite
      .prepare(
        "INSERT INTO jobs (run_id, scheduler_job_id, state, node_list, updated_at) VALUES (?, '7', 'RUNNING', 'c1', 0)",
      )
      .run(t.runId);
    const service = t.newService();
    const changes = record(service);
    service.follow(t.runId);
    await service.idle();
    const text = Array.from({ length: 10 }, (_, i) => iteration(i + 1)).join('');
    service.backlog(t.runId, Buffer.byteLength(text));
    const w = t.writer();
    for (let i = 1; i <= 10; i++) {
      t.clock.set(T0 + i * 1000);
      t.commit(iteration(i), (i - 1) * Buffer.byteLength(iteration(1)), w);
    }
    service.committed(t.runId);
    await service.idle();
    service.tick(T0 + 10_000 + 6 * 3600_000);
    expect(changes.map((c) => [c.change, c.incident.kind, c.historical])).toEqual([['opened', 'hang', false]]);
  });
});
