// The public progress page in Chromium against a live local run (the demo trainer): published, then opened
// anonymously at /p/<slug>. With JavaScript it follows the run over the /public socket without a reload; with
// JavaScript off the server's render alone shows the numbers and the loss chart. The socket takes no client
// event but subscribe and no hostile slug. Screenshots (desktop 1280 px, phone 390 px) go to /tmp/public-shots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_NAMESPACE, type PublicSubscribeAck } from '@trainboard/shared/public/publicRealtime';
import { publicPagePath } from '@trainboard/shared/public/paths';
import type { PublicationInput } from '@trainboard/shared/public/publication';
import { createTestAuth } from '../../server/src/testing/testAuth.js';
import { launchChromium } from './browser.js';
import { startDemoStack, type DemoStack } from './stack.js';

const SHOTS = '/tmp/public-shots';
const SLUG = 'e2e-public-run';
const TITLE = 'An open 350M training run';
const PHONE = { width: 390, height: 844 };
let demo: DemoStack;
let pageUrl: string;
const closers: (() => Promise<void>)[] = [];

/** Publishes (PUT) or unpublishes (DELETE) the demo run as an operator does: the audited REST route. */
async function publication(method: 'PUT' | 'DELETE'): Promise<void> {
  const auth = createTestAuth(demo.stack.authContext);
  const body: PublicationInput = {
    slug: SLUG,
    title: TITLE,
    description: 'The demo preset on the local executor, followed live.',
  };
  const res = await fetch(`${demo.stack.url}api/runs/${demo.runId}/publication`, {
    method,
    headers: { 'content-type': 'application/json', ...auth.headers('operator') },
    ...(method === 'PUT' ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} publication: ${res.status} ${await res.text()}`);
}

const iterationOf = () => demo.stack.publicSnapshots.get(SLUG)?.snapshot.progress.iteration ?? 0;

async function browser(viewport: { width: number; height: number }, device: Parameters<typeof launchChromium>[1]) {
  const b = await launchChromium(viewport, device);
  closers.push(b.close);
  return b.context;
}

/** The page's problems: script errors, console errors (a CSP refusal is one) and failed requests. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
  page.on('response', (r) => void (r.status() >= 400 && problems.push(`${r.status()}: ${new URL(r.url()).pathname}`)));
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
  return problems;
}

/** The iteration the page shows ("iteration 1,234 of 5,000" in its progress section). */
async function shownIteration(page: Page): Promise<number> {
  const text = (await page.locator('section.progress').textContent()) ?? '';
  const match = /iteration ([\d,]+)/.exec(text);
  return match ? Number(match[1]!.replace(/,/g, '')) : -1;
}
/** Waits (outside a test, where expect.poll is refused) until `ok` holds, up to 60 s. */
async function until(ok: () => boolean): Promise<void> {
  const end = Date.now() + 60_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting for the run');
    await new Promise((r) => setTimeout(r, 250));
  }
}
// Strings, not functions: the tests package has no DOM typings (they run in the page).
const overflow = async (page: Page) =>
  Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  demo = await startDemoStack(0.4);
  // Published once the run has logged: the page then has numbers and a curve from the first render.
  await until(() => demo.stack.conn.sqlite.prepare('SELECT 1 FROM iterations LIMIT 1').get() !== undefined);
  await publication('PUT');
  await until(() => iterationOf() > 0);
  pageUrl = new URL(publicPagePath(SLUG), demo.stack.url).toString();
});
afterAll(async () => {
  for (const close of closers) await close();
  await demo?.stop();
});

describe('the public page in Chromium', () => {
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  it('updates live as the trainer logs, without a reload, and says it is live', async () => {
    context = await browser({ width: 1280, height: 900 }, {});
    page = await context.newPage();
    problems = watch(page);
    await page.goto(pageUrl);
    await page.locator('.live-status[data-live="live"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('.live-status').textContent()).toMatch(/live/i);
    const first = await shownIteration(page);
    expect(first).toBeGreaterThan(0);
    await page.evaluate('window.__sameDocument = true');
    await expect.poll(() => shownIteration(page), { timeout: 30_000, interval: 250 }).toBeGreaterThan(first);
    expect(await page.evaluate('window.__sameDocument === true')).toBe(true); // no reload happened
    expect(await page.locator('section.chart svg').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'public-desktop-1280.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('fits a 390 px phone without sideways scrolling', async () => {
    const phone = await browser(PHONE, { hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
    const p = await phone.newPage();
    const phoneProblems = watch(p);
    await p.goto(pageUrl);
    await p.locator('.live-status[data-live="live"]').waitFor({ timeout: 15_000 });
    expect(await overflow(p)).toBe(0);
    await p.screenshot({ path: join(SHOTS, 'public-phone-390.png'), fullPage: true });
    expect(phoneProblems).toEqual([]);
  });

  it('renders the numbers and the loss chart with JavaScript disabled', async () => {
    const noJs = await browser({ width: 1280, height: 900 }, { javaScriptEnabled: false });
    const p = await noJs.newPage();
    await p.goto(pageUrl);
    expect(await shownIteration(p)).toBeGreaterThan(0);
    expect(await p.locator('h1').textContent()).toBe(TITLE);
    const stats = (await p.locator('dl.stats').textContent()) ?? '';
    expect(stats).toContain('Tokens seen');
    expect(stats).toMatch(/\d/);
    const chart = p.locator('section.chart svg');
    expect(await chart.count()).toBe(1);
    expect(await chart.locator('path, polyline').count()).toBeGreaterThan(0);
    expect(await p.locator('.live-status').count()).toBe(0); // no script ran
    await p.screenshot({ path: join(SHOTS, 'public-nojs-1280.png'), fullPage: true });
  });

  it('falls back to polling snapshot.json when the socket cannot connect, and still updates', async () => {
    const p = await context.newPage();
    await p.route('**/socket.io/**', (route) => route.abort());
    await p.goto(pageUrl);
    await p.locator('.live-status[data-live="polling"]').waitFor({ timeout: 15_000 });
    expect(await p.locator('.live-status').textContent()).toMatch(/reconnecting/i);
    const first = await shownIteration(p);
    // The poll runs every 10 s: the next answer carries newer numbers.
    await expect.poll(() => shownIteration(p), { timeout: 40_000, interval: 500 }).toBeGreaterThan(first);
    await p.close();
  });

  it('says the run is no longer public once it is unpublished, and stops', async () => {
    await publication('DELETE');
    await page.getByText('This run is no longer public').waitFor({ timeout: 15_000 });
    expect(await page.locator('.live-status').count()).toBe(0);
    expect(await page.locator('footer').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'public-unpublished.png') });
    await publication('PUT'); // the socket tests below need it published again
    await expect.poll(() => demo.stack.publicSnapshots.get(SLUG) !== undefined, { timeout: 15_000 }).toBe(true);
  });
});

describe('the /public socket from outside a browser', () => {
  type Client = Socket;
  const client = (): Promise<Client> =>
    new Promise((resolve, reject) => {
      const s = connect(new URL(PUBLIC_NAMESPACE, demo.stack.url).toString(), {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      s.once('connect', () => resolve(s));
      s.once('connect_error', reject);
    });
  const subscribe = (s: Client, payload: unknown) =>
    new Promise<PublicSubscribeAck>((r) => s.emit('subscribe', payload, r));
  const disconnected = (s: Client) => new Promise<string>((r) => s.once('disconnect', r));

  it('gives an anonymous subscriber the snapshot, then live ones', async () => {
    const s = await client();
    const ack = await subscribe(s, { slug: SLUG });
    if (!ack.ok) throw new Error(`subscribe refused: ${ack.error}`);
    expect(ack.snapshot.slug).toBe(SLUG);
    const next = await new Promise<{ progress: { iteration: number | null } }>((r) => s.once('snapshot', r));
    expect(next.progress.iteration).toBeGreaterThanOrEqual(ack.snapshot.progress.iteration ?? 0);
    s.close();
  });

  it.each(['unsubscribe', 'points', 'publish'])('disconnects a client that emits %s', async (event) => {
    const s = await client();
    const bye = disconnected(s);
    s.emit(event, { runId: demo.runId });
    expect(await bye).toBe('io server disconnect');
  });

  it.each(['../../etc/passwd', '<img src=x onerror=alert(1)>', 'A'.repeat(100), ''])(
    'refuses the hostile slug %j and disconnects',
    async (slug) => {
      const s = await client();
      const bye = disconnected(s);
      expect(await subscribe(s, { slug })).toEqual({ ok: false, error: 'invalid' });
      expect(await bye).toBe('io server disconnect');
    },
  );

  it('still refuses an anonymous socket on the private (default) namespace', async () => {
    const s = connect(demo.stack.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    const outcome = await new Promise<string>((r) => {
      s.once('connect', () => r('connected'));
      s.once('connect_error', (e) => r(e.message));
    });
    s.close();
    expect(outcome).toBe('unauthorized');
  });
});
