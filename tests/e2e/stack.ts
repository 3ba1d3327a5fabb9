// A Trainboard for browser tests: the built dashboard, a temp SQLite db and the demo preset's fake trainer submitted
// on the `local` cluster through the control plane (fast iterations), followed live. Builds web/ first when its build is missing or stale.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { startDemo } from '../../server/src/demo/startDemo.js';
import type { ServerStack } from '../../server/src/stack.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const WEB_DIST = join(ROOT, 'web/dist');

export function ensureWebBuild(): void {
  const index = join(WEB_DIST, 'index.html');
  const stale =
    !existsSync(index) ||
    newestMtime(join(ROOT, 'web/src')) > statSync(index).mtimeMs ||
    newestMtime(join(ROOT, 'shared/src/dashboard')) > statSync(index).mtimeMs;
  if (stale) execFileSync('npm', ['run', 'build', '-w', '@trainboard/web', '--silent'], { cwd: ROOT, stdio: 'ignore' });
}

function newestMtime(dir: string): number {
  const out = execFileSync('find', [dir, '-type', 'f', '-printf', '%T@\n'], { encoding: 'utf8' });
  return Math.max(
    0,
    ...out
      .split('\n')
      .filter(Boolean)
      .map((s) => Number(s) * 1000),
  );
}

export interface DemoStack {
  stack: ServerStack;
  runId: number;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts the server and submits the demo preset on the `local` cluster the way every run is submitted
 * (SubmitRunService → the controller's keyed sbatch on the local executor), at `secondsPerIteration`.
 */
export async function startDemoStack(secondsPerIteration: number): Promise<DemoStack> {
  ensureWebBuild();
  const dir = mkdtempSync(join(tmpdir(), 'trainboard-e2e-'));
  const demo = await startDemo({
    target: { kind: 'local', workDir: join(dir, 'work') },
    dbPath: join(dir, 'trainboard.db'),
    webDir: WEB_DIST,
    port: 0,
    logger: pino({ level: 'silent' }),
    runName: 'e2e-demo',
    secondsPerIteration,
    crashAt: null,
  });
  return {
    stack: demo.stack,
    runId: demo.runId,
    dir,
    async stop() {
      await demo.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
