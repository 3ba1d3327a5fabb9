// Accessibility and small screens in Debian's chromium against a live local run: axe-core finds no serious or
// critical violation on the runs list and on the run page (jobs, nodes and log tabs) in both themes; the run page's
// tabs follow the WAI-ARIA keyboard model; the log viewer wraps lines or shows iteration lines as columns (the
// choice remembered); at 390 px the jobs table and the log viewer stay inside the page. Screenshots (desktop and
// 390 px, both themes) go to tests/test-output/screenshots/a11y-* (not committed).
//
// axe-core comes from node_modules, never the network. The server's CSP (script-src 'self') blocks an injected
// inline <script>, so the source is evaluated through the DevTools protocol (page.evaluate), which CSP does not
// govern: the page keeps its real CSP for the whole test.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoStack } from './stack.js';
import { openDemoSession, SHOTS, PHONE, DESKTOP } from './demoSession.js';
import { seriousViolations } from './axe.js';

const THEMES = ['light', 'dark'] as const;

let demo: DemoStack;
let close: (() => Promise<void>) | undefined;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ({ demo, page, errors, close } = await openDemoSession({
    secondsPerIteration: 0.4, // 391 iterations ≈ 160 s: the run outlasts this file
    // An operator sees the most controls (run controls, row buttons): all of them must pass too.
    role: 'operator',
  }));
});
afterAll(() => close?.());

/** What this file reads in the page, typed here: the tests package has no DOM types. */
interface PageElement {
  getBoundingClientRect(): { right: number; width: number };
  parentElement: PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  scrollWidth: number;
  clientWidth: number;
}
interface PageGlobals {
  document: { activeElement: { textContent: string | null } | null; documentElement: { clientWidth: number } };
  getComputedStyle(e: unknown, pseudo?: string): { overflowX: string; clipPath: string; content: string };
}

const at = (path: string) => new URL(path, demo.stack.url).toString();
const runUrl = (theme: string) => at(`/runs/${demo.runId}?theme=${theme}`);
const shot = (name: string) => page.screenshot({ path: join(SHOTS, `a11y-${name}.png`), fullPage: true });
const logLines = () => page.getByTestId('log-viewer').locator('.log-line:not(.log-cols-head)');

async function openRunPage(theme: string): Promise<void> {
  await page.goto(runUrl(theme));
  await page.getByTestId('chart-lmLoss').locator('canvas[data-drawn]').waitFor();
  await expect.poll(() => page.getByTestId('jobs').locator('tbody tr').count(), { timeout: 20_000 }).toBe(1);
}

async function openTab(name: 'jobs' | 'nodes' | 'log'): Promise<void> {
  await page.getByTestId(`tab-${name}`).click();
  if (name === 'nodes') await page.getByTestId('node-localhost').waitFor();
  if (name === 'log') await expect.poll(() => logLines().count(), { timeout: 10_000 }).toBeGreaterThan(10);
}

describe('accessibility in chromium', () => {
  for (const theme of THEMES)
    it(`finds no serious or critical violation on the runs list (${theme})`, async () => {
      await page.goto(at(`/?theme=${theme}`));
      await page.getByRole('link', { name: 'e2e-demo' }).waitFor();
      expect(await page.locator('html').getAttribute('data-theme')).toBe(theme);
      expect(await seriousViolations(page)).toEqual([]);
      expect(await page.getByRole('heading', { level: 1 }).allTextContents()).toEqual(['Runs']);
      await shot(`runs-${theme}`);
    });

  for (const theme of THEMES)
    it(`finds no serious or critical violation on the run page's jobs, nodes and log tabs (${theme})`, async () => {
      await openRunPage(theme);
      expect(await page.getByRole('heading', { level: 1 }).allTextContents()).toEqual(['e2e-demo']);
      for (const tab of ['jobs', 'nodes', 'log'] as const) {
        await openTab(tab);
        expect(await seriousViolations(page), `${tab} tab`).toEqual([]);
        await shot(`${tab}-${theme}`);
      }
      await page.getByTestId('log-display').selectOption('columns');
      await expect.poll(() => page.getByTestId('log-viewer').locator('.log-cols').count()).toBeGreaterThan(2);
      expect(await seriousViolations(page), 'log columns').toEqual([]);
      await shot(`log-columns-${theme}`);
      await page.getByTestId('log-display').selectOption('scroll');
    });

  it("moves between the run page's tabs with the arrow keys, Home and End (one tab stop)", async () => {
    await openRunPage('dark');
    const tabs = page.getByRole('tablist', { name: 'run details' }).getByRole('tab');
    expect(await tabs.allTextContents()).toEqual(['jobs', 'nodes', 'log']);
    const selected = async () =>
      (await tabs.evaluateAll((els) => els.map((e) => `${e.textContent}:${e.getAttribute('aria-selected')}`))).join(
        ' ',
      );
    const focusedTab = () =>
      page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.textContent ?? '');
    expect(await selected()).toBe('jobs:true nodes:false log:false');
    expect(await tabs.evaluateAll((els) => els.map((e) => e.getAttribute('tabindex')))).toEqual(['0', '-1', '-1']);
    await page.getByTestId('tab-jobs').focus();
    await page.keyboard.press('ArrowRight');
    expect(await selected()).toBe('jobs:false nodes:true log:false');
    expect(await focusedTab()).toBe('nodes');
    await page.keyboard.press('End');
    expect(await selected()).toBe('jobs:false nodes:false log:true');
    await page.keyboard.press('ArrowRight'); // wraps around
    expect(await selected()).toBe('jobs:true nodes:false log:false');
    await page.keyboard.press('ArrowLeft');
    expect(await focusedTab()).toBe('log');
    await page.keyboard.press('Home');
    expect(await selected()).toBe('jobs:true nodes:false log:false');
    // The visible panel is the selected tab's, named by it.
    const panel = page.getByRole('tabpanel');
    expect(await panel.count()).toBe(1);
    expect(await panel.getAttribute('aria-labelledby')).toBe(await page.getByTestId('tab-jobs').getAttribute('id'));
    expect(await page.getByTestId('tab-jobs').getAttribute('aria-controls')).toBe(await panel.getAttribute('id'));
  });

  it('shows whole iteration lines: sideways scroll, wrapped, or as columns, and remembers the choice', async () => {
    await openRunPage('dark');
    await openTab('log');
    const box = page.getByTestId('log-box');
    const iterationLine = logLines()
      .filter({ hasText: /iteration\s+\d+\/.*lm loss/ })
      .last();
    // Unwrapped: the long iteration lines are wider than the box, and the box scrolls sideways to them.
    await iterationLine.waitFor();
    const wide = await box.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    const lineWidth = (await iterationLine.boundingBox())?.width ?? 0;
    expect(wide.scroll).toBeGreaterThan(wide.client);
    expect(wide.scroll).toBeGreaterThanOrEqual(Math.floor(lineWidth));
    // Wrapped: no sideways scroll, and the whole line (through TFLOPs, the last field) is visible in more rows.
    await page.getByTestId('log-display').selectOption('wrap');
    await expect.poll(() => box.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await expect.poll(async () => (await iterationLine.boundingBox())?.height ?? 0).toBeGreaterThan(18);
    const wrapped = await iterationLine.evaluate((el) => ({
      text: el.textContent ?? '',
      clipped: el.scrollHeight > el.clientHeight || el.scrollWidth > el.clientWidth,
    }));
    expect(wrapped.text).toMatch(/lm loss: .*TFLOPs: [\d.]+ \|$/);
    expect(wrapped.clipped).toBe(false);
    // Columns: an iteration row reads iteration, loss, grad norm, throughput; other lines stay text.
    await page.getByTestId('log-display').selectOption('columns');
    const row = page.getByTestId('log-viewer').locator('.log-cols:not(.log-cols-head)').last();
    const cells = await row.locator('span').allTextContents();
    expect(cells[0]).toMatch(/^\d+ \/ 391$/);
    expect(cells[1]).toMatch(/^\d+(\.\d+)?$/);
    expect(cells[2]).toMatch(/^\d+(\.\d+)?$/);
    expect(cells[3]).toMatch(/^[\d.]+ samples\/s · [\d.]+ TFLOPs$/);
    // The choice outlives a reload.
    await page.reload();
    await openTab('log');
    expect(await page.getByTestId('log-display').inputValue()).toBe('columns');
    await page.getByTestId('log-display').selectOption('scroll');
  });

  for (const theme of THEMES)
    it(`keeps the jobs table and the log viewer inside a 390 px page (${theme})`, async () => {
      await page.setViewportSize(PHONE);
      try {
        await openRunPage(theme);
        await expect.poll(() => overflowOf(page, 'section.jobs')).toEqual({ right: 0, inner: 0 });
        // Not even inside its own sideways scroller: the rows stack into cards.
        expect(await overflowOf(page, 'section.jobs .table-scroll')).toEqual({ right: 0, inner: 0 });
        // Stacked rows: every cell is named by its column.
        const labels = await page
          .getByTestId('jobs')
          .locator('tbody td')
          .evaluateAll((tds) =>
            tds.map((td) => (globalThis as unknown as PageGlobals).getComputedStyle(td, '::before').content),
          );
        expect(labels.slice(0, 2)).toEqual(['"job"', '"state"']);
        expect(await seriousViolations(page), 'stacked jobs at 390 px').toEqual([]);
        await shot(`phone-jobs-${theme}`);
        await openTab('nodes');
        await shot(`phone-nodes-${theme}`);
        await openTab('log');
        // The log box scrolls sideways inside itself; the viewer and its controls stay inside the page.
        expect(await overflowOf(page, '[data-testid="log-viewer"]')).toEqual({ right: 0, inner: 0 });
        await shot(`phone-log-${theme}`);
        await page.getByTestId('log-display').selectOption('wrap');
        // A jump places the iteration's line in view by the wrapped rows (9 per iteration line
        // here), not by one row per line.
        await page.getByTestId('log-jump').fill('12');
        await page.getByTestId('log-jump').press('Enter');
        const focused = page.getByTestId('log-viewer').locator('.log-line.focused');
        await expect.poll(async () => (await focused.textContent()) ?? '').toMatch(/iteration\s+12\//);
        const box = page.getByTestId('log-box');
        const [boxRect, lineRect] = [await box.boundingBox(), await focused.boundingBox()];
        expect(
          boxRect && lineRect && lineRect.y >= boxRect.y && lineRect.y + lineRect.height <= boxRect.y + boxRect.height,
        ).toBe(true);
        await page.getByTestId('log-pause').click(); // back to the live tail
        await page.getByTestId('log-display').selectOption('columns');
        await shot(`phone-log-columns-${theme}`);
        await page.getByTestId('log-display').selectOption('scroll');
      } finally {
        await page.setViewportSize(DESKTOP);
      }
    });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});

/**
 * How far the element, or anything drawn inside it, sticks out past the viewport's right edge (px), and how far its
 * own content overflows it sideways (scrollWidth − clientWidth). What a scroll box or a clip hides (the log box's
 * long lines, a visually hidden table header) is not drawn, so it does not count.
 */
function overflowOf(p: Page, selector: string): Promise<{ right: number; inner: number }> {
  return p.locator(selector).evaluate((root) => {
    const page = globalThis as unknown as PageGlobals;
    const el = root as unknown as PageElement;
    const clips = (e: PageElement) => {
      const style = page.getComputedStyle(e);
      return style.overflowX !== 'visible' || style.clipPath !== 'none';
    };
    let right = el.getBoundingClientRect().right;
    for (const d of Array.from(el.querySelectorAll('*'))) {
      let drawn = d.getBoundingClientRect().width > 0 ? d.getBoundingClientRect().right : -Infinity;
      for (let a = d.parentElement; a && a !== el.parentElement; a = a.parentElement)
        if (clips(a)) drawn = Math.min(drawn, a.getBoundingClientRect().right);
      right = Math.max(right, drawn);
    }
    return {
      right: Math.max(0, Math.ceil(right - page.document.documentElement.clientWidth)),
      inner: Math.max(0, el.scrollWidth - el.clientWidth),
    };
  });
}
