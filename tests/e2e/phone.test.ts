// The dashboard on a 390 px phone (touch, mobile viewport) against a live local run: no page is wider than the
// screen, a tap reads the values out on every chart at once (one shared cursor), and a horizontal finger drag
// zooms (the range goes into the URL) while a vertical swipe is left to the page. Screenshots go to
// tests/test-output/screenshots (not committed): look at them.
import { join } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoStack } from './stack.js';
import { openDemoSession, SHOTS, PHONE } from './demoSession.js';

let demo: DemoStack;
let context: BrowserContext;
let close: (() => Promise<void>) | undefined;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ({ demo, context, page, errors, close } = await openDemoSession({
    secondsPerIteration: 0.4,
    role: 'viewer',
    phone: true,
  }));
});
afterAll(() => close?.());

const canvasOf = (chart: string) => page.getByTestId(`chart-${chart}`).locator('canvas[data-drawn]');
const drawnCount = async (chart: string) => Number(await canvasOf(chart).getAttribute('data-drawn'));
/** How much wider than the screen the document is (0: no sideways scrolling). */
// Strings, not functions: the tests package has no DOM typings (they run in the page).
const overflow = async () => Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
const scrollY = async () => Number(await page.evaluate('window.scrollY'));

/** A one-finger gesture through real touch events (Chromium applies touch-action and fires pointer events). */
async function fingerDrag(cdp: CDPSession, from: { x: number; y: number }, to: { x: number; y: number }) {
  const at = (p: { x: number; y: number }) => [{ x: p.x, y: p.y, id: 1 }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(from) });
  const steps = 10;
  for (let i = 1; i <= steps; i++) {
    const p = { x: from.x + ((to.x - from.x) * i) / steps, y: from.y + ((to.y - from.y) * i) / steps };
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(p) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

describe('the dashboard on a 390 px phone', () => {
  it('draws the run page no wider than the screen, charts in one column', async () => {
    await page.goto(`${demo.stack.url}runs/${demo.runId}`);
    await expect.poll(() => drawnCount('lmLoss').catch(() => 0), { timeout: 30_000 }).toBeGreaterThan(5);
    await page.getByTestId('chart-learningRate').locator('canvas[data-drawn]').waitFor({ timeout: 10_000 });
    expect(await overflow()).toBe(0);
    const loss = await page.getByTestId('chart-lmLoss').boundingBox();
    const lr = await page.getByTestId('chart-learningRate').boundingBox();
    if (!loss || !lr) throw new Error('charts not laid out');
    expect(loss.x + loss.width).toBeLessThanOrEqual(PHONE.width);
    expect(lr.y).toBeGreaterThan(loss.y + loss.height - 1); // stacked, not side by side
    await page.screenshot({ path: join(SHOTS, 'phone-run.png'), fullPage: true });
  });

  it('reads out the same iteration on every chart after a tap', async () => {
    await canvasOf('lmLoss').scrollIntoViewIfNeeded(); // touches land on the screen only
    const box = await canvasOf('lmLoss').boundingBox();
    if (!box) throw new Error('no plot canvas');
    await page.touchscreen.tap(box.x + box.width * 0.4, box.y + box.height / 2);
    const iterationIn = async (chart: string) =>
      (await page.getByTestId(`chart-${chart}`).getByTestId('readout').locator('.muted').first().textContent()) ?? '';
    await expect.poll(() => iterationIn('lmLoss')).toMatch(/^iteration \d+/);
    const at = /^iteration (\d+)/.exec(await iterationIn('lmLoss'))?.[1];
    expect(await iterationIn('learningRate')).toBe(`iteration ${at}`);
    expect(await overflow()).toBe(0); // the read-out stays inside its card
    await page.screenshot({ path: join(SHOTS, 'phone-readout.png') });
    // A finger has no hover to leave: a tap elsewhere clears the read-outs.
    const title = await page.getByTestId('chart-lmLoss').locator('h3').boundingBox();
    if (!title) throw new Error('no chart title');
    await page.touchscreen.tap(title.x + 4, title.y + title.height / 2);
    await expect.poll(() => page.getByTestId('readout').count()).toBe(0);
  });

  it('zooms by a horizontal finger drag: the range goes into the URL', async () => {
    expect(page.url()).not.toContain('from=');
    await canvasOf('lmLoss').scrollIntoViewIfNeeded();
    const box = await canvasOf('lmLoss').boundingBox();
    if (!box) throw new Error('no plot canvas');
    const cdp = await context.newCDPSession(page);
    const y = box.y + box.height / 2;
    await fingerDrag(cdp, { x: box.x + box.width * 0.2, y }, { x: box.x + box.width * 0.7, y });
    await expect.poll(() => page.url(), { timeout: 10_000 }).toMatch(/from=\d+&to=\d+/);
    const url = new URL(page.url());
    expect(Number(url.searchParams.get('to'))).toBeGreaterThan(Number(url.searchParams.get('from')));
    await cdp.detach();
    await page.screenshot({ path: join(SHOTS, 'phone-zoomed.png'), fullPage: true });
  });

  it('leaves a vertical swipe on a chart to the page: it scrolls, no zoom', async () => {
    const before = page.url();
    await canvasOf('learningRate').scrollIntoViewIfNeeded();
    const box = await canvasOf('learningRate').boundingBox();
    if (!box) throw new Error('no plot canvas');
    const cdp = await context.newCDPSession(page);
    const x = box.x + box.width / 2;
    const scrolled0 = await scrollY();
    await fingerDrag(cdp, { x, y: box.y + box.height * 0.9 }, { x, y: box.y + box.height * 0.1 });
    await expect.poll(scrollY, { timeout: 5_000 }).toBeGreaterThan(scrolled0);
    expect(page.url()).toBe(before);
    await cdp.detach();
  });

  it('lays the runs list out no wider than the screen', async () => {
    await page.goto(demo.stack.url);
    await page.getByRole('link', { name: 'e2e-demo' }).waitFor({ timeout: 10_000 });
    expect(await overflow()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'phone-runs.png'), fullPage: true });
  });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});
