// The demo's Node half (scripts/demo prepares and calls it): the embedded default (SQLite under .trainboard/, the
// local executor, the built dashboard) and the `demo` preset's fake-trainer job, whose first job crashes mid-run
// (a CUDA error) and is resubmitted, resuming from the last checkpoint, so the restart shows on the charts.
// Runs until Ctrl-C, then cancels the job and stops cleanly.
//
// Usage: npx tsx scripts/demo-run.ts --script FILE [--port N]
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { launchTrainingJob } from '../server/src/adapters/local-executor-demo.js';
import { startLocalStack } from '../server/src/adapters/local-executor-stack.js';

const { values } = parseArgs({ options: { script: { type: 'string' }, port: { type: 'string', default: '3000' }, 'crash-at': { type: 'string', default: '120' } } });
if (!values.script) throw new Error('--script FILE is required (the rendered fake-trainer sbatch script)');
const root = resolve('.trainboard');
const workDir = join(root, 'demo');
const logger = pino({ level: process.env.TRAINBOARD_LOG_LEVEL ?? 'warn' });

// The first job crashes once: a wrapper adds the fault flags while a marker file exists, then removes it.
const realTrainer = resolve('scripts/fake-trainer/pretrain_gpt.py');
const marker = join(workDir, 'crash-once');
const wrapper = join(workDir, 'pretrain_gpt_demo.py');
writeFileSync(marker, values['crash-at']);
writeFileSync(wrapper, `import os, runpy, sys
marker = ${JSON.stringify(marker)}
if os.path.exists(marker) and os.environ.get("SLURM_PROCID", "0") == "0":
    at = open(marker).read().strip()
    os.remove(marker)
    sys.argv += ["--fault", "crash", "--fault-at-iteration", at]
sys.argv[0] = ${JSON.stringify(realTrainer)}
runpy.run_path(sys.argv[0], run_name="__main__")
`);
chmodSync(wrapper, 0o755);

const webDir = resolve('web/dist');
const port = Number(values.port);
const stackOptions = { dbPath: join(root, 'trainboard.db'), workDir, logger, jobEnv: { TRAINBOARD_FAKE_TRAINER: wrapper }, ...(existsSync(join(webDir, 'index.html')) ? { webDir } : {}) };
const stack = await startLocalStack({ ...stackOptions, port }).catch(async (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EADDRINUSE') throw err;
  process.stdout.write(`   port ${port} is busy: using a free one\n`);
  return startLocalStack({ ...stackOptions, port: 0 });
});
const job = await launchTrainingJob({
  conn: stack.conn, executor: stack.executor, logger, runName: 'demo', script: readFileSync(values.script, 'utf8'),
  jobName: 'trainboard-demo', logPath: join(workDir, 'runs/demo/logs/main/main_log.txt'),
});
process.stdout.write(`\n  Trainboard is live at ${stack.url}   (run: ${stack.url}runs/${job.runId})\n`);
process.stdout.write(`  The demo run trains ~400 iterations; its first job crashes at iteration ${values['crash-at']} and is resubmitted.\n  Ctrl-C stops everything.\n\n`);
void job.done.then((state) => process.stdout.write(`== the demo run ended: ${state}. The dashboard stays up until Ctrl-C.\n`));

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\n== stopping: cancelling the job, closing the server\n');
  job.stop();
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
