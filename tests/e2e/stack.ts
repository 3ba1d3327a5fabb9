// A Trainboard for browser tests: the built dashboard, a temp SQLite db and the demo preset's fake trainer submitted
// on the `local` cluster through the control plane (fast iterations), followed live. Builds web/ first when its build is missing or stale.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pino } from 'pino';
import { groupAlive, signalGroup } from '../../server/src/adapters/localJobFiles.js';
import { FAULT_CONTROL_FILE } from '../../server/src/demo/demoJob.js';
import { startDemo } from '../../server/src/demo/startDemo.js';
import { localFiles } from '../../server/src/follow/localFiles.js';
import { startServerStack, type ServerStack } from '../../server/src/stack.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const WEB_DIST = join(ROOT, 'web/dist');

export function ensureWebBuild(): void {
  const index = join(WEB_DIST, 'index.html');
  const stale =
    !existsSync(index) ||
    !existsSync(join(WEB_DIST, 'p-assets/public.js')) ||
    newestMtime(join(ROOT, 'shared/src/public')) > statSync(index).mtimeMs ||
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
  /** The server now (a new one after `restartServer`). */
  stack: ServerStack;
  runId: number;
  dir: string;
  /** Injects a fault into the running trainer now (`hang`, `slow 3`…) through the run folder's control file. */
  injectFault(kind: string): void;
  /** Stops the server alone (the job runs on, as a real server restart leaves it). */
  stopServer(): Promise<void>;
  /** Starts a server again on the same database and port (the run's job keeps being followed). */
  startServerAgain(): Promise<void>;
  stop(): Promise<void>;
}

export interface DemoStackOptions {
  /** The first job crashes (a CUDA error) at this iteration and is resubmitted; default: no crash. */
  crashAt?: number | null;
}

/**
 * Starts the server and submits the demo preset on the `local` cluster the way every run is submitted
 * (SubmitRunService → the controller's keyed sbatch on the local executor), at `secondsPerIteration`.
 */
export async function startDemoStack(secondsPerIteration: number, options: DemoStackOptions = {}): Promise<DemoStack> {
  ensureWebBuild();
  const dir = mkdtempSync(join(tmpdir(), 'trainboard-e2e-'));
  const workDir = join(dir, 'work');
  const dbPath = join(dir, 'trainboard.db');
  const logger = pino({ level: 'silent' });
  const demo = await startDemo({
    target: { kind: 'local', workDir },
    dbPath,
    webDir: WEB_DIST,
    port: 0,
    logger,
    runName: 'e2e-demo',
    secondsPerIteration,
    crashAt: options.crashAt ?? null,
  });
  const port = (demo.stack.http.address() as AddressInfo).port;
  let restarted: ServerStack | null = null;
  const self: DemoStack = {
    stack: demo.stack,
    runId: demo.runId,
    dir,
    injectFault(kind) {
      const wrapper = findFiles(workDir, 'pretrain_gpt_demo.py')[0];
      if (!wrapper) throw new Error('the demo run folder is not written yet');
      writeFileSync(join(dirname(wrapper), FAULT_CONTROL_FILE), `${kind}\n`);
    },
    stopServer: () => self.stack.stop(),
    async startServerAgain() {
      restarted = await startServerStack({
        dbPath,
        files: localFiles(),
        logger,
        scanMs: 500,
        webDir: WEB_DIST,
        port,
        control: { tickMs: 1_000, localWorkDir: workDir },
      });
      self.stack = restarted;
    },
    async stop() {
      if (restarted) await restarted.stop();
      else await demo.stop();
      killRecordedJobs(workDir); // a restarted server's local executor leaves jobs running on close
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

function findFiles(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  return execFileSync('find', [dir, '-name', name], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/**
 * Ends every job the local executors recorded as still running under `dir` (a record names the job's process
 * group). Only groups whose record says RUNNING and that are still alive: a finished job's group id may be reused.
 */
function killRecordedJobs(dir: string): void {
  for (const file of findFiles(dir, '[0-9]*.json')) {
    let rec: { pgid?: unknown; state?: unknown };
    try {
      rec = JSON.parse(readFileSync(file, 'utf8')) as typeof rec;
    } catch {
      continue; // not a job record
    }
    if (rec.state === 'RUNNING' && typeof rec.pgid === 'number' && groupAlive(rec.pgid))
      signalGroup(rec.pgid, 'SIGKILL');
  }
}
