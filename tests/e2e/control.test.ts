// The control plane in Debian's chromium: an operator signs in through the form, resubmits the run's failed job and
// resubmits excluding a node through the confirmation dialogs (which show the exact scheduler commands), and the
// audit view lists both with their commands; a stale page's confirmation says the run changed; a viewer sees no
// action button and the API answers 403 to the viewer's own fetch. No CSP violation anywhere. Screenshots (desktop
// 1280 px and phone 390 px) go to tests/test-output/screenshots (not committed).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@trainboard/shared/auth/roles';
import { hashPassword } from '../../server/src/auth/passwords.js';
import { ClusterRegistry } from '../../server/src/clusters/clusterRegistry.js';
import { ClustersService } from '../../server/src/clusters/clusters.service.js';
import { createControlPlane } from '../../server/src/control/controlPlane.js';
import { openDatabase } from '../../server/src/db/client.js';
import { createRepositories } from '../../server/src/db/repositories.js';
import { localFiles } from '../../server/src/follow/localFiles.js';
import { startServerStack } from '../../server/src/stack.js';
import { signInOverHttp } from '../../server/src/testing/testAuth.js';
import { launchChromium } from './browser.js';
import { ensureWebBuild, WEB_DIST } from './stack.js';

const SHOTS = join(import.meta.dirname, '../test-output/screenshots');
const OPERATOR = { username: 'olga', password: 'olga-operator-pw-1' };
const VIEWER = { username: 'victor', password: 'victor-viewer-pw-1' };
/**
 * The local executor's one node (named localhost, as its GPU probe and the nodes view name it): excluding it from
 * the running job's run cancels that job and resubmits.
 */
const NODE = 'localhost';

interface ControlStack {
  url: string;
  runId: number;
  /** The scheduler id of the run's first job, killed by the test: FAILED, and the run held so nothing replaces it. */
  failedJobId: string;
  addUser(username: string, password: string, role: Role): Promise<void>;
  /** Another operator acts on the run (its version goes up) while a page still shows the old version. */
  bumpVersion(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The server as main.ts composes it, in process: the control plane (store, services, controller, routes) over the
 * same SQLite file, the cluster `local` (the local executor running the fake trainer), the built dashboard. The demo
 * run is submitted by an operator over HTTP; its first job is then killed (SIGKILL, like a node dying) after the run
 * was held, so the failed job stays the last one for the operator to resubmit.
 */
async function startControlStack(): Promise<ControlStack> {
  ensureWebBuild();
  const dir = mkdtempSync(join(tmpdir(), 'trainboard-control-e2e-'));
  const logger = pino({ level: 'silent' });
  const dbPath = join(dir, 'trainboard.db');
  const conn = openDatabase(dbPath);
  const repos = createRepositories(conn.sqlite);
  const jobsRoot = join(dir, 'jobs');
  repos.clusters.ensureLocal(jobsRoot);
  const registry = new ClusterRegistry({ repo: repos.clusters });
  const control = createControlPlane({ repos, db: conn.db, registry, logger, tickMs: 500 });
  const clusters = new ClustersService({ repos, registry });
  const server = await startServerStack({
    dbPath,
    files: localFiles(),
    logger,
    webDir: WEB_DIST,
    port: 0,
    routes: control.routes,
    clusters,
    // WP-C's stack starts a control plane of its own unless told not to; this test composes its own above (it needs
    // the repositories before the server starts). Spread so the option type-checks before and after that change.
    ...({ control: false } as object),
  });
  control.controller.start();
  const addUser = async (username: string, password: string, role: Role) =>
    void repos.users.insert({ username, passwordHash: await hashPassword(password), role });
  await addUser('ops-bot', 'ops-bot-password-1', 'operator');
  const bot = await signInOverHttp(server.url, 'ops-bot', 'ops-bot-password-1');
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(new URL(path, server.url), { method, headers: bot.headers, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const act = async (runId: number, action: unknown) => {
    const preview = await api('POST', `/api/runs/${runId}/actions/preview`, action);
    await api('POST', `/api/runs/${runId}/actions`, { action, expectedVersion: preview.version });
  };
  const controlOf = (runId: number) =>
    api('GET', `/api/runs/${runId}/control`) as Promise<{
      desiredState: string;
      jobs: { schedulerJobId: string | null; state: string }[];
    }>;

  const { runId } = (await api('POST', '/api/runs', {
    cluster: 'local',
    config: { preset: 'demo' },
    chainLength: 1,
  })) as { runId: number };
  const running = await waitFor(async () => (await controlOf(runId)).jobs.find((j) => j.state === 'RUNNING'), 60_000);
  // A few iterations logged first, so the charts have points to draw.
  const iteration = async () =>
    ((await api('GET', `/api/runs/${runId}/overview`)) as { latest: { iteration: number } | null }).latest?.iteration;
  await waitFor(async () => ((await iteration()) ?? 0) >= 5, 60_000);
  await act(runId, { kind: 'hold' });
  await waitFor(async () => (await controlOf(runId)).desiredState === 'held', 30_000);
  killLocalJob(jobsRoot, running.schedulerJobId!);
  await waitFor(async () => (await controlOf(runId)).jobs.find((j) => j.state === 'FAILED'), 60_000);
  return {
    url: server.url,
    runId,
    failedJobId: running.schedulerJobId!,
    addUser,
    bumpVersion: async () => {
      const before = (await api('GET', `/api/runs/${runId}/control`)).version;
      await act(runId, { kind: 'set_chain_length', length: 2 });
      await waitFor(async () => (await api('GET', `/api/runs/${runId}/control`)).version !== before, 30_000);
    },
    async stop() {
      await control.controller.stop();
      await server.stop();
      await registry.closeAll();
      conn.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SIGKILL to the process group of a local job (its trainer dies as on a crashed node): the job ends FAILED. */
function killLocalJob(jobsRoot: string, jobId: string): void {
  const file = readdirSync(jobsRoot, { recursive: true, encoding: 'utf8' }).find((f) =>
    f.endsWith(`jobs/${jobId}.json`),
  );
  if (!file) throw new Error(`no record of local job ${jobId} under ${jobsRoot}`);
  const { pgid } = JSON.parse(readFileSync(join(jobsRoot, file), 'utf8')) as { pgid: number | null };
  if (!pgid) throw new Error(`local job ${jobId} has no process group`);
  process.kill(-pgid, 'SIGKILL');
}

/** Polls until `probe` gives a truthy value (bounded). */
async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`gave up after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let stack: ControlStack;
const browsers: (() => Promise<void>)[] = [];
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startControlStack();
  await stack.addUser(OPERATOR.username, OPERATOR.password, 'operator');
  await stack.addUser(VIEWER.username, VIEWER.password, 'viewer');
});
afterAll(async () => {
  for (const close of browsers) await close();
  await stack?.stop();
});

/** A fresh browser (its own cookies) watching for page errors and CSP violations. */
async function openPage(viewport = { width: 1280, height: 900 }): Promise<{ page: Page; context: BrowserContext }> {
  const { context, close } = await launchChromium(viewport);
  browsers.push(close);
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && problems.push(`CSP: ${m.text()}`)));
  // Every violation of the server's CSP reaches the console, where the listener above records it.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
  });
  return { page, context };
}

async function signIn(page: Page, who: { username: string; password: string }, path: string): Promise<void> {
  await page.goto(new URL(path, stack.url).href);
  await page.getByLabel('User name').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByTestId('signed-in-as').textContent(), { timeout: 10_000 }).toContain(who.username);
}

const jobIds = async (page: Page) => page.getByTestId('jobs').locator('tbody tr td:first-child').allTextContents();

/**
 * Confirms the open dialog once its preview is shown; returns the commands it confirmed. Every observed job change
 * bumps the run's version, so a confirmation can meet a 409: the dialog then says so and plans again, and the user
 * (as here) reads the new commands and confirms again.
 */
async function confirmDialog(page: Page, kind: string): Promise<string> {
  const dialog = page.getByTestId(`dialog-${kind}`);
  for (let attempt = 0; attempt < 3; attempt++) {
    const commands = dialog.getByTestId('action-commands');
    await commands.waitFor({ timeout: 10_000 });
    const text = (await commands.textContent()) ?? '';
    await dialog.getByTestId('confirm-action').click();
    const sent = dialog.getByTestId('action-sent');
    await sent.or(dialog.getByTestId('run-changed')).first().waitFor({ timeout: 10_000 });
    if (await sent.isVisible()) return text;
    await dialog.getByText('Asking the server what this would do…').waitFor({ state: 'detached', timeout: 10_000 });
  }
  throw new Error('the run kept changing under the dialog');
}

describe('operator actions in chromium', () => {
  let page: Page;

  it('signs in through the form (a wrong password is refused in words first)', async () => {
    ({ page } = await openPage());
    await page.goto(new URL(`/runs/${stack.runId}`, stack.url).href);
    await page.getByLabel('User name').fill(OPERATOR.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/do not match/);
    await signIn(page, OPERATOR, `/runs/${stack.runId}`);
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('operator');
    // The run page, opened by a link before signing in, draws its charts once signed in.
    const drawn = page.getByTestId('chart-lmLoss').locator('canvas[data-drawn]');
    await expect
      .poll(async () => Number(await drawn.getAttribute('data-drawn')), { timeout: 20_000 })
      .toBeGreaterThan(0);
  });

  it('resubmits the failed job: the dialog shows the exact sbatch command, then a new job appears', async () => {
    const row = page.getByTestId('jobs').locator('tbody tr', { hasText: stack.failedJobId });
    await expect.poll(() => row.locator('td').nth(1).textContent(), { timeout: 60_000 }).toBe('FAILED');
    const before = await jobIds(page);
    await page.getByRole('button', { name: `Resubmit job ${stack.failedJobId}`, exact: true }).click();
    const dialog = page.getByTestId('dialog-resubmit');
    await dialog.getByTestId('action-commands').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, 'control-dialog-resubmit-1280.png') });
    const commands = await confirmDialog(page, 'resubmit');
    expect(commands).toMatch(/^\$ sbatch --parsable .*--job-name=\S+/m);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect
      .poll(async () => (await jobIds(page)).filter((id) => !before.includes(id)).length, { timeout: 60_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'control-run-1280.png'), fullPage: true });
  });

  it('resubmits excluding the node the job runs on, picked in the dialog: scancel, then sbatch --exclude', async () => {
    const running = page.getByTestId('jobs').locator('tbody tr', { hasText: 'RUNNING' });
    await expect.poll(() => running.count(), { timeout: 60_000 }).toBe(1);
    await page.getByRole('button', { name: 'Resubmit excluding nodes…' }).click();
    const dialog = page.getByTestId('dialog-exclude');
    const node = dialog.getByRole('checkbox', { name: new RegExp(`^${NODE} — ran job`) });
    await node.check();
    await expect
      .poll(() => dialog.getByTestId('action-commands').textContent(), { timeout: 10_000 })
      .toContain(`--exclude=${NODE}`);
    await page.screenshot({ path: join(SHOTS, 'control-dialog-exclude-1280.png') });
    const commands = await confirmDialog(page, 'exclude');
    expect(commands).toMatch(new RegExp(`^\\$ scancel \\d+$`, 'm'));
    expect(commands).toMatch(new RegExp(`^\\$ sbatch --parsable .*--exclude=${NODE}`, 'm'));
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
  });

  it('lists both actions in the audit view, with who, the exact command and the result', async () => {
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('Run id').fill(String(stack.runId));
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.getByTestId('audit').locator('tbody tr');
    const byOperator = rows.filter({ hasText: OPERATOR.username });
    await expect
      .poll(async () => (await byOperator.allTextContents()).join('\n'), { timeout: 60_000 })
      .toMatch(/resubmit[\s\S]*sbatch/);
    await expect.poll(async () => (await byOperator.allTextContents()).join('\n')).toContain(`--exclude=${NODE}`);
    await page.screenshot({ path: join(SHOTS, 'control-audit-1280.png'), fullPage: true });
  });

  it('refuses a stale page’s action with "this run changed since the page loaded" and plans it again', async () => {
    await page.goto(new URL(`/runs/${stack.runId}`, stack.url).href);
    await page.getByRole('button', { name: 'Chain length…' }).click();
    const dialog = page.getByTestId('dialog-set_chain_length');
    await dialog.getByTestId('chain-length').fill('3');
    await dialog.getByTestId('action-commands').or(dialog.getByText('No scheduler command')).first().waitFor();
    const planned = await dialog.getByText(/Planned on version \d+/).textContent();
    await stack.bumpVersion(); // another operator acts on the run meanwhile
    await dialog.getByTestId('confirm-action').click();
    await expect.poll(() => dialog.getByTestId('run-changed').textContent()).toMatch(/changed since the page loaded/);
    await expect.poll(() => dialog.getByText(/Planned on version \d+/).textContent()).not.toBe(planned);
    await dialog.getByRole('button', { name: 'Keep as is' }).click();
  });

  it('previews a submission: a broken config gets findings with field, why and fix; a preset the exact script', async () => {
    await page.getByRole('link', { name: 'Submit' }).click();
    await page.getByRole('radio', { name: /my own/ }).check();
    await page.getByLabel(/^Run config/).fill('model:\n  num_layers: [1,\n');
    await page.getByRole('button', { name: 'Preview' }).click();
    const findings = page.getByTestId('findings');
    await expect.poll(() => findings.textContent()).toMatch(/error\s*\(file\)[\s\S]*why:[\s\S]*fix:/);
    expect(await page.getByRole('button', { name: 'Submit', exact: true }).isDisabled()).toBe(true);
    await page.getByRole('radio', { name: /a preset/ }).check();
    await page.getByLabel('Cluster', { exact: true }).selectOption('local');
    await page.getByLabel('Preset', { exact: true }).selectOption('demo');
    await page.getByLabel('Run name (optional)').fill('demo-2');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('submit-preview');
    await expect.poll(() => preview.textContent(), { timeout: 20_000 }).toMatch(/Ready to submit/);
    expect(await preview.locator('pre.commands').textContent()).toMatch(/^\$ sbatch --parsable .*--job-name=demo-2/m);
    expect(await preview.locator('pre.script').textContent()).toMatch(/^#!\/bin\/bash/);
    expect(await page.getByRole('button', { name: 'Submit', exact: true }).isEnabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'control-submit-1280.png'), fullPage: true });
  });

  it('reads well on a phone: run controls, the dialog and the audit view at 390 px', async () => {
    const { page: phone } = await openPage({ width: 390, height: 844 });
    await signIn(phone, OPERATOR, `/runs/${stack.runId}`);
    await phone.getByTestId('run-controls').waitFor();
    await phone.screenshot({ path: join(SHOTS, 'control-run-390.png'), fullPage: true });
    await phone.getByRole('button', { name: 'Resubmit excluding nodes…' }).click();
    await phone.getByTestId('dialog-exclude').getByLabel('Another node').fill(NODE);
    await phone.getByTestId('dialog-exclude').getByRole('button', { name: 'Add' }).click();
    await phone.getByTestId('action-effects').waitFor({ timeout: 10_000 });
    await phone.screenshot({ path: join(SHOTS, 'control-dialog-390.png') });
    await phone.keyboard.press('Escape');
    // The dialog is gone and the focus is back on the button that opened it.
    await expect.poll(() => phone.getByTestId('dialog-exclude').count()).toBe(0);
    expect(await phone.evaluate<string | null>('document.activeElement?.textContent ?? null')).toBe(
      'Resubmit excluding nodes…',
    );
    await phone.goto(new URL(`/audit?run=${stack.runId}`, stack.url).href);
    await phone.getByTestId('audit').waitFor();
    await phone.screenshot({ path: join(SHOTS, 'control-audit-390.png'), fullPage: true });
    // Nothing wider than the screen but the tables' own scroll boxes.
    expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  });
});

describe('a viewer in chromium', () => {
  it('sees the run but no action button, and the API answers 403 to a direct POST from the page', async () => {
    const { page } = await openPage();
    await signIn(page, VIEWER, `/runs/${stack.runId}`);
    await page.getByTestId('run-controls').waitFor({ timeout: 10_000 });
    await page.getByTestId('jobs').waitFor();
    expect(await page.getByRole('group', { name: 'run actions' }).count()).toBe(0);
    for (const name of [/resubmit/i, /cancel/i, /exclude/i, /hold/i, /release/i, /save and exit/i, /chain length/i])
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    const status = await page.evaluate(async (runId) => {
      const me = (await (await fetch('/api/auth/me')).json()) as { csrfToken: string | null };
      const res = await fetch(`/api/runs/${runId}/actions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken ?? '' },
        body: JSON.stringify({ action: { kind: 'cancel_run' }, expectedVersion: 1 }),
      });
      return res.status;
    }, stack.runId);
    expect(status).toBe(403);
    await page.screenshot({ path: join(SHOTS, 'control-viewer-1280.png') });
  });

  it('saw no page error and no CSP violation in any page', () => {
    expect(problems).toEqual([]);
  });
});
