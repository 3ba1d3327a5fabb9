// The demo's Node half (scripts/demo prepares and calls it): the server (SQLite under .trainboard/, the built
// dashboard) and the `demo` preset's fake-trainer job on the local executor, or with --slurm on the loopback dev
// cluster (real sbatch over real SSH), submitted through the control plane. The first job crashes mid-run (a CUDA
// error) and the failure policy resubmits it, resuming from the last checkpoint, so the restart shows on the charts.
// Runs until Ctrl-C, then cancels the run and stops.
//
// Usage: npx tsx scripts/demoRun.ts [--slurm] [--port N] [--seconds-per-iteration S] [--crash-at N]
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startDemo, type DemoTarget } from '../server/src/demo/startDemo.js';

const { values } = parseArgs({
  options: {
    slurm: { type: 'boolean', default: false },
    port: { type: 'string', default: '3000' },
    'seconds-per-iteration': { type: 'string', default: '0.3' },
    'crash-at': { type: 'string', default: '120' },
  },
});
const root = resolve('.trainboard');
const logger = pino({ level: process.env.TRAINBOARD_LOG_LEVEL ?? 'warn' });
const target: DemoTarget = values.slurm
  ? { kind: 'slurm', clusterFile: resolve(process.env.DEV_CLUSTER_DIR ?? '.dev-cluster', 'cluster.json') }
  : { kind: 'local', workDir: join(root, 'demo') };
const webDir = resolve('web/dist');
const started = Date.now();

const demo = await startDemo({
  target,
  dbPath: join(root, 'trainboard.db'),
  port: Number(values.port),
  anyPortIfBusy: true,
  logger,
  secondsPerIteration: Number(values['seconds-per-iteration']),
  crashAt: Number(values['crash-at']),
  publicSlug: 'demo',
  ...(existsSync(join(webDir, 'index.html')) ? { webDir } : {}),
}).catch((err: unknown) => {
  process.stderr.write(`demo: ${(err as Error).message}\n`);
  process.exit(1);
});
if (demo.portWasBusy) process.stdout.write(`   port ${values.port} is busy: using a free one\n`);
process.stdout.write(
  `\n  Trainboard is live at ${demo.url}   (run: ${demo.url}runs/${demo.runId})   [${Date.now() - started} ms]\n`,
);
process.stdout.write(`  Sign in as the demo operator (one-time link, 10 minutes): ${demo.loginUrl}\n`);
if (demo.publicUrl) process.stdout.write(`  Its public progress page (no sign-in): ${demo.publicUrl}\n`);
process.stdout.write(`  The demo run was submitted on the ${demo.cluster} cluster through the control plane;\n`);
process.stdout.write(
  `  its first job crashes at iteration ${values['crash-at']} and the failure policy resubmits it (see: trainboard audit).\n`,
);
process.stdout.write('  Ctrl-C cancels the run and stops everything.\n\n');
let stopping = false;

const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n== stopping: cancelling the run${values.slurm ? ' (scancel)' : ''}, closing the server\n`);
  await demo.stop();
  if (values.slurm) process.stdout.write('== the dev cluster stays up; scripts/dev-cluster down stops it\n');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
