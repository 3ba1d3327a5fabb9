// Benchmark of issue 6 item 5: the log viewer on a million-line log (a synthetic tr11-style main_log.txt, 338 MB,
// imported as a run and followed by the local stack), over HTTP and in Debian's chromium:
//  (a) the tail window, (b) the window around an iteration in the middle, (c) a whole-file search for a string that
//      only occurs near the start (every "search earlier" continuation included), against `grep -c -F -i` on the
//      same file, (d) in chromium, the time from clicking the log tab to the first rows shown, and the same search
//      as a user runs it (Enter, then "search earlier" until found; screenshots under tests/test-output).
// Reports, never asserts.
//
// Usage: npm run bench -- logviewer     (or: npx tsx scripts/bench/logviewer.ts)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import type { LogSearchResult, LogWindow } from '@trainboard/shared/api';
import { createTestAuth, signInUrl } from '../../server/src/testing/testAuth.js';
import { startLocalStack } from '../../server/src/localStack.js';
import { openDatabase } from '../../server/src/db/client.js';
import { registerFollowedFile } from '../../server/src/follow/followedSources.js';
import { importLogFile } from '../../server/src/ingest/importFile.js';
import { launchChromium } from '../../tests/e2e/browser.js';
import { writeSyntheticLog } from './syntheticLog.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'tests/test-output/screenshots');
const LINES = 1_000_000;
/** In the banner only: the search must read the whole file to find it. */
const NEEDLE = 'using world size';

const ms = (t0: number) => performance.now() - t0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, ms: ms(t0) };
}

export async function run(): Promise<void> {
  if (!existsSync(join(ROOT, 'web/dist/index.html')))
    execFileSync('npm', ['run', 'build', '-w', '@trainboard/web', '--silent'], { cwd: ROOT, stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'bench-logviewer-'));
  const log = join(dir, 'main_log.txt');
  const dbPath = join(dir, 'trainboard.db');
  try {
    const { runId, middle, size } = await importFollowedLog(log, dbPath);
    const stack = await startLocalStack({
      dbPath,
      workDir: join(dir, 'work'),
      webDir: join(ROOT, 'web/dist'),
      logger: pino({ level: 'silent' }),
      port: 0,
    });
    try {
      const getJson = jsonGetter(`${stack.url}api/runs/${runId}`, createTestAuth(stack.authContext).headers('viewer'));
      await logWindows(getJson, middle);
      await wholeFileSearch(getJson, log, size);
      mkdirSync(SHOTS, { recursive: true });
      const { context, close } = await launchChromium({ width: 1400, height: 1000 });
      try {
        const page = await context.newPage();
        await page.goto(signInUrl(stack.url, stack.authContext, 'viewer', `/runs/${runId}`));
        await page.getByTestId('tab-log').waitFor();
        await logTabOpening(page);
        await searchAsAUser(page);
      } finally {
        await close();
      }
    } finally {
      await stack.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the synthetic log, imports it as a followed run. @returns the run, its middle iteration, the log's size. */
async function importFollowedLog(
  log: string,
  dbPath: string,
): Promise<{ runId: number; middle: number; size: number }> {
  const written = writeSyntheticLog(log, LINES);
  const size = statSync(log).size;
  const setup = openDatabase(dbPath);
  const imported = await importLogFile({ conn: setup, runName: 'tr11-176B-ml', path: log });
  registerFollowedFile(setup.db, 'tr11-176B-ml', log);
  const span = setup.sqlite
    .prepare('SELECT min(iteration) AS lo, max(iteration) AS hi FROM iterations WHERE run_id = ?')
    .get(imported.runId) as { lo: number; hi: number };
  setup.close();
  console.log(
    `log: ${written.lines} lines, ${mb(size)}, imported in ${(imported.elapsedMs / 1000).toFixed(1)} s; ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}`,
  );
  return { runId: imported.runId, middle: Math.round((span.lo + span.hi) / 2), size };
}

type JsonGetter = <T>(path: string) => Promise<T>;

/** GETs `api + path` as JSON; a non-2xx answer throws with its body. */
function jsonGetter(api: string, headers: Record<string, string>): JsonGetter {
  return async <T>(path: string): Promise<T> => {
    const res = await fetch(api + path, { headers });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

/** (a) and (b): the tail window and the window around the middle iteration, five times each. */
async function logWindows(getJson: JsonGetter, middle: number): Promise<void> {
  const tail: number[] = [];
  const jump: number[] = [];
  let tailLines = 0;
  let focusLine = '';
  for (let i = 0; i < 5; i++) {
    const t = await timed(() => getJson<LogWindow>('/log'));
    tail.push(t.ms);
    tailLines = t.value.lines.length;
    const j = await timed(() => getJson<LogWindow>(`/log?iteration=${middle}`));
    jump.push(j.ms);
    focusLine = j.value.lines[j.value.focus ?? 0] ?? '';
  }
  console.log(
    `tail window (${tailLines} lines): median ${median(tail).toFixed(1)} ms, best ${Math.min(...tail).toFixed(1)} ms`,
  );
  console.log(
    `jump to iteration ${middle} (${/ iteration\s+\d+\//.test(focusLine) ? 'focused on its line' : 'NOT focused on an iteration line'}): median ${median(jump).toFixed(1)} ms, best ${Math.min(...jump).toFixed(1)} ms`,
  );
}

/** (c): the whole-file search with every "search earlier" continuation, against grep on the same file. */
async function wholeFileSearch(getJson: JsonGetter, log: string, size: number): Promise<void> {
  const searches: number[] = [];
  let requests = 0;
  let found = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    let before: number | null = null;
    requests = 0;
    found = 0;
    for (;;) {
      const answer: LogSearchResult = await getJson<LogSearchResult>(
        `/log/search?q=${encodeURIComponent(NEEDLE)}${before === null ? '' : `&before=${before}`}`,
      );
      requests++;
      found += answer.matches.length;
      if (answer.scannedFrom === 0) break;
      before = answer.scannedFrom;
    }
    searches.push(ms(t0));
  }
  const greps: number[] = [];
  let grepCount = '';
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    grepCount = execFileSync('grep', ['-c', '-F', '-i', NEEDLE, log], { encoding: 'utf8' }).trim();
    greps.push(ms(t0));
  }
  const search = median(searches);
  const grep = median(greps);
  console.log(
    `whole-file search for "${NEEDLE}" (${found} match; grep says ${grepCount}): median ${search.toFixed(0)} ms over ${requests} requests (${(size / 1024 / 1024 / (search / 1000)).toFixed(0)} MiB/s); grep -c -F -i: median ${grep.toFixed(0)} ms → search/grep ${(search / grep).toFixed(2)}×`,
  );
}

/** (d), first part: from a click on the log tab to its first rows, five times. */
async function logTabOpening(page: Page): Promise<void> {
  const opens: number[] = [];
  for (let i = 0; i < 5; i++) {
    await page.getByTestId('tab-nodes').click();
    await page.locator('.log-line').first().waitFor({ state: 'detached' });
    const t0 = performance.now();
    await page.getByTestId('tab-log').click();
    await page.locator('.log-line').first().waitFor({ state: 'visible', timeout: 30_000 });
    opens.push(ms(t0));
  }
  console.log(
    `chromium, click on the log tab → first rows shown: median ${median(opens).toFixed(0)} ms, best ${Math.min(...opens).toFixed(0)} ms`,
  );
}

/**
 * (d), second part: the search as a user sees it: the first answer (one budget's worth of the file), then "search
 * earlier" until the banner is found. The screenshot shows the progress line mid-way.
 */
async function searchAsAUser(page: Page): Promise<void> {
  const progress = page.getByTestId('log-search-progress');
  const idle = async () => !((await progress.textContent()) ?? 'searching').startsWith('searching');
  await page.getByTestId('log-search').fill(NEEDLE);
  const t0 = performance.now();
  await page.getByTestId('log-search').press('Enter');
  await progress.waitFor();
  while (!(await idle())) await page.waitForTimeout(5);
  const firstAnswer = ms(t0);
  await page.screenshot({ path: join(SHOTS, 'bench-log-search-partial.png'), fullPage: true });
  const partial = await progress.textContent();
  while ((await page.getByTestId('log-match').count()) === 0) {
    await page.getByTestId('log-search-earlier').click();
    while (!(await idle())) await page.waitForTimeout(5);
  }
  const found = ms(t0);
  await page.getByTestId('log-match').first().click();
  await page.locator('.log-line.focused').waitFor();
  await page.screenshot({ path: join(SHOTS, 'bench-log-search-found.png'), fullPage: true });
  console.log(
    `chromium, whole-log search: first answer ${firstAnswer.toFixed(0)} ms ("${partial?.replace(/search earlier.*$/, '').trim()}"), banner found after ${found.toFixed(0)} ms of clicking "search earlier"; screenshots in ${SHOTS}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
