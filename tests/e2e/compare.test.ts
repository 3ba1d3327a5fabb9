// Compare runs in Debian's chromium: two imported runs on one server; ?compare=<other> draws the other run's line on
// this run's loss chart (dashed, named in the chart's legend), and the run picker writes the choice into the URL.
// Screenshots (desktop and 390 px) go to tests/test-output/screenshots (not committed).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/src/db/client.js';
import { importLogFile } from '../../server/src/ingest/importFile.js';
import { startLocalStack, type LocalStack } from '../../server/src/localStack.js';
import { signInUrl } from '../../server/src/testing/testAuth.js';
import { launchChromium } from './browser.js';
import { ensureWebBuild, WEB_DIST } from './stack.js';

const SHOTS = join(import.meta.dirname, '../test-output/screenshots');
const line = (it: number, loss: number) =>
  `[default7]: iteration ${String(it).padStart(8)}/     400 | consumed samples: ${it * 16} | consumed tokens: ${it * 32768} | elapsed time per iteration (s): 1.5 | learning rate: 4.014E-05 | global batch size:    16 | lm loss: ${loss.toFixed(6)}E+00 | grad norm: 0.141 | number of skipped iterations:   0 | number of nan iterations:   0 |\n`;

let dir: string;
let stack: LocalStack;
let context: BrowserContext;
let closeBrowser: () => Promise<void>;
let page: Page;
let current: number;
let earlier: number;
const errors: string[] = [];

/** Imports a run of `n` iterations whose loss starts at `start`. @returns its id. */
async function importRun(name: string, n: number, start: number): Promise<number> {
  const path = join(dir, name, 'main_log.txt');
  mkdirSync(join(dir, name));
  writeFileSync(path, Array.from({ length: n }, (_, i) => line(i + 1, start - i / n)).join(''));
  const conn = openDatabase(join(dir, 'trainboard.db'));
  try {
    return (await importLogFile({ conn, runName: name, path })).runId;
  } finally {
    conn.close();
  }
}

beforeAll(async () => {
  ensureWebBuild();
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'e2e-compare-'));
  earlier = await importRun('tr-earlier', 300, 4);
  current = await importRun('tr-current', 200, 3);
  stack = await startLocalStack({
    dbPath: join(dir, 'trainboard.db'),
    workDir: join(dir, 'work'),
    webDir: WEB_DIST,
    logger: pino({ level: 'silent' }),
    port: 0,
  });
  ({ context, close: closeBrowser } = await launchChromium());
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(signInUrl(stack.url, stack.authContext, 'viewer'));
});
afterAll(async () => {
  await closeBrowser?.();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const canvasOf = (p: Page, chart: string) => p.getByTestId(`chart-${chart}`).locator('canvas[data-drawn]');
const linesIn = async (p: Page, chart: string) =>
  ((await canvasOf(p, chart).getAttribute('data-lines')) ?? '').split(',').filter(Boolean);

describe('compare runs in chromium', () => {
  it('?compare=<other> draws the other run on the loss chart, by iteration and by tokens', async () => {
    await page.goto(`${stack.url}runs/${current}?compare=${earlier}`);
    await canvasOf(page, 'lmLoss').waitFor({ timeout: 20_000 });
    const other = `run ${earlier} · tr-earlier`;
    await expect.poll(() => linesIn(page, 'lmLoss'), { timeout: 15_000 }).toContain(other);
    await expect.poll(() => linesIn(page, 'gradNorm'), { timeout: 15_000 }).toContain(other);
    expect(await page.getByTestId('compare-picker').textContent()).toContain(other);
    // Both runs took 1.5 s per iteration: the other run's line is in seconds too (the chart's own unit), not in ms.
    await expect.poll(() => linesIn(page, 'iterationTimeMs'), { timeout: 15_000 }).toContain(other);
    const secondsTicks = await page
      .getByTestId('chart-iterationTimeMs')
      .locator('.chart-frame .y-tick text')
      .allTextContents();
    expect(Math.max(...secondsTicks.map(Number))).toBeLessThan(10);
    await page.getByTestId('x-axis').selectOption('tokens');
    await expect.poll(() => page.url()).toContain('x=tokens');
    await expect.poll(() => linesIn(page, 'lmLoss'), { timeout: 15_000 }).toContain(other);
    await page.screenshot({ path: join(SHOTS, 'compare-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, 'compare-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(`${stack.url}runs/${current}?compare=${earlier}&theme=light`);
    await expect.poll(() => linesIn(page, 'lmLoss'), { timeout: 15_000 }).toContain(other);
    await page.screenshot({ path: join(SHOTS, 'compare-light.png') });
  });

  it('the picker adds and removes a compared run in the URL', async () => {
    await page.goto(`${stack.url}runs/${current}`);
    await canvasOf(page, 'lmLoss').waitFor({ timeout: 20_000 });
    expect((await linesIn(page, 'lmLoss')).some((l) => l.startsWith('run '))).toBe(false);
    // The list offers the other runs only (not this one).
    await expect
      .poll(() => page.getByTestId('compare-add').locator('option').allTextContents(), { timeout: 10_000 })
      .toEqual(['add a run…', `run ${earlier} · tr-earlier`]);
    await page.getByTestId('compare-add').selectOption(String(earlier));
    await expect.poll(() => new URL(page.url()).searchParams.get('compare')).toBe(String(earlier));
    await expect.poll(() => linesIn(page, 'lmLoss'), { timeout: 15_000 }).toContain(`run ${earlier} · tr-earlier`);
    await page.getByTestId(`compare-remove-${earlier}`).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('compare')).toBeNull();
    await expect
      .poll(async () => (await linesIn(page, 'lmLoss')).some((l) => l.startsWith('run ')), { timeout: 10_000 })
      .toBe(false);
    expect(errors).toEqual([]);
  });
});
