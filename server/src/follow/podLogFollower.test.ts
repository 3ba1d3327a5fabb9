// The pod log follower against an in-process log endpoint with the kubelet's semantics (sinceTime cut to whole
// seconds, inclusive; drops mid-line; rotation). The oracle for "exactly once" is one pass of the parser over the
// de-duplicated text of every line: the rows stored through drops, restarts and instance changes must be exactly
// the rows that one pass gives, at the same byte offsets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { createLogParser } from '@trainboard/shared/log/parser';
import { seededRandom } from '@trainboard/shared/testing/parseAll';
import { kubePodLogApi } from '../adapters/kubernetes/podLogApi.js';
import { FakeLogServer, type FakeContainerLog } from '../adapters/kubernetes/testing/fakeLogServer.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { loadSource } from './followedSources.js';
import type { Follower } from './follower.js';
import { startPodLogFollower } from './podLogFollower.js';
import { loadPodLogCursor } from './podLogReader.js';
import { parsePodLogSourcePath, podLogSourcePath, registerPodLogSource, type PodLogTarget } from './podLogSources.js';

const logger = pino({ level: process.env.PODLOG_LOG ?? 'silent' });
const target: PodLogTarget = { namespace: 'ml', workload: 'job', jobName: 'tb-run1', container: 'trainer' };
const POD = 'tb-run1-0-x7k2p';
const timing = { pollMs: 5, quietFlushMs: 600_000, backoffMinMs: 1, backoffMaxMs: 20 };

function seedFor(): number {
  const seed = process.env.POD_LOG_TEST_SEED
    ? Number(process.env.POD_LOG_TEST_SEED)
    : Math.floor(Math.random() * 2 ** 31);
  onTestFailed(() => console.log(`seeded with ${seed}: replay with POD_LOG_TEST_SEED=${seed}`));
  return seed;
}

/** The leader pod as the API returns it (labels the Job controller sets; one container status). */
function leaderPod(restartCount: number, state: 'running' | 'terminated', uid = 'uid-1', name = POD): object {
  return {
    metadata: {
      name,
      namespace: 'ml',
      uid,
      creationTimestamp: '2026-12-06T22:00:00Z',
      labels: { 'job-name': 'tb-run1', 'batch.kubernetes.io/job-completion-index': '0' },
    },
    status: {
      phase: state === 'running' ? 'Running' : 'Failed',
      containerStatuses: [
        {
          name: 'trainer',
          restartCount,
          state: state === 'running' ? { running: {} } : { terminated: { exitCode: 1, reason: 'Error' } },
        },
      ],
    },
  };
}

/** Lines as the trainer writes them: iterations from rank 0, a traceback from rank 1 interleaved, noise. */
class Script {
  readonly texts: string[] = [];
  private sec = Date.UTC(2026, 11, 6, 22, 0, 0) / 1000;
  private nsec = 0;
  private iteration = 0;
  constructor(private readonly random: () => number) {}

  /** The next timestamp: often the same nanosecond as the last one, often the same second. */
  ts(): string {
    if (this.random() > 0.3) this.nsec += 1 + Math.floor(this.random() * 150_000_000);
    if (this.nsec >= 1e9) {
      this.sec += 1;
      this.nsec -= 1e9;
    }
    return `${new Date(this.sec * 1000).toISOString().slice(0, 19)}.${String(this.nsec).padStart(9, '0')}Z`;
  }

  text(): string {
    const r = this.random();
    if (r < 0.03) return '[default1]:Traceback (most recent call last):';
    if (r < 0.06) return '[default1]:  File "pretrain_gpt.py", line 1, in <module>';
    if (r < 0.08) return 'NCCL INFO some noise';
    this.iteration++;
    const it = this.iteration;
    return `[default0]: iteration ${String(it).padStart(8)}/  115311 | consumed samples: ${it * 16} | elapsed time per iteration (s): 1.5 | learning rate: 4.014E-05 | global batch size:    16 | lm loss: 2.5E+00 |`;
  }

  /** Appends `n` lines to `log` (and to the oracle). */
  append(log: FakeContainerLog, n: number): void {
    for (let i = 0; i < n; i++) this.appendText(log, this.text());
  }

  appendText(log: FakeContainerLog, text: string): void {
    log.append(this.ts(), text);
    this.texts.push(text);
  }
}

/** Rows one parser pass over `texts` gives: iterations and other events, as (kind, offset). */
function oracle(texts: readonly string[]): { iterations: [number, number][]; events: [string, number][] } {
  const parser = createLogParser();
  const events = [...parser.push(Buffer.from(texts.map((t) => `${t}\n`).join(''))), ...parser.flush()];
  return {
    iterations: events.filter((e) => e.type === 'iteration').map((e) => [e.iteration, e.offset] as [number, number]),
    events: events
      .filter((e) => e.type !== 'iteration' && e.type !== 'validation')
      .map((e) => [e.type, e.offset] as [string, number])
      .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])),
  };
}

function stored(c: OpenDatabase, sourceId: number) {
  const iterations = c.sqlite
    .prepare('SELECT iteration, byte_offset AS o FROM iterations WHERE log_source_id = ? ORDER BY byte_offset')
    .all(sourceId) as { iteration: number; o: number }[];
  const events = c.sqlite
    .prepare(
      "SELECT type, byte_offset AS o FROM events WHERE log_source_id = ? AND type <> 'log_gap' ORDER BY byte_offset, type",
    )
    .all(sourceId) as { type: string; o: number }[];
  return {
    iterations: iterations.map((r) => [r.iteration, r.o] as [number, number]),
    events: events.map((r) => [r.type, r.o] as [string, number]),
  };
}

function gaps(c: OpenDatabase, sourceId: number): string[] {
  return (
    c.sqlite
      .prepare("SELECT message FROM events WHERE log_source_id = ? AND type = 'log_gap' ORDER BY id")
      .all(sourceId) as {
      message: string;
    }[]
  ).map((r) => r.message);
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

let fake: FakeLogServer;
let dir: string;
let conn: OpenDatabase;
const followers: Follower[] = [];
beforeEach(async () => {
  fake = await new FakeLogServer().start();
  dir = mkdtempSync(join(tmpdir(), 'podlog-'));
  conn = openDatabase(join(dir, 'a.db'));
});
afterEach(async () => {
  await Promise.all(followers.splice(0).map((f) => f.stop()));
  conn.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function follow(c: OpenDatabase, sourceId: number, extra: { maxLineBytes?: number } = {}): Follower {
  const source = loadSource(c.db, sourceId);
  if (!source) throw new Error('no source');
  const f = startPodLogFollower(
    { conn: c, api: kubePodLogApi(fake.kubeConfig(), 2_000), logger, timing, onCommitted: () => undefined, ...extra },
    source,
  );
  followers.push(f);
  return f;
}

const ended = (c: OpenDatabase, id: number) => loadPodLogCursor(c, id).ended;

describe('pod log follower', () => {
  it('stores every line exactly once across 50 drops, many lines in one second, mid-line cuts and rotation of older lines', async () => {
    const random = seededRandom(seedFor());
    const source = registerPodLogSource(conn.db, 'run-a', target);
    const log = fake.container('ml', POD, 'trainer');
    fake.setPods('ml', [leaderPod(0, 'running')]);
    const script = new Script(random);
    script.append(log, 20);
    follow(conn, source.id);
    for (let drop = 0; drop < 50; drop++) {
      await until(() => fake.openResponses > 0);
      const before = fake.requests.length;
      const lines = 1 + Math.floor(random() * 40);
      // Cut inside what is appended now (every line has more than 50 bytes), so the drop happens in this round.
      fake.dropActiveAfterBytes(1 + Math.floor(random() * lines * 50));
      // Some reconnects are cut too, while they replay the second they resumed in.
      if (random() < 0.3) fake.dropAfterBytes(1 + Math.floor(random() * 400));
      script.append(log, lines);
      if (random() < 0.3) rotateOlderThanResumePoint(log, loadPodLogCursor(conn, source.id).resume, random);
      await until(() => fake.requests.length > before);
    }
    log.terminate();
    fake.setPods('ml', [leaderPod(0, 'terminated')]);
    await until(() => ended(conn, source.id));
    expect(fake.requests.length).toBeGreaterThan(50);
    expect(stored(conn, source.id)).toEqual(oracle(script.texts));
    expect(gaps(conn, source.id)).toEqual([]);
    expect(log.firstVisible).toBeGreaterThan(0); // rotation happened along the way
    // Every resume asked from a whole second, as the kubelet would cut it anyway (none before the first commit).
    const since = fake.requests.map((r) => r.query.get('sinceTime')).filter((t) => t !== null);
    expect(since.length).toBeGreaterThan(40);
    for (const t of since) expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  }, 60_000);

  it('resumes from the database cursor in a new process state, even with a traceback open (as after kill -9)', async () => {
    const random = seededRandom(seedFor());
    const source = registerPodLogSource(conn.db, 'run-b', target);
    const log = fake.container('ml', POD, 'trainer');
    fake.setPods('ml', [leaderPod(0, 'running')]);
    const script = new Script(random);
    let c = conn;
    for (let round = 0; round < 6; round++) {
      script.append(log, 30 + Math.floor(random() * 60));
      const f = follow(c, source.id);
      await until(() => fake.openResponses > 0);
      await new Promise((r) => setTimeout(r, random() * 30));
      // What kill -9 leaves: the last committed transaction. Snapshot it and go on from the copy, new objects.
      const snapshot = join(dir, `kill-${round}.db`);
      await c.sqlite.backup(snapshot);
      await f.stop();
      followers.splice(followers.indexOf(f), 1);
      if (c !== conn) c.close();
      c = openDatabase(snapshot);
    }
    follow(c, source.id);
    log.terminate();
    fake.setPods('ml', [leaderPod(0, 'terminated')]);
    await until(() => ended(c, source.id));
    expect(stored(c, source.id)).toEqual(oracle(script.texts));
    expect(stored(c, source.id).events.some(([t]) => t === 'failure')).toBe(true);
    if (c !== conn) c.close();
  }, 60_000);

  it('rolls rows back with a stream cursor that could not be written, and stores them once when it can', async () => {
    const source = registerPodLogSource(conn.db, 'run-l', target);
    const log = fake.container('ml', POD, 'trainer');
    fake.setPods('ml', [leaderPod(0, 'running')]);
    const script = new Script(seededRandom(5));
    script.append(log, 10);
    follow(conn, source.id);
    await until(() => stored(conn, source.id).iterations.length > 0);
    // From now on the stream cursor's UPDATE fails inside the commit's transaction.
    conn.sqlite.exec(`CREATE TABLE fault (on_ INTEGER); INSERT INTO fault VALUES (1);
      CREATE TRIGGER fail_cursor BEFORE UPDATE OF stream_cursor ON log_sources WHEN (SELECT on_ FROM fault) = 1
      BEGIN SELECT RAISE(ABORT, 'injected'); END;`);
    const before = stored(conn, source.id);
    script.append(log, 30);
    await new Promise((r) => setTimeout(r, 150));
    // Nothing of the failed commits is stored: not the rows, not the byte cursor.
    expect(stored(conn, source.id)).toEqual(before);
    conn.sqlite.exec('UPDATE fault SET on_ = 0');
    log.terminate();
    fake.setPods('ml', [leaderPod(0, 'terminated')]);
    await until(() => ended(conn, source.id));
    expect(stored(conn, source.id)).toEqual(oracle(script.texts));
  }, 30_000);

  it('never commits a partial last line while the container runs; commits it once when the container ends', async () => {
    const source = registerPodLogSource(conn.db, 'run-c', target);
    const log = fake.container('ml', POD, 'trainer');
    fake.setPods('ml', [leaderPod(0, 'running')]);
    const script = new Script(seededRandom(7));
    script.append(log, 5);
    follow(conn, source.id);
    await until(() => stored(conn, source.id).iterations.length === 5 - countNonIterations(script.texts));
    // The trainer printed half a line: the held half is lost with a drop and comes back whole.
    const partial = '[default0]: iteration        99/  115311 | consumed samples: 1584 | lm loss: 2.5E+00 |';
    log.appendPartial('2026-12-06T23:00:00.000000001Z', partial.slice(0, 30));
    await new Promise((r) => setTimeout(r, 100));
    fake.dropActiveAfterBytes(1);
    log.completePartial(partial.slice(30));
    script.texts.push(partial);
    await until(() => stored(conn, source.id).iterations.some(([it]) => it === 99));
    // Now a last line without its newline, and the container ends.
    const last = '[default0]: iteration       100/  115311 | consumed samples: 1600 | lm loss: 2.4E+00 |';
    log.appendPartial('2026-12-06T23:00:01.000000001Z', last);
    await new Promise((r) => setTimeout(r, 100));
    expect(stored(conn, source.id).iterations.some(([it]) => it === 100)).toBe(false);
    script.texts.push(last);
    log.terminate();
    fake.setPods('ml', [leaderPod(0, 'terminated')]);
    await until(() => ended(conn, source.id));
    expect(stored(conn, source.id)).toEqual(oracle(script.texts));
  }, 30_000);

  it('says in words that lines may be missing when the kubelet rotated them away, and doubles nothing', async () => {
    const source = registerPodLogSource(conn.db, 'run-d', target);
    const log = fake.container('ml', POD, 'trainer');
    fake.setPods('ml', [leaderPod(0, 'running')]);
    const script = new Script(seededRandom(11));
    for (let i = 0; i < 10; i++) script.appendText(log, iterationText(i + 1));
    // A traceback opens (rank 1) and stays open while rank 0 goes on: the parser's resume point stays behind.
    script.appendText(log, '[default1]:Traceback (most recent call last):');
    for (let i = 10; i < 20; i++) script.appendText(log, iterationText(i + 1));
    const f = follow(conn, source.id);
    await until(() => stored(conn, source.id).iterations.length === 20);
    await f.stop();
    followers.splice(followers.indexOf(f), 1);
    const seen = [...script.texts];
    // While nobody reads, 10 more lines are written and the kubelet rotates away everything up to line 25.
    for (let i = 20; i < 30; i++) script.appendText(log, iterationText(i + 1));
    log.rotate(26);
    follow(conn, source.id);
    log.terminate();
    fake.setPods('ml', [leaderPod(0, 'terminated')]);
    await until(() => ended(conn, source.id));
    const got = stored(conn, source.id).iterations.map(([it]) => it);
    expect(got).toEqual([...range(1, 20), ...range(26, 30)]);
    const offsets = stored(conn, source.id).iterations.map(([, o]) => o);
    expect(new Set(offsets).size).toBe(offsets.length);
    // The lines after the gap start where the lines handed over before ended: no offset is used twice.
    const seenBytes = Buffer.byteLength(seen.map((t) => `${t}\n`).join(''));
    const gapAt = conn.sqlite
      .prepare("SELECT byte_offset AS o FROM events WHERE log_source_id = ? AND type = 'log_gap'")
      .get(source.id) as { o: number };
    expect(gapAt.o).toBe(seenBytes);
    // The gap's marker line comes first, then line 26.
    expect(offsets[20]).toBe(
      seenBytes + Buffer.byteLength('[trainboard] Kubernetes log gap: lines may be missing here\n'),
    );
    const [gap, ...more] = gaps(conn, source.id);
    expect(more).toEqual([]);
    expect(gap).toMatch(/kubelet rotated the pod log away.*lines written between \S+ and \S+ may be missing/);
  }, 30_000);

  it('reads the rest of a restarted container (previous=true), then the new instance from its first line', async () => {
    const source = registerPodLogSource(conn.db, 'run-e', target);
    const first = fake.container('ml', POD, 'trainer');
    fake.setPods('ml', [leaderPod(0, 'running')]);
    const texts: string[] = [];
    const add = (log: FakeContainerLog, ts: string, t: string) => (log.append(ts, t), texts.push(t));
    for (let i = 1; i <= 5; i++) add(first, `2026-12-06T22:00:01.00000000${i}Z`, iterationText(i));
    const f = follow(conn, source.id);
    await until(() => stored(conn, source.id).iterations.length === 5);
    await f.stop();
    followers.splice(followers.indexOf(f), 1);
    for (let i = 6; i <= 8; i++) add(first, `2026-12-06T22:00:02.00000000${i}Z`, iterationText(i));
    const second = fake.restart('ml', POD, 'trainer');
    // The new instance's clock overlaps the old one's seconds: it is another log, read from its start.
    for (let i = 1; i <= 4; i++) add(second, `2026-12-06T22:00:02.00000000${i}Z`, iterationText(i));
    fake.setPods('ml', [leaderPod(1, 'running')]);
    follow(conn, source.id);
    await until(() => stored(conn, source.id).iterations.length === 12);
    second.terminate();
    fake.setPods('ml', [leaderPod(1, 'terminated')]);
    await until(() => ended(conn, source.id));
    expect(stored(conn, source.id)).toEqual(oracle(texts));
    expect(fake.requests.some((r) => r.query.get('previous') === 'true')).toBe(true);
    expect(gaps(conn, source.id)).toEqual([]);
  }, 30_000);

  it('says in words what a replaced pod and restarts nobody read took with them, and reads on', async () => {
    const source = registerPodLogSource(conn.db, 'run-i', target);
    const old = fake.container('ml', POD, 'trainer');
    fake.setPods('ml', [leaderPod(0, 'running')]);
    old.append('2026-12-06T22:00:01.000000001Z', iterationText(1));
    const f = follow(conn, source.id);
    await until(() => stored(conn, source.id).iterations.length === 1);
    await f.stop();
    followers.splice(followers.indexOf(f), 1);
    // Unread lines, then the pod is deleted with its logs and the Job makes another one (another uid).
    old.append('2026-12-06T22:00:02.000000001Z', iterationText(2));
    fake.forget('ml', POD);
    const next = 'tb-run1-0-zzzzz';
    const fresh = fake.container('ml', next, 'trainer');
    fresh.append('2026-12-06T22:01:00.000000001Z', iterationText(1));
    fake.setPods('ml', [leaderPod(0, 'running', 'uid-2', next)]);
    const g = follow(conn, source.id);
    await until(() => stored(conn, source.id).iterations.length === 2);
    expect(gaps(conn, source.id)).toEqual([
      expect.stringMatching(
        /log of pod tb-run1-0-x7k2p \(restart 0\) is no longer available; lines it wrote after 2026-12-06T22:00:01.000000001Z may be missing/,
      ),
    ]);
    await g.stop();
    followers.splice(followers.indexOf(g), 1);
    // Three restarts while nobody reads: the kubelet keeps only the last one's log as `previous`.
    fresh.append('2026-12-06T22:01:01.000000001Z', iterationText(2));
    fake.restart('ml', next, 'trainer').append('2026-12-06T22:02:00.000000001Z', 'run 2');
    fake.restart('ml', next, 'trainer').append('2026-12-06T22:03:00.000000001Z', 'run 3');
    fake.restart('ml', next, 'trainer').append('2026-12-06T22:04:00.000000001Z', iterationText(7));
    fake.setPods('ml', [leaderPod(3, 'running', 'uid-2', next)]);
    follow(conn, source.id);
    await until(() => stored(conn, source.id).iterations.some(([it]) => it === 7));
    const words = gaps(conn, source.id);
    expect(words, JSON.stringify(words)).toHaveLength(3);
    expect(words[1]).toMatch(/log of pod tb-run1-0-zzzzz \(restart 0\) is no longer available/);
    expect(words[2]).toMatch(/container restarted 2 more time\(s\) in pod tb-run1-0-zzzzz while its log was not read/);
    expect(stored(conn, source.id).iterations.map(([it]) => it)).toEqual([1, 1, 7]);
  }, 30_000);

  it('finish(): follows the still-running container to its end (lines written after finish), then stops', async () => {
    const source = registerPodLogSource(conn.db, 'run-j', target);
    const log = fake.container('ml', POD, 'trainer');
    fake.setPods('ml', [leaderPod(0, 'running')]);
    log.append('2026-12-06T22:00:01.000000001Z', iterationText(1));
    const f = follow(conn, source.id);
    await until(() => stored(conn, source.id).iterations.length === 1);
    const finished = f.finish(10_000);
    await new Promise((r) => setTimeout(r, 200)); // a finishing follower that stopped here would lose what follows
    log.append('2026-12-06T22:00:02.000000001Z', iterationText(2));
    log.terminate();
    fake.setPods('ml', [leaderPod(0, 'terminated')]);
    await finished;
    expect(f.status().state).toBe('stopped');
    expect(stored(conn, source.id).iterations.map(([it]) => it)).toEqual([1, 2]);
    expect(ended(conn, source.id)).toBe(true);
  }, 30_000);

  it('reports the lines written before the log was first watched as backlog, only the first time', async () => {
    const source = registerPodLogSource(conn.db, 'run-k', target);
    const log = fake.container('ml', POD, 'trainer');
    fake.setPods('ml', [leaderPod(0, 'running')]);
    log.append('2026-12-06T22:00:01.000000001Z', iterationText(1));
    log.append('2026-12-06T22:00:02.000000001Z', iterationText(2));
    const backlog: number[] = [];
    const make = () =>
      startPodLogFollower(
        {
          conn,
          api: kubePodLogApi(fake.kubeConfig(), 2_000),
          logger,
          timing,
          onCommitted: () => undefined,
          onBacklog: (_runId, end) => backlog.push(end),
        },
        loadSource(conn.db, source.id) as NonNullable<ReturnType<typeof loadSource>>,
      );
    const f = make();
    followers.push(f);
    await until(() => stored(conn, source.id).iterations.length === 2);
    // A line stamped now is live.
    const now = new Date().toISOString().replace('Z', '000000Z');
    log.append(now, iterationText(3));
    await until(() => stored(conn, source.id).iterations.length === 3);
    const third = stored(conn, source.id).iterations[2]?.[1] as number;
    // Reported as it grows (chunk by chunk), before the rows it covers are announced; it ends where line 3 starts.
    expect(backlog.at(-1)).toBe(third);
    expect([...backlog].sort((a, b) => a - b)).toEqual(backlog);
    const reported = backlog.length;
    await f.stop();
    followers.splice(followers.indexOf(f), 1);
    // Watched before: a restarted server's follower has no backlog (what came while it was down is news).
    log.append(new Date(Date.now() + 1000).toISOString().replace('Z', '000000Z'), iterationText(4));
    followers.push(make());
    await until(() => stored(conn, source.id).iterations.length === 4);
    expect(backlog).toHaveLength(reported);
  }, 30_000);

  it('bounds a 200 MB line: stored as line_too_long with its length, the lines after it intact', async () => {
    const source = registerPodLogSource(conn.db, 'run-f', target);
    const log = fake.container('ml', POD, 'trainer');
    fake.setPods('ml', [leaderPod(0, 'running')]);
    log.append('2026-12-06T22:00:01.000000001Z', iterationText(1));
    log.appendGenerated('2026-12-06T22:00:01.000000002Z', 200_000_000);
    log.append('2026-12-06T22:00:01.000000003Z', iterationText(2));
    log.terminate();
    fake.setPods('ml', [leaderPod(0, 'terminated')]);
    const base = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.arrayBuffers - base.arrayBuffers + (m.heapUsed - base.heapUsed));
    }, 20);
    follow(conn, source.id);
    await until(() => ended(conn, source.id), 120_000);
    clearInterval(sampler);
    const row = conn.sqlite
      .prepare("SELECT payload FROM events WHERE log_source_id = ? AND type = 'line_too_long'")
      .get(source.id) as { payload: string };
    expect(JSON.parse(row.payload)).toMatchObject({ length: 200_000_000, limit: 1 << 20, head: 'x'.repeat(160) });
    expect(stored(conn, source.id).iterations.map(([it]) => it)).toEqual([1, 2]);
    // Bounded: the follower held about one line limit (1 MiB) and the socket's chunks, never the line.
    expect(peak).toBeLessThan(64 << 20);
  }, 120_000);

  it('takes a quiet log for quiet, not for a failure: reconnects at once and keeps following', async () => {
    const source = registerPodLogSource(conn.db, 'run-m', target);
    const log = fake.container('ml', POD, 'trainer');
    fake.setPods('ml', [leaderPod(0, 'running')]);
    log.append('2026-12-06T22:00:01.000000001Z', iterationText(1));
    const states: string[] = [];
    const f = startPodLogFollower(
      {
        conn,
        api: kubePodLogApi(fake.kubeConfig(), 100),
        logger,
        timing: { ...timing, backoffMinMs: 5_000, backoffMaxMs: 5_000 },
        onCommitted: () => undefined,
        onStatus: (st) => states.push(st.state),
      },
      loadSource(conn.db, source.id) as NonNullable<ReturnType<typeof loadSource>>,
    );
    followers.push(f);
    await until(() => fake.requests.length >= 4); // three silences of 100 ms, each followed by a new request
    log.append('2026-12-06T22:00:01.000000002Z', iterationText(2));
    await until(() => stored(conn, source.id).iterations.length === 2, 2_000); // no 5 s backoff was waited
    expect(states).not.toContain('reconnecting');
    expect(stored(conn, source.id).iterations.map(([it]) => it)).toEqual([1, 2]);
  }, 30_000);

  it('honours a 429 Retry-After before asking again', async () => {
    const source = registerPodLogSource(conn.db, 'run-g', target);
    fake.container('ml', POD, 'trainer').append('2026-12-06T22:00:01.000000001Z', iterationText(1));
    fake.setPods('ml', [leaderPod(0, 'running')]);
    fake.failNext(1, 429, 'TooManyRequests', 'Too many requests, please try again later.', 1);
    follow(conn, source.id);
    await until(() => stored(conn, source.id).iterations.length === 1);
    const [refused, next] = fake.arrivals;
    expect(refused?.status).toBe(429);
    expect((next?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(990);
  }, 30_000);

  it('refuses hostile namespace, job and container names; never builds a request from them', () => {
    for (const bad of ['../etc', 'a/b', 'A', 'a b', 'a%2F', '', '-x', 'a\nb', 'x'.repeat(64), 'é']) {
      for (const t of [
        { ...target, namespace: bad },
        { ...target, jobName: bad },
        { ...target, container: bad },
      ]) {
        expect(() => registerPodLogSource(conn.db, 'run-h', t), JSON.stringify(t)).toThrow(/DNS-1123/);
        expect(parsePodLogSourcePath(`k8s://${t.namespace}/job/${t.jobName}/${t.container}`)).toBeNull();
      }
    }
    expect(() => registerPodLogSource(conn.db, 'run-h', { ...target, workload: 'cronjob' as 'job' })).toThrow(
      /workload/,
    );
    expect(parsePodLogSourcePath(podLogSourcePath(target))).toEqual(target);
    expect(parsePodLogSourcePath('/scratch/main_log.txt')).toBeNull();
    expect(parsePodLogSourcePath('k8s://ml/job/tb-run1/trainer/../x')).toBeNull();
    expect(fake.arrivals).toEqual([]);
  });
});

/**
 * Rotates away lines older than the stored resume point's timestamp: a resume needs nothing older, so nothing may
 * be lost and no gap may be reported. (Cutting into the lines AT that timestamp is reported as a possible gap, see
 * logLines.test.ts.) The script's timestamps never go backwards.
 */
function rotateOlderThanResumePoint(
  log: FakeContainerLog,
  resume: { lastTs: string | null },
  random: () => number,
): void {
  if (resume.lastTs === null) return;
  const first = log.entries.findIndex((e) => e.tsText === resume.lastTs);
  const keepFrom = first - Math.floor(random() * 4);
  if (first >= 0 && keepFrom > log.firstVisible) log.rotate(keepFrom - log.firstVisible);
}

function iterationText(it: number): string {
  return `[default0]: iteration ${String(it).padStart(8)}/  115311 | consumed samples: ${it * 16} | lm loss: 2.5E+00 |`;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function countNonIterations(texts: readonly string[]): number {
  return texts.filter((t) => !t.includes(' iteration ')).length;
}
