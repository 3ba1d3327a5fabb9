// What most e2e files start with: the demo running on the local cluster, Chromium open on it, one page signed in
// with a role, page errors collected, and the screenshots folder made. One call in beforeAll, one in afterAll.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Role } from '@trainboard/shared/auth/roles';
import { signInUrl } from '../../server/src/testing/testAuth.js';
import { launchChromium } from './browser.js';
import { startDemoStack, type DemoStack, type DemoStackOptions } from './stack.js';

/** Where e2e files leave screenshots for a person to look at (CI keeps them). */
export const SHOTS = join(import.meta.dirname, '../test-output/screenshots');
export const DESKTOP = { width: 1400, height: 1000 };
export const PHONE = { width: 390, height: 844 };

export interface DemoSession {
  demo: DemoStack;
  context: BrowserContext;
  /** Signed in with the role asked for, on the runs list. */
  page: Page;
  /** Uncaught errors of every page of the context (a test expects none). */
  errors: string[];
  close(): Promise<void>;
}

export interface DemoSessionOptions {
  secondsPerIteration: number;
  role: Role;
  viewport?: { width: number; height: number };
  /** A phone: touch events and a mobile viewport. */
  phone?: boolean;
  demo?: DemoStackOptions;
  /** Called with the context before the page opens (permissions, init scripts). */
  prepare?: (context: BrowserContext, demo: DemoStack) => Promise<void>;
}

export async function openDemoSession(options: DemoSessionOptions): Promise<DemoSession> {
  mkdirSync(SHOTS, { recursive: true });
  const demo = await startDemoStack(options.secondsPerIteration, options.demo);
  const device = options.phone ? { hasTouch: true, isMobile: true, deviceScaleFactor: 2 } : {};
  const browser = await launchChromium(options.viewport ?? (options.phone ? PHONE : DESKTOP), device);
  const errors: string[] = [];
  browser.context.on('page', (p) => p.on('pageerror', (e) => errors.push(e.message)));
  await options.prepare?.(browser.context, demo);
  const page = await browser.context.newPage();
  await page.goto(signInUrl(demo.stack.url, demo.stack.authContext, options.role));
  return {
    demo,
    context: browser.context,
    page,
    errors,
    async close() {
      await browser.close();
      await demo.stop();
    },
  };
}
