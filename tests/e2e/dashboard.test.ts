// The dashboard in Debian's chromium against a live local run: the loss chart grows as lines arrive, zoom re-asks
// the server, log scale and smoothing change the chart and the URL, a share link restores the view, the log viewer
// tails the log and searches the whole file. Screenshots go to tests/test-output/screenshots (not committed).
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoStack } from './stack.js';
import { openDemoSession, SHOTS } from './demoSession.js';

let demo: DemoStack;
let context: BrowserContext;
let close: (() => Promise<void>) | undefined;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ({ demo, context, page, errors, close } = await openDemoSession({
    // 391 iterations ≈ 160 s: the run outlasts this file even on a loaded machine. Anonymous access is off: the
    // session signs the browser in once (a one-time link, as the demo prints), which serves REST and socket.io.
    secondsPerIteration: 0.4,
    role: 'viewer',
  }));
});
afterAll(() => close?.());

const pointCount = async (p: Page, chart: string) =>
  Number((await p.getByTestId(`points-${chart}`).textContent())?.split(' ')[0]);
// The points are drawn on a canvas over the SVG frame's plot area; after each draw it records what it drew.
const canvasOf = (p: Page, chart: string) => p.getByTestId(`chart-${chart}`).locator('canvas[data-drawn]');
const drawnCount = async (p: Page, chart: string) => Number(await canvasOf(p, chart).getAttribute('data-drawn'));
const linesIn = async (p: Page, chart: string) =>
  ((await canvasOf(p, chart).getAttribute('data-lines')) ?? '').split(',').filter(Boolean);

describe('dashboard in chromium', () => {
  it('lists the run and opens its page, where the loss chart grows live', async () => {
    await page.goto(demo.stack.url);
    await page.getByRole('link', { name: 'e2e-demo' }).click();
    await expect.poll(() => page.url()).toMatch(/\/runs\/\d+$/);
    await canvasOf(page, 'lmLoss').waitFor();
    await expect.poll(() => drawnCount(page, 'lmLoss'), { timeout: 20_000 }).toBeGreaterThan(5);
    const before = await drawnCount(page, 'lmLoss');
    // No reload: the new points arrive over socket.io and are drawn.
    await expect.poll(() => drawnCount(page, 'lmLoss'), { timeout: 20_000 }).toBeGreaterThan(before + 10);
    expect(await pointCount(page, 'lmLoss')).toBeGreaterThan(before + 10);
    await expect.poll(async () => (await page.getByTestId('iteration').textContent()) ?? '').toMatch(/^\d+ \/ 391$/);
    // The jobs timeline: the demo's one job, running, as a bar and a table row (no end reason yet).
    const jobRow = page.getByTestId('jobs').locator('tbody tr');
    await expect.poll(() => jobRow.count(), { timeout: 10_000 }).toBe(1);
    expect(await jobRow.locator('td').nth(1).textContent()).toBe('RUNNING');
    expect(await page.getByTestId('jobs-timeline').locator('.timeline-running.state-running').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'run-live.png'), fullPage: true });
  });

  it('toggles log scale and smoothing, both kept in the URL', async () => {
    const withSmoothing = await linesIn(page, 'lmLoss');
    expect(withSmoothing.slice(0, 2)).toEqual(['raw', 'smoothed']); // then the validation groups
    await page.getByTestId('smoothing').fill('0');
    await expect.poll(() => page.url()).toContain('smooth=0');
    await expect.poll(() => linesIn(page, 'lmLoss')).toEqual(withSmoothing.filter((l) => l !== 'smoothed'));
    await page.getByTestId('smoothing').fill('0.9');
    await expect.poll(() => page.url()).toContain('smooth=0.9');
    const ticksLinear = await page.getByTestId('chart-lmLoss').locator('.chart-frame .y-tick text').allTextContents();
    await page.getByTestId('log-scale').check();
    await expect.poll(() => page.url()).toContain('log=1');
    await expect
      .poll(() => page.getByTestId('chart-lmLoss').locator('.chart-frame .y-tick text').allTextContents())
      .not.toEqual(ticksLinear);
    await page.screenshot({ path: join(SHOTS, 'log-smoothed.png'), fullPage: true });
  });

  it('reads out the values at the cursor', async () => {
    const box = await canvasOf(page, 'lmLoss').boundingBox();
    if (!box) throw new Error('no plot canvas');
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    const readout = page.getByTestId('chart-lmLoss').getByTestId('readout');
    await expect.poll(() => readout.textContent()).toMatch(/^iteration \d+raw [\d.]+smoothed [\d.]+/);
    await page.screenshot({ path: join(SHOTS, 'hover-readout.png') });
    await page.mouse.move(box.x + box.width * 0.5, box.y - 60); // off the plot: the read-out goes
    await expect.poll(() => readout.count()).toBe(0);
  });

  it('reads out by keyboard: the arrows move one cursor shared by every chart, and the value is announced', async () => {
    const layer = page.getByTestId('chart-lmLoss').locator('.plot-layer');
    await layer.focus();
    const caption = await page.locator(`[id="${await layer.getAttribute('aria-describedby')}"]`).textContent();
    expect(caption).toMatch(/^latest [\d.]+ at iteration \d+; in view \(iterations 1–\d+\): min [\d.]+ at \d+, max /);
    const iterationIn = async (chart: string) =>
      Number(
        /^iteration (\d+)/.exec(
          (await page.getByTestId(`chart-${chart}`).getByTestId('readout').locator('.muted').first().textContent()) ??
            '',
        )?.[1],
      );
    await page.keyboard.press('End');
    await expect.poll(() => iterationIn('lmLoss')).toBeGreaterThan(5);
    const newest = await iterationIn('lmLoss');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => iterationIn('lmLoss')).toBe(newest - 2);
    expect(await iterationIn('gradNorm')).toBe(newest - 2);
    await expect
      .poll(() => layer.locator('[aria-live]').textContent())
      .toMatch(new RegExp(`^training loss at iteration ${newest - 2}: [\\d.]+, smoothed [\\d.]+$`));
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('readout').count()).toBe(0);
  });

  it('picks the charts shown, kept in the URL', async () => {
    await page.getByTestId('chart-picker').locator('summary').click();
    await page.getByTestId('pick-gradNorm').uncheck();
    await expect.poll(() => new URL(page.url()).searchParams.get('charts')).not.toBeNull();
    expect(new URL(page.url()).searchParams.get('charts')?.split(',')).not.toContain('gradNorm');
    await expect.poll(() => page.getByTestId('chart-gradNorm').count()).toBe(0);
    await page.getByTestId('pick-gradNorm').check();
    await expect.poll(() => new URL(page.url()).searchParams.get('charts')).toBeNull(); // the default again
    await page.getByTestId('chart-gradNorm').locator('canvas[data-drawn]').waitFor({ timeout: 10_000 });
    await page.getByTestId('chart-picker').locator('summary').click();
  });

  it('zooms by dragging: the range goes into the URL and the server is asked for it', async () => {
    const requests: string[] = [];
    page.on('request', (r) => void (r.url().includes('/series?') && requests.push(r.url())));
    // Raw points from iteration 1 (no restart in this run): the count is the last iteration drawn.
    const drawnBefore = await pointCount(page, 'lmLoss');
    const box = await page.getByTestId('chart-lmLoss').locator('.chart-frame').boundingBox();
    if (!box) throw new Error('no chart surface');
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.6, y, { steps: 8 });
    const drawnAfter = await pointCount(page, 'lmLoss'); // before releasing: the release zooms (fewer points)
    await page.mouse.up();
    await expect.poll(() => page.url()).toMatch(/from=\d+&to=\d+/);
    const url = new URL(page.url());
    const from = Number(url.searchParams.get('from'));
    const to = Number(url.searchParams.get('to'));
    // Dragged over 30%..60% of the plot: the range lies inside the run, well away from its ends.
    expect(to).toBeGreaterThan(from + 5);
    expect(from).toBeGreaterThan(drawnBefore * 0.15);
    expect(to).toBeLessThan(drawnAfter * 0.8);
    await expect.poll(() => requests.some((r) => r.includes(`from=${from}`) && r.includes(`to=${to}`))).toBe(true);
    await expect.poll(() => pointCount(page, 'lmLoss')).toBeLessThanOrEqual(to - from + 1);
    await expect(page.getByTestId('reset-zoom').textContent()).resolves.toContain(`${from}–${to}`);
    await page.screenshot({ path: join(SHOTS, 'zoomed.png'), fullPage: true });
  });

  it('restores the whole view from a share link in a fresh page, light theme included', async () => {
    const shared = new URL(page.url());
    shared.searchParams.set('theme', 'light');
    shared.searchParams.set('x', 'tokens');
    const other = await context.newPage();
    other.on('pageerror', (e) => errors.push(e.message));
    await other.goto(shared.toString());
    await canvasOf(other, 'lmLoss').waitFor();
    expect(await other.getByTestId('log-scale').isChecked()).toBe(true);
    expect(await other.getByTestId('x-axis').inputValue()).toBe('tokens');
    expect(await other.getByTestId('smoothing').inputValue()).toBe('0.9');
    expect(await other.locator('html').getAttribute('data-theme')).toBe('light');
    expect(await other.getByTestId('reset-zoom').textContent()).toContain(
      `${shared.searchParams.get('from')}–${shared.searchParams.get('to')}`,
    );
    await other.screenshot({ path: join(SHOTS, 'share-link-light.png'), fullPage: true });
    await other.close();
  });

  it('opens the log viewer: live tail, search, rank filter, jump to an iteration', async () => {
    await page.getByTestId('tab-log').click();
    const lines = page.getByTestId('log-viewer').locator('.log-line');
    await expect.poll(() => lines.count()).toBeGreaterThan(10);
    const hint = page.getByTestId('log-viewer').locator('.hint');
    const total = async () => Number((await hint.textContent())?.split(' ')[0]);
    const before = await total();
    await expect.poll(total, { timeout: 20_000 }).toBeGreaterThan(before); // the tail keeps reading
    await page.getByTestId('log-search').fill('lm loss');
    await expect.poll(async () => (await lines.allTextContents()).every((l) => l.includes('lm loss'))).toBe(true);
    expect(await lines.count()).toBeGreaterThan(0);
    await page.getByTestId('log-search').fill('');
    await page.getByTestId('log-rank').selectOption('0');
    await expect.poll(async () => (await lines.allTextContents()).every((l) => l.startsWith('[default0]:'))).toBe(true);
    await page.getByTestId('log-rank').selectOption('all');
    await page.getByTestId('log-jump').fill('20');
    await page.getByTestId('log-jump').press('Enter');
    const target = lines.filter({ hasText: /iteration\s+20\// });
    await expect.poll(() => target.count()).toBe(1);
    // Scrolled into the box's view, not merely present in the DOM.
    const boxRect = await page.getByTestId('log-viewer').locator('.log-box').boundingBox();
    const lineRect = await target.boundingBox();
    expect(
      lineRect && boxRect && lineRect.y >= boxRect.y && lineRect.y + lineRect.height <= boxRect.y + boxRect.height,
    ).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'log-viewer.png'), fullPage: true });
  });

  it('searches the whole log on the server and opens a match that is not in the loaded window', async () => {
    // The viewer loads only the log's last 4 KB here, so the banner near the start is not in the browser.
    const tailOnly = /\/api\/runs\/\d+\/log$/;
    await page.route(tailOnly, (route) => route.continue({ url: `${route.request().url()}?length=4096` }));
    await page.getByTestId('tab-nodes').click();
    await page.getByTestId('tab-log').click();
    const viewer = page.getByTestId('log-viewer');
    const lines = viewer.locator('.log-line');
    await expect.poll(() => lines.count()).toBeGreaterThan(3);
    const banner = 'using world size';
    await page.getByTestId('log-search').fill(banner);
    await expect.poll(() => lines.count()).toBe(0); // typing filters the loaded lines only: the banner is not among them
    await page.getByTestId('log-search').press('Enter');
    const progress = page.getByTestId('log-search-progress');
    await expect
      .poll(async () => (await progress.textContent()) ?? '', { timeout: 10_000 })
      .toMatch(/^1 match for “using world size” · searched the whole log \(\d+(\.\d)? (KB|MB)\)/);
    const match = page.getByTestId('log-match');
    expect(await match.count()).toBe(1);
    expect(await match.locator('.text').textContent()).toMatch(
      /^\[default0\]:using world size: \d+, data-parallel-size/,
    );
    await page.screenshot({ path: join(SHOTS, 'log-search-results.png'), fullPage: true });
    await match.click();
    const focused = viewer.locator('.log-line.focused');
    await expect.poll(async () => (await focused.textContent()) ?? '').toContain(banner);
    await expect.poll(() => page.getByTestId('log-pause').textContent()).toContain('resume tail');
    const boxRect = await viewer.locator('.log-box').boundingBox();
    const lineRect = await focused.boundingBox();
    expect(
      lineRect && boxRect && lineRect.y >= boxRect.y && lineRect.y + lineRect.height <= boxRect.y + boxRect.height,
    ).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'log-search-opened.png'), fullPage: true });
    await page.unroute(tailOnly);
  });

  it('continues a whole-log search earlier than where the first answer stopped, with no match twice', async () => {
    // Every line of the log starts with a rank prefix, so the first answer stops at the server's 100-match limit.
    await page.getByTestId('log-search').fill('[default');
    await page.getByTestId('log-search').press('Enter');
    const progress = page.getByTestId('log-search-progress');
    await expect
      .poll(async () => (await progress.textContent()) ?? '', { timeout: 10_000 })
      .toMatch(/^100 matches for “\[default” · searched \d+(\.\d)? (B|KB) of /);
    const offsets = async () =>
      (await page.getByTestId('log-match').evaluateAll((els) => els.map((e) => e.getAttribute('title')))).map((t) =>
        Number(t?.replace('byte ', '')),
      );
    const firstStep = await offsets();
    await page.getByTestId('log-search-earlier').click();
    await expect.poll(async () => (await offsets()).length, { timeout: 10_000 }).toBeGreaterThan(100);
    const all = await offsets();
    expect(all.slice(0, 100)).toEqual(firstStep);
    // Newest first across both steps: strictly decreasing offsets, so none was returned twice.
    expect(all.every((o, i) => i === 0 || o < (all[i - 1] as number))).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'log-search-earlier.png'), fullPage: true });
  });

  it("shows the run's nodes: the local node allocated to the job, a cell per (fake) GPU", async () => {
    await page.getByTestId('tab-nodes').click();
    const tile = page.getByTestId('node-localhost');
    await tile.waitFor();
    await expect.poll(() => tile.getByTestId('node-state').textContent()).toBe('allocated');
    await expect.poll(() => tile.getByTestId('gpu-cell').count()).toBe(8);
    expect(await page.getByTestId('gpu-unavailable').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'nodes.png'), fullPage: true });
  });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});
