import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { seededRandom } from '@trainboard/shared/testing/parseAll';
import type { FollowerStatus as FollowStatus } from '@trainboard/shared/realtime';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { loadSource, registerFollowedFile } from './followedSources.js';
import { startFollower, type Follower } from './follower.js';
import { localFiles } from './localFiles.js';
import type { RemoteFiles } from './remoteFiles.js';

const line = (it: number) =>
  `[default7]: iteration ${String(it).padStart(8)}/  115311 | consumed samples: ${it * 16} | elapsed time per iteration (s): 1.5 | learning rate: 4.014E-05 | global batch size:    16 | lm loss: 2.5E+00 | grad norm: 0.141 | number of skipped iterations:   0 | number of nan iterations:   0 |\n`;
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i)).join('');
const timing = {
  pollMs: 5,
  quietFlushMs: 50,
  identityCheckMs: 20,
  waitForFileMs: 10,
  backoffMinMs: 1,
  backoffMaxMs: 20,
};
const logger = pino({ level: 'silent' });

/**
 * The random faults and slice sizes come from one seeded PRNG: a failure prints its seed, and
 * FOLLOWER_TEST_SEED=<seed> replays the same faults at the same calls.
 */
function faultSeed(): number {
  const seed = process.env.FOLLOWER_TEST_SEED
    ? Number(process.env.FOLLOWER_TEST_SEED)
    : Math.floor(Math.random() * 2 ** 31);
  onTestFailed(() => console.log(`random faults seeded with ${seed}: replay with FOLLOWER_TEST_SEED=${seed}`));
  return seed;
}

/** Fails a share `failRate` of the calls, at any step (stat, open, size, read). */
function flaky(inner: RemoteFiles, failRate: number, random: () => number): RemoteFiles & { failures: number } {
  const state = { failures: 0 };
  const maybeFail = () => {
    if (random() < failRate) {
      state.failures++;
      throw new Error('injected transport failure');
    }
  };
  return Object.assign(state, {
    async stat(path: string) {
      maybeFail();
      return inner.stat(path);
    },
    async open(path: string) {
      maybeFail();
      const f = await inner.open(path);
      return {
        size: async () => (maybeFail(), f.size()),
        read: async (o: number, n: number) => (maybeFail(), f.read(o, n)),
        close: () => f.close(),
      };
    },
  });
}

let dir: string;
let conn: OpenDatabase;
let follower: Follower | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'follower-'));
  conn = openDatabase(':memory:');
});
afterEach(async () => {
  await follower?.stop();
  follower = null;
  conn.close();
  rmSync(dir, { recursive: true, force: true });
});

const iterationsOf = (sourceId: number) =>
  (
    conn.sqlite
      .prepare('SELECT iteration FROM iterations WHERE log_source_id = ? ORDER BY byte_offset')
      .all(sourceId) as { iteration: number }[]
  ).map((r) => r.iteration);
const cursor = (sourceId: number) =>
  (conn.sqlite.prepare('SELECT byte_offset AS o FROM log_sources WHERE id = ?').get(sourceId) as { o: number }).o;
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('follower', () => {
  it('survives failures at every step and stores every line exactly once', async () => {
    const path = join(dir, 'log.txt');
    writeFileSync(path, '');
    const source = registerFollowedFile(conn.db, 'flaky', path);
    const random = seededRandom(faultSeed());
    const files = flaky(localFiles(), 0.2, random);
    let commits = 0;
    // Small batches: many commits, so failures strike between them too.
    follower = startFollower(
      { conn, files, logger, timing: { ...timing, maxBatchBytes: 16_384 }, onCommitted: () => commits++ },
      source,
    );
    const text = lines(1, 3000);
    for (let at = 0; at < text.length;) {
      const n = 1 + Math.floor(random() * 20_000);
      appendFileSync(path, text.slice(at, at + n));
      at += n;
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => cursor(source.id) === Buffer.byteLength(text));
    expect(iterationsOf(source.id)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(files.failures).toBeGreaterThan(5);
    expect(commits).toBeGreaterThan(20);
  });

  it('starts the reconnect backoff afresh after a session that made progress, however often the transport drops', async () => {
    const path = join(dir, 'log.txt');
    writeFileSync(path, '');
    const source = registerFollowedFile(conn.db, 'backoff', path);
    // The transport drops right after every commit: each session makes progress, then fails.
    let dropNext = false;
    const inner = localFiles();
    const files: RemoteFiles = {
      stat: (p) => inner.stat(p),
      async open(p) {
        const f = await inner.open(p);
        return {
          size: async () => {
            if (dropNext) {
              dropNext = false;
              throw new Error('injected drop');
            }
            return f.size();
          },
          read: (o, n) => f.read(o, n),
          close: () => f.close(),
        };
      },
    };
    const retries: number[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n'))
          if (l.includes('follow interrupted')) retries.push((JSON.parse(l) as { retryInMs: number }).retryInMs);
        done();
      },
    });
    const warnings = pino({ level: 'warn' }, sink);
    follower = startFollower(
      {
        conn,
        files,
        logger: warnings,
        timing: { ...timing, backoffMinMs: 1, backoffMaxMs: 64 },
        onCommitted: () => (dropNext = true),
      },
      source,
    );
    for (let i = 1; i <= 30; i++) {
      appendFileSync(path, line(i));
      await until(() => iterationsOf(source.id).length === i);
    }
    await until(() => retries.length >= 30);
    expect(iterationsOf(source.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(retries)).toEqual(new Set([1]));
  });

  it('commits many lines per transaction under load, one small batch per poll when idle', async () => {
    const path = join(dir, 'log.txt');
    writeFileSync(path, lines(1, 20_000));
    const source = registerFollowedFile(conn.db, 'batching', path);
    let commits = 0;
    follower = startFollower({ conn, files: localFiles(), logger, timing, onCommitted: () => commits++ }, source);
    await until(() => iterationsOf(source.id).length === 20_000);
    expect(commits).toBeLessThanOrEqual(2); // ~4.5 MiB in 4 MiB transactions
    const before = commits;
    appendFileSync(path, line(20_001));
    await until(() => iterationsOf(source.id).length === 20_001);
    expect(commits).toBe(before + 1);
  });

  it('waits for a missing file, reports it, and stops promptly while waiting', async () => {
    const path = join(dir, 'later.txt');
    const source = registerFollowedFile(conn.db, 'later', path);
    const statuses: FollowStatus['state'][] = [];
    follower = startFollower(
      {
        conn,
        files: localFiles(),
        logger,
        timing,
        onCommitted: () => undefined,
        onStatus: (s) => statuses.push(s.state),
      },
      source,
    );
    await until(() => statuses.includes('waiting_for_file'));
    writeFileSync(path, lines(1, 5));
    await until(() => iterationsOf(source.id).length === 5);
    const started = Date.now();
    await follower.stop();
    follower = null;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(statuses).toEqual(['waiting_for_file', 'following', 'stopped']);
  });

  it('resumes from the committed cursor after a stop, without reading a line twice', async () => {
    const path = join(dir, 'log.txt');
    writeFileSync(path, lines(1, 100) + line(101).slice(0, 40));
    const source = registerFollowedFile(conn.db, 'resume', path);
    // What the file held when first followed is reported once (its incidents are history), not on a resume.
    const backlog: number[] = [];
    const onBacklog = (_run: number, size: number) => backlog.push(size);
    const deps = { conn, files: localFiles(), logger, timing, onCommitted: () => undefined, onBacklog };
    follower = startFollower(deps, source);
    await until(() => iterationsOf(source.id).length === 100);
    await follower.stop();
    expect(backlog).toEqual([statSync(path).size]);
    appendFileSync(path, line(101).slice(40) + lines(102, 110));
    follower = startFollower(deps, loadSource(conn.db, source.id)!);
    await until(() => iterationsOf(source.id).length === 110);
    expect(iterationsOf(source.id)).toEqual(Array.from({ length: 110 }, (_, i) => i + 1));
    expect(backlog).toHaveLength(1);
  });
});

describe('follower of a run that ends', () => {
  it('reads the last lines written before the end, closes open groups, then stops', async () => {
    const path = join(dir, 'log.txt');
    writeFileSync(path, lines(1, 10));
    const source = registerFollowedFile(conn.db, 'ending', path);
    const f = startFollower(
      { conn, files: localFiles(), logger, timing: { ...timing, quietFlushMs: 60_000 }, onCommitted: () => undefined },
      source,
    );
    await until(() => iterationsOf(source.id).length === 10);
    // The job's last words: more iterations and a traceback, then the run is marked ended at once.
    appendFileSync(
      path,
      lines(11, 20) +
        '[default0]:Traceback (most recent call last):\n[default0]:RuntimeError: CUDA error: an illegal memory access was encountered\n',
    );
    await f.finish(5_000);
    expect(iterationsOf(source.id)).toHaveLength(20);
    const failures = conn.sqlite
      .prepare("SELECT kind FROM events WHERE log_source_id = ? AND type = 'failure'")
      .all(source.id);
    expect(failures).toEqual([{ kind: 'cuda_error' }]);
    expect(f.status().state).toBe('stopped');
  });
});
