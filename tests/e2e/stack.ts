// A Trainboard for browser tests: the built dashboard, a temp SQLite db and the local executor running the demo
// preset's fake trainer (fast iterations), followed live. Builds web/ first when its build is missing or stale.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { launchTrainingJob, type TrainingJob } from '../../server/src/demo/trainingJob.js';
import { startLocalStack, type LocalStack } from '../../server/src/localStack.js';

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
  stack: LocalStack;
  job: TrainingJob;
  dir: string;
  stop(): Promise<void>;
}

/** Starts the stack and the demo preset's fake trainer at `secondsPerIteration`. */
export async function startDemoStack(secondsPerIteration: number): Promise<DemoStack> {
  ensureWebBuild();
  const dir = mkdtempSync(join(tmpdir(), 'trainboard-e2e-'));
  execFileSync(
    'npx',
    [
      'trainboard',
      'render',
      '--preset',
      'demo',
      '--template',
      'fake-trainer',
      '--out',
      join(dir, 'job'),
      '--seconds-per-iteration',
      String(secondsPerIteration),
    ],
    { cwd: ROOT, stdio: 'ignore' },
  );
  const logger = pino({ level: 'silent' });
  const stack = await startLocalStack({
    dbPath: join(dir, 'trainboard.db'),
    workDir: join(dir, 'work'),
    webDir: WEB_DIST,
    logger,
    port: 0,
  });
  const job = await launchTrainingJob({
    conn: stack.conn,
    backend: stack.executor,
    logger,
    runName: 'e2e-demo',
    jobName: 'trainboard-demo',
    script: readFileSync(join(dir, 'job/trainboard-demo.fake.slurm'), 'utf8'),
    logPath: join(dir, 'work/runs/demo/logs/main/main_log.txt'),
  });
  return {
    stack,
    job,
    dir,
    async stop() {
      job.stop();
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
