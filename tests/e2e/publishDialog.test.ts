// The operator's "Public page…" dialog in Debian's chromium against a live local run: the slug follows the title,
// an invalid slug is refused in the form, publishing shows the public link (and the server's entry exists), axe
// finds no serious violation in the open dialog, and unpublishing takes the page down. Viewers get no button.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInUrl } from '../../server/src/testing/testAuth.js';
import { seriousViolations } from './axe.js';
import { openDemoSession } from './demoSession.js';
import type { DemoStack } from './stack.js';

let demo: DemoStack;
let close: (() => Promise<void>) | undefined;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ({ demo, page, errors, close } = await openDemoSession({ secondsPerIteration: 0.4, role: 'viewer' }));
});
afterAll(() => close?.());

const runUrl = () => new URL(`/runs/${demo.runId}`, demo.stack.url).toString();

describe('the "Public page…" dialog', () => {
  it('is not offered to viewers', async () => {
    await page.goto(signInUrl(demo.stack.url, demo.stack.authContext, 'viewer'));
    await page.goto(runUrl());
    await page.getByTestId('chart-lmLoss').locator('canvas[data-drawn]').waitFor();
    expect(await page.getByTestId('open-public-page').count()).toBe(0);
  });

  it('publishes with a suggested slug, shows the link, passes axe, and unpublishes', async () => {
    await page.goto(signInUrl(demo.stack.url, demo.stack.authContext, 'operator'));
    await page.goto(runUrl());
    await page.getByTestId('open-public-page').click();
    const dialog = page.getByTestId('dialog-public-page');
    await dialog.getByLabel('Title').fill('Demo Run: 350M');
    expect(await dialog.getByLabel('Address: /p/').inputValue()).toBe('demo-run-350m');
    await dialog.getByLabel('Address: /p/').fill('Bad Slug');
    await dialog.getByTestId('publish').click();
    await dialog.getByRole('alert').first().waitFor();
    expect(demo.stack.conn.sqlite.prepare('SELECT count(*) AS n FROM publications').get()).toEqual({ n: 0 });
    await dialog.getByLabel('Address: /p/').fill('demo-run');
    await dialog.getByLabel('Show node names in the timeline').check();
    await dialog.getByTestId('publish').click();
    const link = dialog.getByTestId('public-link');
    await link.waitFor();
    expect(await link.textContent()).toBe(new URL('/p/demo-run', demo.stack.url).toString());
    await expect.poll(() => demo.stack.publicSnapshots.get('demo-run')?.showNodes, { timeout: 10_000 }).toBe(true);
    expect(await dialog.getByTestId('publish').textContent()).toBe('Update');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Unpublish' }).click();
    await link.waitFor({ state: 'detached' });
    expect(demo.stack.publicSnapshots.get('demo-run')).toBeUndefined();
    expect(errors).toEqual([]);
  }, 60_000);
});
