// The server's public snapshots over an in-memory database: what an entry holds, when a run is rebuilt (leading
// edge, one trailing rebuild per second, idle rebuilds, at once on publish/unpublish) and that nothing private is in it.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogParser } from '@trainboard/shared/log/parser';
import { PublicSnapshotSchema } from '@trainboard/shared/public/snapshot';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories, type Repositories } from '../db/repositories.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import { createIngestWriter } from '../ingest/ingestWriter.js';
import { freshSeries } from '../series/seriesSource.js';
import type { SeriesSource } from '../series/seriesSource.js';
import type { PublicChange } from './ports.js';
import { createPublicSnapshots, type PublicSnapshotsService } from './publicSnapshots.js';

const T0 = Date.UTC(2026, 11, 6, 10);
const iteration = (n: number) =>
  ` iteration ${String(n).padStart(8)}/     100 | consumed samples: ${String(n * 16).padStart(12)} | ` +
  `consumed tokens: ${String(n * 16 * 2048).padStart(12)} | ` +
  'elapsed time per iteration (ms): 1000.0 | learning rate: 6.000E-05 | global batch size:    16 | ' +
  `lm loss: ${(10 - n / 10).toFixed(6)}E+00 | grad norm: 1.500 |\n`;
const iterations = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => iteration(from + i)).join('');
const saved = (n: number) =>
  `  successfully saved checkpoint at iteration ${String(n).padStart(7)} to /gpfs/secret/ckpt\n`;
const cudaCrash = [
  'RuntimeError: CUDA error: an illegal memory access was encountered SENTINEL-LOG',
  'srun: error: jz-gpu-12: task 0: Exited with exit code 1',
  '',
].join('\n');
const marker = (id: string) => `TRAINBOARD JOB START id=${id} nodes=jz-gpu-12 time=1765000000\n`;

let conn: OpenDatabase;
let repos: Repositories;
let runId: number;
let clock: number;
let store: PublicSnapshotsService;
let builds: number;
let changes: PublicChange[];
let append: (text: string) => void;

function setup(): void {
  conn = openDatabase(':memory:');
  repos = createRepositories(conn.sqlite);
  const source = registerFollowedFile(conn.db, 'secret-run-name', '/gpfs/secret/main_log.txt', T0);
  runId = source.runId;
  const insert = conn.sqlite.prepare(`INSERT INTO jobs (run_id, scheduler_job_id, state, node_list, exit_code,
    submitted_at, started_at, ended_at, reason, updated_at) VALUES (?, ?, ?, 'jz-gpu-12', ?, ?, ?, ?, NULL, 0)`);
  insert.run(runId, '4242', 'FAILED', 1, T0, T0, T0 + 60_000);
  insert.run(runId, '4243', 'RUNNING', null, T0 + 60_000, T0 + 120_000, null);
  const parser = createLogParser();
  let offset = 0;
  append = (text) => {
    const events = parser.push(new TextEncoder().encode(text));
    offset += text.length;
    createIngestWriter(
      conn.sqlite,
      { runId, logSourceId: source.id },
      { timeSource: 'arrival', now: () => clock },
    ).commit(events, parser.resumePoint, offset);
  };
  clock = T0 + 30_000;
  append(marker('4242') + iterations(1, 5) + saved(4) + iterations(6, 7) + cudaCrash);
  clock = T0 + 130_000;
  append(marker('4243') + iterations(5, 9));
  clock = T0 + 140_000;
  const fresh = freshSeries(repos.iterations);
  const counted: SeriesSource = {
    snapshot: (...args) => {
      builds++;
      return fresh.snapshot(...args);
    },
  };
  builds = 0;
  changes = [];
  store = createPublicSnapshots({ repos, series: counted, now: () => clock });
  store.onChange((c) => changes.push(c));
}

function publish(slug = 'bloom-demo', showNodes = false): void {
  repos.publications.upsert({
    runId,
    slug,
    title: 'BLOOM demo',
    description: null,
    showNodes,
    atMs: clock,
    publishedBy: 'alice',
  });
}

/** Lets timers fire at `ms` from now on the test clock, then waits for the rebuilds they started. */
async function advance(ms: number): Promise<void> {
  clock += ms;
  await vi.advanceTimersByTimeAsync(ms);
  await store.idle();
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  setup();
});
afterEach(() => {
  store.stop();
  vi.useRealTimers();
  conn.close();
});

describe('public snapshots', () => {
  it('holds one entry per published slug: the parsed snapshot, its JSON and a strong ETag, nothing private', async () => {
    publish();
    await store.start();
    const entry = store.get('bloom-demo');
    expect(entry).toBeDefined();
    if (!entry) return;
    expect(PublicSnapshotSchema.parse(entry.snapshot)).toEqual(entry.snapshot);
    expect(entry.json).toBe(JSON.stringify(entry.snapshot));
    expect(entry.etag).toBe(`"${createHash('sha1').update(entry.json).digest('base64url')}"`);
    expect(entry.showNodes).toBe(false);
    const s = entry.snapshot;
    expect(s.progress.iteration).toBe(9);
    expect(s.progress.iterationTarget).toBe(100);
    expect(s.progress.tokensSeen).toBe(9 * 16 * 2048);
    expect(s.throughput.tokensPerSecond).toBe(16 * 2048);
    expect(s.loss.train.at(-1)).toEqual([9, 9.1]);
    expect(s.timeline.map((e) => e.kind)).toEqual(['started', 'checkpoint', 'hardware_failure', 'restarted']);
    expect(s.timeline.at(-1)?.text).toBe('Restarted after a hardware failure, from the checkpoint at iteration 4');
    expect(entry.json).not.toMatch(/jz-gpu|4242|4243|gpfs|SENTINEL|secret|illegal/);
    expect(store.get('other')).toBeUndefined();
    expect(changes.map((c) => c.slug)).toEqual(['bloom-demo']);
  });

  it('names nodes in the timeline only when the publisher opted in', async () => {
    publish('bloom-demo', true);
    await store.start();
    expect(store.get('bloom-demo')?.showNodes).toBe(true);
    expect(store.get('bloom-demo')?.json).toMatch(/on node jz-gpu-12/);
  });

  it('rebuilds on ingest at once after a quiet second, then at most once more in that second', async () => {
    publish();
    await store.start();
    expect(builds).toBe(1);
    await advance(1500);
    store.committed(runId);
    await store.idle();
    expect(builds).toBe(2); // leading edge: at once
    for (const n of [10, 11, 12]) {
      await advance(100);
      append(iteration(n));
      store.committed(runId);
    }
    expect(builds).toBe(2); // coalesced…
    await advance(700);
    expect(builds).toBe(3); // …into one trailing rebuild at the end of the second
    expect(store.get('bloom-demo')?.snapshot.progress.iteration).toBe(12);
    await advance(5000);
    expect(builds).toBe(3); // nothing new: no rebuild before the idle one
    store.committed(999); // not published: nothing
    expect(builds).toBe(3);
  });

  it("never makes a line wait for the idle rebuild's slot: a commit right after it rebuilds at once", async () => {
    publish();
    await store.start();
    await advance(15_000); // the idle rebuild
    const b = builds;
    await advance(200);
    append(iteration(10));
    store.committed(runId);
    await store.idle();
    expect(builds).toBe(b + 1);
    expect(store.get('bloom-demo')?.snapshot.progress.iteration).toBe(10);
  });

  it('rebuilds an idle run every 15 s, and picks up publications written by another process', async () => {
    await store.start();
    expect(store.get('bloom-demo')).toBeUndefined();
    publish(); // as the CLI would, on the database, without telling this process
    await advance(15_000);
    expect(store.get('bloom-demo')).toBeDefined();
    const b = builds;
    await advance(15_000);
    expect(builds).toBe(b + 1);
  });

  it('applies publish, a slug change and unpublish at once, telling listeners', async () => {
    await store.start();
    publish('first');
    store.publicationChanged(runId);
    await store.idle();
    expect(store.get('first')).toBeDefined();
    publish('second');
    store.publicationChanged(runId);
    await store.idle();
    expect(store.get('first')).toBeUndefined();
    expect(store.get('second')).toBeDefined();
    repos.publications.remove(runId);
    store.publicationChanged(runId);
    expect(store.get('second')).toBeUndefined();
    expect(changes.map((c) => [c.slug, c.entry !== null])).toEqual([
      ['first', true],
      ['first', false],
      ['second', true],
      ['second', false],
    ]);
  });

  it('never brings back a run unpublished while its rebuild was reading', async () => {
    publish();
    await store.start();
    store.publicationChanged(runId); // a rebuild starts…
    repos.publications.remove(runId);
    store.publicationChanged(runId); // …and the run is unpublished before it ends
    await store.idle();
    await advance(20_000);
    expect(store.get('bloom-demo')).toBeUndefined();
  });

  it('stops its timers', async () => {
    publish();
    await store.start();
    store.committed(runId); // rebuilds at once…
    await advance(100);
    store.committed(runId); // …so this one waits on a trailing timer
    const b = builds;
    store.stop();
    await advance(60_000);
    expect(builds).toBe(b);
  });
});
