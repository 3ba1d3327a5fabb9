// The app's plumbing in Debian's chromium: unknown addresses are a 404 to the browser and a page that says so, an
// unknown run is a not-found page without controls, the export link downloads the run's CSV, the share link says it
// copied, the theme is remembered. And the real server (server/src/main.ts, as the README starts it) serves the
// built UI compressed. Screenshots go to tests/test-output/screenshots (not committed).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_FIELDS } from '@trainboard/shared/metrics/fields';
import { ensureWebBuild, ROOT, WEB_DIST, type DemoStack } from './stack.js';
import { openDemoSession, SHOTS } from './demoSession.js';

let demo: DemoStack;
let close: (() => Promise<void>) | undefined;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ({ demo, page, errors, close } = await openDemoSession({
    secondsPerIteration: 0.2, // 391 iterations ≈ 80 s: longer than this file needs
    role: 'viewer',
    prepare: (context, demo) =>
      context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demo.stack.url }),
  }));
});
afterAll(() => close?.());

const at = (path: string) => new URL(path, demo.stack.url).toString();
const theme = (p: Page) => p.locator('html').getAttribute('data-theme');

describe('the app in chromium', () => {
  it('answers an unknown address with HTTP 404 and a page that says so, with a way back', async () => {
    const res = await page.goto(at('/no/such/page?x=1'));
    expect(res?.status()).toBe(404);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    expect(await page.title()).toContain('Page not found');
    await page.screenshot({ path: join(SHOTS, 'not-found-page.png') });
    await page.getByRole('link', { name: 'See all runs' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'e2e-demo' }).count(), { timeout: 10_000 }).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/');
  });

  it('shows an unknown run as not found, with no run controls', async () => {
    const res = await page.goto(at('/runs/999'));
    expect(res?.status()).toBe(200); // a page of the app: the API's 404 for run 999 decides
    await expect.poll(() => page.getByTestId('not-found').textContent()).toContain('Run 999 not found');
    for (const control of ['x-axis', 'share', 'export-csv', 'tab-log'])
      expect(await page.getByTestId(control).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'run-not-found.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, 'run-not-found-390.png') });
    await page.setViewportSize({ width: 1400, height: 1000 });
  });

  it('downloads the run as CSV with the export header and its iterations', async () => {
    await page.goto(at(`/runs/${demo.runId}`));
    // Enough stored iterations to export (the demo writes one every 0.2 s).
    const exported = async () => (await page.request.get(at(`/api/runs/${demo.runId}/export.csv`))).text();
    await expect.poll(async () => (await exported()).trim().split('\n').length, { timeout: 30_000 }).toBeGreaterThan(5);
    const link = page.getByTestId('export-csv');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), link.click()]);
    expect(download.suggestedFilename()).toBe(`run-${demo.runId}.csv`);
    const lines = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe(['iteration', 'segment', 'is_current', 'time_ms', ...METRIC_FIELDS].join(','));
    expect(lines.length).toBeGreaterThan(5);
    expect(lines[1]?.split(',')[0]).toMatch(/^\d+$/);
    expect(lines[1]?.split(',').length).toBe(4 + METRIC_FIELDS.length);
    expect(await page.getByTestId('export-json').getAttribute('href')).toBe(`/api/runs/${demo.runId}/export.json`);
  });

  it('says the share link was copied, and copies this exact view', async () => {
    await page.getByTestId('log-scale').check();
    await expect.poll(() => page.url()).toContain('log=1');
    await page.getByTestId('share').click();
    await expect.poll(() => page.getByTestId('share-status').textContent()).toBe('Link copied');
    expect(await page.getByTestId('share-status').getAttribute('aria-live')).toBe('polite');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(page.url());
    await page.screenshot({ path: join(SHOTS, 'share-copied.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('share').click();
    await page.getByTestId('share').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'share-copied-390.png') });
    await page.setViewportSize({ width: 1400, height: 1000 });
  });

  it('remembers the theme across visits, while a link naming a theme still wins', async () => {
    const plain = at(`/runs/${demo.runId}`);
    await page.goto(plain);
    await page.getByTestId('theme').waitFor();
    const start = await theme(page);
    const other = start === 'dark' ? 'light' : 'dark';
    await page.getByTestId('theme').click();
    await expect.poll(() => theme(page)).toBe(other);
    await page.goto(plain); // no ?theme= in the address: the remembered choice
    await page.getByTestId('theme').waitFor();
    expect(await theme(page)).toBe(other);
    await page.goto(`${plain}?theme=${start}`);
    await page.getByTestId('theme').waitFor();
    expect(await theme(page)).toBe(start);
    await page.goto(plain); // the link did not overwrite what was remembered
    await page.getByTestId('theme').waitFor();
    expect(await theme(page)).toBe(other);
  });

  it('threw no page errors', () => {
    expect(errors).toEqual([]);
  });
});

describe('the real server (server/src/main.ts)', () => {
  let child: ChildProcessWithoutNullStreams | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'trainboard-main-e2e-'));
  let base = '';
  beforeAll(async () => {
    ensureWebBuild();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('TRAINBOARD_')) delete env[key];
    Object.assign(env, {
      TRAINBOARD_DB: join(dir, 'trainboard.db'),
      TRAINBOARD_PORT: '0',
      TRAINBOARD_WEB_DIR: WEB_DIST,
      TRAINBOARD_LOG_LEVEL: 'info',
    });
    child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/main.ts')], { env, stdio: 'pipe' });
    base = `http://127.0.0.1:${await listeningPort(child)}`;
  });
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app chunk compressed and cached a year', async () => {
    const name = readdirSync(join(WEB_DIST, 'assets')).find((f) => /^mountApp-.*\.js$/.test(f));
    if (!name) throw new Error('no app chunk in web/dist/assets');
    const size = statSync(join(WEB_DIST, 'assets', name)).size;
    const res = await rawGet(`${base}/assets/${name}`, 'br, gzip');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toMatch(/^(br|gzip)$/);
    expect(res.bytes).toBeLessThan(size / 2);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it("answers the app's pages with 200 and other addresses with 404, unknown /api with JSON", async () => {
    expect((await rawGet(`${base}/runs/1`, null)).status).toBe(200);
    const unknown = await rawGet(`${base}/no/such/page`, null);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^text\/html/);
    const api = await rawGet(`${base}/api/no-such-route`, null);
    expect(api.status).toBe(404);
    expect(api.headers['content-type']).toMatch(/^application\/json/);
  });
});

/** The port of the first `listening` line the server logs (pino JSON on stdout); bounded by the hook timeout. */
function listeningPort(proc: ChildProcessWithoutNullStreams): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening' && entry.port) resolve(entry.port);
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
}

/** Status, headers and body size as sent on the wire (node's http does not decompress). */
function rawGet(
  url: string,
  encoding: string | null,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (b: Buffer) => (bytes += b.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
    });
    req.on('error', reject);
    req.end();
  });
}
