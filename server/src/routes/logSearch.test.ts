// The whole-log search and the window around a match, over HTTP on a generated log of 300k lines (~19 MB): newest
// matches first with exact byte offsets, continuations from scannedFrom that together equal a one-pass search, a
// match at the very start and one split across a chunk boundary, the rank filter, literal hostile queries, 400s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { createTestAuth, type TestAuth } from '../testing/testAuth.js';
import { plainRouter } from '../testing/plainRouter.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import { localFiles } from '../follow/localFiles.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import { errorHandler } from './errors.js';
import { DEFAULT_SEARCH_BUDGET, logSearchRouter } from './logSearch.router.js';

const MiB = 1024 * 1024;
const LINES = 300_000;
let auth: TestAuth;
let dir: string;
let conn: OpenDatabase;
let servers: Server[] = [];
let base: string;
/** The same routes with a small budget: 1 MiB chunks, 3 MiB per request. */
let small: string;
let runId: number;
let log: Buffer;
let boundaryLineOffset: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'log-search-'));
  const lines: string[] = ['[default0]:BANNER using world size: 8 (the very first line)'];
  for (let i = 1; i < LINES; i++) {
    const rank = i % 8;
    let line = `[default${rank}]: iteration ${String(i).padStart(8)}/  300000 | lm loss: ${(2 + (i % 97) / 100).toFixed(6)} | ${'x'.repeat(8)}`;
    if (i % 50_000 === 7) line += ' CUDA error: an illegal memory access';
    if (i % 1000 === 3) line += ' données sauvées ✓';
    if (i % 3 === 0) line += '\r'; // some CRLF lines
    lines.push(line);
  }
  lines[123_456] = "[default5]:regex text .*(a+)+$ and shell text '; rm -rf / stay literal";
  log = Buffer.from(lines.join('\n') + '\n');
  // A needle split across the small budget's first chunk boundary (1 MiB from the end).
  const boundary = log.length - MiB;
  boundaryLineOffset = log.lastIndexOf(10, boundary) + 1;
  log.write('SPLIT-NEEDLE', boundary - 5, 'latin1');
  expect(log.indexOf(10, boundaryLineOffset)).toBeGreaterThan(boundary + 7); // the needle stays inside its line
  writeFileSync(join(dir, 'main_log.txt'), log);
  conn = openDatabase(':memory:');
  auth = createTestAuth(conn);
  runId = registerFollowedFile(conn.db, 'search', join(dir, 'main_log.txt')).runId;
  const logger = pino({ level: 'silent' });
  const listen = async (app: express.Express) => {
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  base = await listen(createApp({ conn, logger, authContext: auth.ctx }));
  const smallApp = express();
  smallApp.use(
    plainRouter(
      logSearchRouter(createRepositories(conn.sqlite), () => localFiles(), {
        ...DEFAULT_SEARCH_BUDGET,
        chunkBytes: MiB,
        maxBytes: 3 * MiB,
        maxMs: 60_000,
      }),
    ),
  );
  smallApp.use(errorHandler(logger));
  small = await listen(smallApp);
}, 30_000);
afterAll(() => {
  for (const s of servers) s.close();
  servers = [];
  conn?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Match {
  offset: number;
  line: string;
}
interface SearchAnswer {
  matches: Match[];
  scannedFrom: number;
  scannedTo: number;
  size: number;
  stoppedEarly: string | null;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
const get = async (url: string): Promise<{ status: number; body: any }> => {
  const res = await fetch(url, { headers: auth.headers('viewer') });
  return { status: res.status, body: await res.json() };
};
const search = (host: string, params: Record<string, string | number>) =>
  get(
    `${host}/api/runs/${runId}/log/search?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`,
  );

/** Follows "search earlier" until the start of the file; returns every match and the number of requests. */
async function searchAll(
  host: string,
  params: Record<string, string | number>,
): Promise<{ matches: Match[]; requests: number; answers: SearchAnswer[] }> {
  const answers: SearchAnswer[] = [];
  let before: number | undefined;
  for (;;) {
    const { status, body } = await search(host, before === undefined ? params : { ...params, before });
    expect(status).toBe(200);
    answers.push(body as SearchAnswer);
    if (body.scannedFrom === 0) break;
    expect(before === undefined || body.scannedFrom < before).toBe(true); // every request moves on
    before = body.scannedFrom;
  }
  return { matches: answers.flatMap((a) => a.matches), requests: answers.length, answers };
}

let rawLines: string[] | undefined;
/** The reference: one pass over the file's lines, newest first (ASCII case folded). */
function onePass(text: string, rank?: number): Match[] {
  const needle = text.toLowerCase();
  const out: Match[] = [];
  let offset = 0;
  rawLines ??= log.toString('utf8').split('\n').slice(0, -1);
  for (const raw of rawLines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if ((rank === undefined || line.startsWith(`[default${rank}]:`)) && line.toLowerCase().includes(needle))
      out.push({ offset, line });
    offset += Buffer.byteLength(raw) + 1;
  }
  return out.reverse();
}

describe('GET /api/runs/:id/log/search', () => {
  it('finds every match newest first with exact offsets, in one request when the log fits the budget', async () => {
    const { body } = await search(base, { q: 'cuda ERROR' });
    expect(body.size).toBe(log.length);
    expect(body.scannedFrom).toBe(0);
    expect(body.stoppedEarly).toBeNull();
    expect(body.matches).toEqual(onePass('CUDA error'));
    expect(body.matches).toHaveLength(6);
    for (const m of body.matches as Match[])
      expect(log.subarray(m.offset, m.offset + 11).toString()).toMatch(/^\[default\d\]:/);
  });

  it('finds the very first line, a needle split across a chunk boundary, and multi-byte text, across continuations', async () => {
    const banner = await searchAll(small, { q: 'BANNER' });
    expect(banner.matches).toEqual([
      { offset: 0, line: '[default0]:BANNER using world size: 8 (the very first line)' },
    ]);
    expect(banner.requests).toBeGreaterThan(3);
    expect(banner.answers[0]?.stoppedEarly).toBe('bytes');
    const split = await searchAll(small, { q: 'split-needle' });
    expect(split.matches.map((m) => m.offset)).toEqual([boundaryLineOffset]);
    const multi = await searchAll(small, { q: 'DONNÉES'.toLowerCase() });
    expect(multi.matches).toEqual(onePass('données'));
    expect(multi.matches.length).toBe(300);
  });

  it('filters by rank ([defaultN]: lines only) and stops at the limit, resuming right after the last match', async () => {
    const expected = onePass('cuda error', 7);
    expect(expected.length).toBeGreaterThan(0);
    expect((await search(base, { q: 'cuda error', rank: 7 })).body.matches).toEqual(expected);
    const all = onePass('données', 3);
    const paged: Match[] = [];
    let before: number | undefined;
    for (let i = 0; i < 30; i++) {
      const { body } = await search(base, {
        q: 'données',
        rank: 3,
        limit: 32,
        ...(before === undefined ? {} : { before }),
      });
      paged.push(...(body.matches as Match[]));
      if (body.scannedFrom === 0) break;
      expect(body.stoppedEarly).toBe('limit');
      before = body.scannedFrom;
    }
    expect(paged).toEqual(all);
    expect(all).toHaveLength(300);
  });

  it('treats hostile queries as literal text', async () => {
    const regex = await searchAll(base, { q: '.*(a+)+$' });
    expect(regex.matches.map((m) => m.line)).toEqual([
      "[default5]:regex text .*(a+)+$ and shell text '; rm -rf / stay literal",
    ]);
    const shell = await searchAll(base, { q: "'; rm -rf /" });
    expect(shell.matches).toEqual(regex.matches);
    expect((await search(base, { q: '%00../../etc/passwd' })).body.matches).toEqual([]);
  });

  it('answers 400 for bad input and 404 for an unknown run', async () => {
    const bad: Array<Record<string, string | number>> = [
      { q: '' },
      { q: 'x'.repeat(201) },
      { q: 'a\nb' },
      { q: 'a', before: -1 },
      { q: 'a', limit: 0 },
      { q: 'a', rank: 'one' },
      { q: 'a', source: 'x' },
    ];
    for (const params of bad) {
      const res = await search(base, params);
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(res.body.code).toBe('invalid_request');
    }
    expect((await get(`${base}/api/runs/x/log/search?q=a`)).status).toBe(400);
    expect((await get(`${base}/api/runs/999/log/search?q=a`)).status).toBe(404);
    expect((await get(`${base}/api/runs/${runId}/log/search`)).status).toBe(400);
  });
});

describe('GET /api/runs/:id/log?around=', () => {
  it('opens the window around a match with the matched line focused', async () => {
    const [match] = onePass('split-needle');
    const { body } = await get(`${base}/api/runs/${runId}/log?around=${match?.offset}&length=8192`);
    expect(body.lines[body.focus]).toBe(match?.line);
    expect(body.start).toBeLessThan(match?.offset as number);
    expect(body.end).toBeGreaterThan(match?.offset as number);
    // An offset inside the line focuses that line too.
    const inside = (await get(`${base}/api/runs/${runId}/log?around=${(match?.offset as number) + 20}&length=8192`))
      .body;
    expect(inside.lines[inside.focus]).toBe(match?.line);
    const first = (await get(`${base}/api/runs/${runId}/log?around=0`)).body;
    expect([first.start, first.focus, first.lines[0]]).toEqual([
      0,
      0,
      '[default0]:BANNER using world size: 8 (the very first line)',
    ]);
    expect((await get(`${base}/api/runs/${runId}/log?around=5&iteration=3`)).status).toBe(400);
  });
});
