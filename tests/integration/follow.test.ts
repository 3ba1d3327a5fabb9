// Following log files live over the real sshd: exactly-once ingest and delivery while SSH sessions and the server
// itself are killed, plus truncation/replacement, a file that appears late, a partial last line and a burst.
import { appendFileSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../server/src/db/client.js';
import { registerFollowedFile } from '../../server/src/follow/followedSources.js';
import { createTestAuth } from '../../server/src/testing/testAuth.js';
import { writeSyntheticLog } from '../../scripts/bench/syntheticLog.js';
import { devCluster, sleep } from './cluster.js';
import {
  expectedRows,
  freePort,
  PrivateSshd,
  RecordingClient,
  remoteDir,
  ServerProcess,
  until,
  type ExpectedRows,
} from './followHarness.js';

const c = devCluster();
const dir = remoteDir(c, 'follow-test');
let sshd: PrivateSshd;

/** A synthetic tr11-like log of about `lines` lines (iterations, validation blocks, saves, PULSE lines). */
function syntheticLog(lines: number): Buffer {
  const path = join(dir, `synthetic-${lines}.txt`);
  writeSyntheticLog(path, lines);
  return readFileSync(path);
}

function storedRows(conn: OpenDatabase, sourceId: number): ExpectedRows {
  const iterations = conn.sqlite
    .prepare(
      'SELECT byte_offset AS offset, iteration, lm_loss AS lmLoss FROM iterations WHERE log_source_id = ? ORDER BY byte_offset',
    )
    .all(sourceId) as ExpectedRows['iterations'];
  const validations = (
    conn.sqlite
      .prepare('SELECT byte_offset AS o FROM validations WHERE log_source_id = ? ORDER BY byte_offset')
      .all(sourceId) as { o: number }[]
  ).map((r) => r.o);
  return { iterations, validations };
}

const cursorOf = (conn: OpenDatabase, sourceId: number) =>
  (
    conn.sqlite.prepare('SELECT byte_offset AS o FROM log_sources WHERE id = ?').get(sourceId) as
      { o: number } | undefined
  )?.o ?? -1;
const sourcesOf = (conn: OpenDatabase, runId: number) =>
  conn.sqlite
    .prepare('SELECT id, path, byte_offset AS offset FROM log_sources WHERE run_id = ? ORDER BY id')
    .all(runId) as { id: number; path: string; offset: number }[];

beforeAll(async () => {
  sshd = new PrivateSshd(c, c.ssh.port + 60, dir);
  await sshd.start();
});
afterAll(async () => {
  await sshd.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('following a log over SSH while connections and the server are killed', () => {
  it('stores every iteration of a 100k-line log exactly once and a client sees every point exactly once', async () => {
    const log = syntheticLog(100_000);
    const expected = expectedRows(log);
    const path = join(dir, 'main_log.txt');
    const dbPath = join(dir, 'kill.db');
    const conn = openDatabase(dbPath);
    const source = registerFollowedFile(conn.db, 'kill-test', path);
    const port = await freePort();
    const server = new ServerProcess({ db: dbPath, port, sshPort: sshd.port, knownHostsPath: sshd.knownHostsPath, c });
    await server.start();
    const client = new RecordingClient(`http://127.0.0.1:${port}`, source.runId, createTestAuth(conn).token('viewer'));
    let sessionKills = 0;
    let serverKills = 0;
    let progress = 'writing';
    try {
      // The writer: the log in random slices cut anywhere (mid-line too), ~20 s in all.
      writeFileSync(path, '');
      let written = 0;
      const writer = (async () => {
        while (written < log.length) {
          const n = Math.min(log.length - written, 1 + Math.floor(Math.random() * 80_000));
          appendFileSync(path, log.subarray(written, written + n));
          written += n;
          await sleep(50);
        }
      })();
      // The chaos: SSH sessions killed every 0.2-1 s, the server killed -9 three times.
      const chaos = (async () => {
        let round = 0;
        while (written < log.length || round < 20) {
          await sleep(200 + Math.random() * 800);
          if (++round % 5 === 0 && serverKills < 3) {
            await server.kill9();
            serverKills++;
            await sleep(Math.random() * 500);
            await server.start();
          } else if (sshd.killSessions() > 0) sessionKills++;
        }
      })();
      await Promise.all([writer, chaos]);
      progress = 'catching up';
      await until('the cursor to reach the end of the file', () => cursorOf(conn, source.id) === log.length, 60_000);
      const stored = storedRows(conn, source.id);
      expect(stored.iterations.length).toBe(expected.iterations.length);
      expect(stored.iterations).toEqual(expected.iterations);
      expect(stored.validations).toEqual(expected.validations);
      const ids = (
        conn.sqlite.prepare('SELECT id FROM iterations WHERE run_id = ? ORDER BY id').all(source.runId) as {
          id: number;
        }[]
      ).map((r) => r.id);
      await until('the client to have every point', () => client.points.length >= ids.length, 20_000);
      expect(client.points.map((p) => p.id)).toEqual(ids);
      expect(client.points.map((p) => p.iteration)).toEqual(expected.iterations.map((r) => r.iteration));
      expect(sessionKills).toBeGreaterThanOrEqual(8);
      expect(serverKills).toBe(3);
      progress = 'done';
      const timeouts = server.output.filter((l) => l.includes('got no answer')).length;
      for (const l of server.output.filter((o) => o.includes('got no answer'))) console.log(l);
      console.log(
        `100k-line log: ${expected.iterations.length} iterations, ${sessionKills} SSH session kills, ${serverKills} server kill -9, client resubscribed ${client.subscribes} times, ${client.gaps} gaps replayed, ${timeouts} remote timeouts`,
      );
    } finally {
      if (progress !== 'done')
        console.log(
          `stopped while ${progress}; cursor ${cursorOf(conn, source.id)}/${log.length}; server output:\n${server.output.slice(-30).join('\n')}`,
        );
      client.close();
      await server.stop();
      conn.close();
    }
  }, 170_000);
});

describe('following files that change shape', () => {
  let conn: OpenDatabase;
  let server: ServerProcess;
  let port: number;
  const dbPath = join(dir, 'shapes.db');
  const log = syntheticLog(60_000);
  /** The first `n` lines of the synthetic log. */
  const firstLines = (n: number): Buffer => {
    let at = 0;
    for (let i = 0; i < n; i++) at = log.indexOf(0x0a, at) + 1;
    return log.subarray(0, at);
  };

  beforeAll(async () => {
    conn = openDatabase(dbPath);
    port = await freePort();
    server = new ServerProcess({ db: dbPath, port, sshPort: sshd.port, knownHostsPath: sshd.knownHostsPath, c });
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    conn.close();
  });

  it('waits for a file that does not exist yet (job pending), then reads it from its first byte', async () => {
    const path = join(dir, 'pending', 'main_log.txt');
    const source = registerFollowedFile(conn.db, 'pending-test', path);
    await sleep(1_500); // the follower polls for it meanwhile
    expect(cursorOf(conn, source.id)).toBe(0);
    const { mkdirSync, chmodSync } = await import('node:fs');
    mkdirSync(join(dir, 'pending'));
    chmodSync(join(dir, 'pending'), 0o755);
    const bytes = firstLines(3_000);
    writeFileSync(path, bytes);
    await until('the late file to be read', () => cursorOf(conn, source.id) === bytes.length, 15_000);
    expect(storedRows(conn, source.id)).toEqual(expectedRows(bytes));
  });

  it('holds a partial last line until it is complete, then stores it once', async () => {
    const path = join(dir, 'partial.txt');
    const source = registerFollowedFile(conn.db, 'partial-test', path);
    const whole = firstLines(2_000);
    // Cut inside the last iteration line (after its `iteration` label, before its loss).
    const lastIteration = whole.lastIndexOf(Buffer.from(' iteration '));
    const cut = whole.indexOf(Buffer.from('lm loss'), lastIteration) + 3;
    const lineStart = whole.lastIndexOf(0x0a, lastIteration) + 1;
    writeFileSync(path, whole.subarray(0, cut));
    await until('the complete lines to be stored', () => cursorOf(conn, source.id) === lineStart, 15_000);
    await sleep(2_000); // past the quiet-period flush: the held line must still not be stored
    const before = storedRows(conn, source.id);
    expect(before.iterations.at(-1)?.offset).toBeLessThan(lineStart);
    expect(before).toEqual(expectedRows(whole.subarray(0, lineStart)));
    appendFileSync(path, whole.subarray(cut));
    await until('the completed line to be stored', () => cursorOf(conn, source.id) === whole.length, 15_000);
    expect(storedRows(conn, source.id)).toEqual(expectedRows(whole));
  });

  it('ingests a burst of 50k lines appended at once', async () => {
    const path = join(dir, 'burst.txt');
    const source = registerFollowedFile(conn.db, 'burst-test', path);
    const head = firstLines(10);
    writeFileSync(path, head);
    await until('the head to be read', () => cursorOf(conn, source.id) === head.length, 15_000);
    const burst = firstLines(50_010);
    const started = Date.now();
    appendFileSync(path, burst.subarray(head.length));
    await until('the burst to be stored', () => cursorOf(conn, source.id) === burst.length, 60_000);
    const seconds = (Date.now() - started) / 1000;
    expect(storedRows(conn, source.id)).toEqual(expectedRows(burst));
    console.log(`burst of 50k lines stored in ${seconds.toFixed(2)} s (${Math.round(50_000 / seconds)} lines/s)`);
  });

  it('reads a truncated and rewritten file, then a file replaced by another inode, as new sources without mixing bytes', async () => {
    const path = join(dir, 'rotated.txt');
    const source = registerFollowedFile(conn.db, 'rotated-test', path);
    const first = firstLines(3_000);
    writeFileSync(path, first);
    await until('the first file to be read', () => cursorOf(conn, source.id) === first.length, 15_000);

    // Truncated in place (same inode), seen truncated, then rewritten with other content, longer than what was
    // read. (Rewritten before the follower looks, other first bytes would make it "replaced": checkFileIdentity.)
    const second = Buffer.concat([Buffer.from('rewritten after a manual truncation\n'), firstLines(4_000)]);
    truncateSync(path, 0);
    await until('a second source for the truncated file', () => sourcesOf(conn, source.runId).length === 2, 15_000);
    appendFileSync(path, second);
    const afterTruncate = sourcesOf(conn, source.runId);
    const secondId = (afterTruncate[1] as { id: number }).id;
    await until('the rewritten file to be read', () => cursorOf(conn, secondId) === second.length, 15_000);

    // Replaced by rename (another inode), as logrotate would.
    const third = Buffer.concat([Buffer.from('a brand new file\n'), firstLines(1_000)]);
    writeFileSync(`${path}.new`, third);
    renameSync(`${path}.new`, path);
    await until('a third source for the replacing file', () => sourcesOf(conn, source.runId).length === 3, 15_000);
    const thirdId = (sourcesOf(conn, source.runId)[2] as { id: number }).id;
    await until('the replacing file to be read', () => cursorOf(conn, thirdId) === third.length, 15_000);

    const sources = sourcesOf(conn, source.runId);
    expect(sources.map((s) => s.path)).toEqual([
      expect.stringMatching(new RegExp(`^\\[truncated .* source ${source.id}\\] ${path}$`)),
      expect.stringMatching(new RegExp(`^\\[replaced .* source ${secondId}\\] ${path}$`)),
      path,
    ]);
    // Each source holds exactly its own file's rows: nothing lost, nothing read across the change.
    expect(storedRows(conn, source.id)).toEqual(expectedRows(first));
    expect(storedRows(conn, secondId)).toEqual(expectedRows(second));
    expect(storedRows(conn, thirdId)).toEqual(expectedRows(third));
  });

  it('serves the log viewer from the followed file over SFTP, and says so when SSH is gone', async () => {
    const path = join(dir, 'viewer.txt');
    const source = registerFollowedFile(conn.db, 'viewer-test', path);
    const bytes = firstLines(500);
    writeFileSync(path, bytes);
    await until('the file to be read', () => cursorOf(conn, source.id) === bytes.length, 15_000);
    const url = `http://127.0.0.1:${port}/api/runs/${source.runId}/log?length=4096`;
    const headers = createTestAuth(conn).headers('viewer');
    const tail = (await (await fetch(url, { headers })).json()) as { lines: string[]; end: number };
    expect(tail.end).toBe(bytes.length);
    expect(tail.lines.slice(-3)).toEqual(bytes.toString('utf8').trimEnd().split('\n').slice(-3));
    // The server reads the log where the follower does (over SSH), not from its own disk: no sshd, no log.
    await sshd.stop();
    try {
      const res = await fetch(url, { headers });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('not_readable');
    } finally {
      await sshd.start();
    }
  }, 60_000);
});
