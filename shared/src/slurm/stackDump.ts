// A stack dump of a running job's training processes (F3: before cancelling a hang, know where it hangs). Two ways:
// py-spy on every node through one `srun --overlap` step in the job's allocation (the training step keeps its
// resources; py-spy only reads the processes), or, where a node lacks py-spy, SIGUSR1 to the job's steps (not the
// batch shell), which the template's faulthandler turns into a dump in the job's log. Every argv element is a
// validated id or fixed text; the step's script is a constant.
import { overlapStepArgv } from './overlapStep.js';
import { validateJobIds } from './submit.js';

/** Bytes of py-spy output kept per process and in all: a dump is for reading, a runaway one must not fill a disk. */
export const STACK_DUMP_PROCESS_BYTES = 65_536;
export const STACK_DUMP_TOTAL_BYTES = 1_048_576;
/** Processes dumped per node (8 GPU workers and their torchrun agent, with room). */
export const STACK_DUMP_MAX_PROCESSES = 16;

/**
 * Runs on each node: says whether py-spy is there, then dumps every process of this user whose command line names
 * pretrain_gpt (the torchrun agent and its workers; `[p]` keeps this shell's own command line from matching), each
 * followed by py-spy's exit status (it fails where ptrace is not allowed, e.g. Yama ptrace_scope 1 without the
 * capability: that node then counts as one without py-spy).
 */
export const STACK_DUMP_SCRIPT = [
  'echo "TB-NODE ${SLURMD_NODENAME:-$(hostname)}"',
  'if ! command -v py-spy >/dev/null 2>&1; then echo TB-NO-PYSPY; exit 0; fi',
  `for pid in $(pgrep -u "$(id -u)" -f '[p]retrain_gpt' | head -n ${STACK_DUMP_MAX_PROCESSES}); do`,
  '  echo "TB-PID $pid"',
  '  out=$(timeout 20 py-spy dump --pid "$pid" 2>&1); rc=$?',
  `  printf '%s\\n' "$out" | head -c ${STACK_DUMP_PROCESS_BYTES}`,
  '  echo "TB-RC $rc"',
  'done',
].join('\n');

/** The py-spy step: one task per node of the job, labelled. */
export function stackDumpStepArgv(jobId: string, nodeCount: number): string[] {
  return overlapStepArgv(jobId, nodeCount, STACK_DUMP_SCRIPT);
}

/** SIGUSR1 to every step of the job; without `--batch`/`--full` scancel leaves the batch shell alone. */
export function signalStepsArgv(jobId: string, signal: 'USR1' = 'USR1'): string[] {
  const [id] = validateJobIds([jobId]);
  return ['scancel', `--signal=${signal}`, id!];
}

/** The job's steps, one id a line (`41.0`, `41.batch`, `41.extern`): is there a step for SIGUSR1 to reach? */
export function jobStepsArgv(jobId: string): string[] {
  const [id] = validateJobIds([jobId]);
  return ['squeue', '-s', '-j', id!, '-h', '-o', '%i'];
}

/**
 * The job's numbered steps in jobStepsArgv's output: the ones `scancel --signal` reaches (the batch shell and the
 * extern step are not training). None when training was launched in the batch script without srun.
 */
export function signallableSteps(jobId: string, stdout: string): string[] {
  const [id] = validateJobIds([jobId]);
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`${id}.`) && /^\d+$/.test(l.slice(id!.length + 1)));
}

export interface NodeStackDump {
  node: string;
  hasPySpy: boolean;
  /** Processes found (their pids). */
  pids: number[];
  /** Of those, how many py-spy dumped (exit status 0). */
  dumped: number;
  /** What py-spy printed for them, in order, each under a `--- <node> pid <pid>` line. */
  text: string;
}

const LABEL = /^\s*(\d+): ?(.*)$/;

/** Reads the labelled output of the py-spy step: one entry per task that said which node it is. */
export function parseStackDumpStep(stdout: string): NodeStackDump[] {
  const byTask = new Map<string, NodeStackDump>();
  for (const raw of stdout.split('\n')) {
    const m = LABEL.exec(raw);
    if (!m) continue;
    const [, task = '', line = ''] = m;
    const node = /^TB-NODE (\S+)$/.exec(line);
    if (node) {
      byTask.set(task, { node: node[1]!, hasPySpy: true, pids: [], dumped: 0, text: '' });
      continue;
    }
    const entry = byTask.get(task);
    if (!entry) continue;
    const pid = /^TB-PID (\d+)$/.exec(line);
    const rc = /^TB-RC (\d+)$/.exec(line);
    if (line === 'TB-NO-PYSPY') entry.hasPySpy = false;
    else if (rc) entry.dumped += rc[1] === '0' ? 1 : 0;
    else if (pid) {
      entry.pids.push(Number(pid[1]));
      entry.text += `--- ${entry.node} pid ${pid[1]}\n`;
    } else entry.text += `${line}\n`;
  }
  return [...byTask.values()];
}

/** The stored text of a dump: every node's, cut at STACK_DUMP_TOTAL_BYTES (UTF-16 units, close enough). */
export function stackDumpText(jobId: string, nodes: readonly NodeStackDump[], atIso: string): string {
  const head = `py-spy dump of job ${jobId} at ${atIso}\n`;
  const all = head + nodes.map((n) => n.text).join('');
  return all.length <= STACK_DUMP_TOTAL_BYTES ? all : `${all.slice(0, STACK_DUMP_TOTAL_BYTES)}\n[cut]\n`;
}

/** `41-20261206T221500Z.txt`: a file name from a validated id and a time, nothing else. */
export function stackDumpFileName(jobId: string, atMs: number): string {
  const [id] = validateJobIds([jobId]);
  const stamp = new Date(atMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${id}-${stamp}.txt`;
}

/** Dumps kept in ~/.trainboard/stacks (up to STACK_DUMP_TOTAL_BYTES each): older ones are removed on each store. */
export const STACK_DUMPS_KEPT = 50;

/**
 * Writes stdin to ~/.trainboard/stacks/$1 (private to the user; $1 is a stackDumpFileName), then keeps only the
 * newest STACK_DUMPS_KEPT dumps there. Only names of the dump pattern are ever removed: a person's own file in the
 * folder stays, and a name is read a line at a time and quoted, never split.
 */
export function storeStackDumpArgv(fileName: string): string[] {
  if (!/^\d+(_\d+)?-\d{8}T\d{6}Z\.txt$/.test(fileName)) throw new RangeError('not a stack dump file name');
  return [
    'sh',
    '-c',
    [
      'umask 077 && mkdir -p "$HOME/.trainboard/stacks" && cd "$HOME/.trainboard/stacks" && cat > "$1" || exit 1',
      "ls -1t | grep -E '^[0-9]+(_[0-9]+)?-[0-9]{8}T[0-9]{6}Z\\.txt$' | tail -n +$(($2 + 1)) |",
      '  while IFS= read -r f; do rm -f -- "$f"; done',
    ].join('\n'),
    'sh',
    fileName,
    String(STACK_DUMPS_KEPT),
  ];
}

export const STACK_DUMP_DIR_TEXT = '~/.trainboard/stacks';
