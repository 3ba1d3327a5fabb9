// The work one log search may cause, on a log whose last line is 20 MB (the audit's 200 MB case, scaled down): every
// request stops at its byte budget with a resumable scannedFrom, the long line is skipped and reported once, never
// held whole; a client that goes away stops the reads; the server-wide slots refuse a search past the queue.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import { localFiles } from '../follow/localFiles.js';
import type { OpenRemoteFile, RemoteFiles } from '../follow/remoteFiles.js';
import { plainRouter } from '../testing/plainRouter.js';
import { errorHandler } from './errors.js';
import { DEFAULT_SEARCH_BUDGET, logSearchRouter, type SearchBudget } from './logSearch.router.js';
import { createSlots, type Slots } from './slots.js';

const MiB = 1024 * 1024;
const LONG = 20 * MiB;
let dir: string;
let conn: OpenDatabase;
let runId: number;
let head: Buffer;
let size: number;
const servers: Server[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'log-search-bounds-'));
  head = Buffer.from(
    Array.from({ length: 2000 }, (_, i) => `[default0]: line ${i}${i % 500 === 1 ? ' NEEDLE here' : ''}\n`).join(''),
  );
  // The last line: 20 MB without a newline, the needle inside it (a skipped line is not searched).
  const long = Buffer.alloc(LONG, 'x');
  long.write('NEEDLE', LONG / 2);
  writeFileSync(join(dir, 'main_log.txt'), Buffer.concat([head, long]));
  size = head.length + LONG;
  conn = openDatabase(':memory:');
  runId = registerFollowedFile(conn.db, 'bounds', join(dir, 'main_log.txt')).runId;
});
afterAll(() => {
  for (const s of servers) s.close();
  conn?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Local files that count the bytes read, and can hold a read until released. */
function countingFiles(gate?: { atRead: number; reached: () => void; release: Promise<void> }) {
  const stats = { reads: 0, bytes: 0, closed: 0 };
  const inner = localFiles();
  const files: RemoteFiles = {
    stat: (path) => inner.stat(path),
    async open(path) {
      const handle = await inner.open(path);
      const wrapped: OpenRemoteFile = {
        size: () => handle.size(),
        async read(offset, length) {
          stats.reads++;
          if (gate && stats.reads === gate.atRead) {
            gate.reached();
            await gate.release;
          }
          const buf = await handle.read(offset, length);
          stats.bytes += buf.length;
          return buf;
        },
        async close() {
          stats.closed++;
          await handle.close();
        },
      };
      return wrapped;
    },
  };
  return { files, stats };
}

async function serve(
  files: RemoteFiles,
  budget: SearchBudget,
  slots?: Slots,
): Promise<{ url: string; sockets: Socket[] }> {
  const app = express()
    .use(plainRouter(logSearchRouter(createRepositories(conn.sqlite), () => files, budget, slots)))
    .use(errorHandler(pino({ level: 'silent' })));
  const server = createServer(app);
  const sockets: Socket[] = [];
  server.on('connection', (s) => sockets.push(s));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/runs/${runId}/log/search`, sockets };
}

// 512 KiB chunks are read in one piece each (readRange's piece size), so reads count chunks.
const BUDGET: SearchBudget = {
  ...DEFAULT_SEARCH_BUDGET,
  chunkBytes: 512 * 1024,
  maxBytes: 4 * MiB,
  maxMs: 600_000,
  maxLineBytes: 64 * 1024,
};

describe('log search bounds', () => {
  it('stops every request at the byte budget inside a 20 MB line, and continuations skip it once and find the rest', async () => {
    const { files, stats } = countingFiles();
    const { url } = await serve(files, BUDGET);
    const answers: {
      scannedFrom: number;
      stoppedEarly: string | null;
      insideLongLine: boolean;
      longLines: unknown[];
      matches: { offset: number }[];
    }[] = [];
    let before = size;
    while (before > 0 && answers.length < 20) {
      const bytesBefore = stats.bytes;
      const res = await fetch(`${url}?q=needle&before=${before}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as (typeof answers)[number];
      // The budget holds inside the line: never more than maxBytes read for one request.
      expect(stats.bytes - bytesBefore).toBeLessThanOrEqual(BUDGET.maxBytes);
      expect(body.scannedFrom).toBeLessThan(before);
      answers.push(body);
      before = body.scannedFrom;
    }
    // Five requests of exactly 4 MiB walk back through the 20 MB line, each resumable from inside it.
    expect(answers.slice(0, 5).map((a) => [a.scannedFrom, a.stoppedEarly, a.insideLongLine])).toEqual(
      [1, 2, 3, 4, 5].map((k) => [size - k * BUDGET.maxBytes, 'bytes', true]),
    );
    // What each request skipped, together: exactly the 20 MB line, and its needle is not reported.
    expect(answers.flatMap((a) => a.longLines)).toEqual(
      [1, 2, 3, 4, 5].map((k) => ({ offset: size - k * BUDGET.maxBytes, bytes: BUDGET.maxBytes })),
    );
    expect(answers.at(-1)?.scannedFrom).toBe(0);
    expect(answers.at(-1)?.insideLongLine).toBe(false);
    const expected = [...head.toString().matchAll(/^.*NEEDLE.*$/gm)]
      .map((m) => head.subarray(0, m.index).length)
      .reverse();
    expect(expected).toHaveLength(4);
    expect(answers.flatMap((a) => a.matches.map((m) => m.offset))).toEqual(expected);
    // One request with room for the whole file finds the line's start and reports it whole.
    const wide = await serve(files, { ...BUDGET, maxBytes: 64 * MiB });
    const bytesBefore = stats.bytes;
    const whole = (await (await fetch(`${wide.url}?q=needle`)).json()) as (typeof answers)[number];
    expect(stats.bytes - bytesBefore).toBe(size);
    expect(whole).toMatchObject({
      scannedFrom: 0,
      stoppedEarly: null,
      insideLongLine: false,
      longLines: [{ offset: head.length, bytes: LONG }],
    });
    expect(whole.matches.map((m) => m.offset)).toEqual(expected);
  });

  it('stops reading when the client disconnects mid-search, and closes the file', async () => {
    let reached!: () => void;
    const atGate = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const gate = { atRead: 2, reached, release: new Promise<void>((r) => (release = r)) };
    const { files, stats } = countingFiles(gate);
    const { url, sockets } = await serve(files, { ...BUDGET, maxBytes: 64 * MiB });
    const client = new AbortController();
    const pending = fetch(`${url}?q=nomatch`, { signal: client.signal }).catch(() => null);
    await atGate; // the second chunk's read is in flight
    client.abort();
    await pending;
    await Promise.all(sockets.map((s) => (s.destroyed ? undefined : once(s, 'close'))));
    release();
    while (stats.closed === 0) await new Promise((r) => setImmediate(r));
    // Without the disconnect this search would read 64 MiB (128 chunks); it stopped after the one in flight.
    expect(stats.reads).toBe(2);
  });

  it('refuses a search with 503 JSON when the server-wide slots and queue are full', async () => {
    const { files, stats } = countingFiles();
    const { url } = await serve(files, BUDGET, createSlots({ running: 0, waiting: 0 }));
    const res = await fetch(`${url}?q=needle`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ code: 'busy', message: expect.any(String) });
    expect(stats.reads).toBe(0);
  });
});

describe('createSlots', () => {
  it('runs at most `running` at once, queues up to `waiting` in order, refuses past that, and drops aborted waiters', async () => {
    const slots = createSlots({ running: 1, waiting: 2 });
    const first = await slots.acquire();
    const order: string[] = [];
    const leaving = new AbortController();
    const second = slots.acquire(leaving.signal).then(
      () => order.push('second'),
      () => order.push('second left'),
    );
    const third = slots.acquire().then((release) => {
      order.push('third');
      return release;
    });
    expect(await slots.acquire()).toBeNull();
    expect(slots.stats()).toEqual({ running: 1, waiting: 2 });
    leaving.abort(new Error('gone'));
    await second;
    expect(slots.stats()).toEqual({ running: 1, waiting: 1 });
    first?.();
    first?.(); // a second release is ignored
    const releaseThird = await third;
    expect(order).toEqual(['second left', 'third']);
    expect(slots.stats()).toEqual({ running: 1, waiting: 0 });
    releaseThird?.();
    expect(slots.stats()).toEqual({ running: 0, waiting: 0 });
  });
});
