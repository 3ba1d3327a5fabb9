// Failure and exit classification on single texts. The texts follow the formats of megatron-log-format.md
// §8 and §10 (placeholders filled with invented values: constructed, not observed).
import { describe, expect, it } from 'vitest';
import type { ExitEvent, FailureEvent } from './events.js';
import { parseText } from '../testing/parseAll.js';

function failuresOf(text: string): FailureEvent[] {
  const { events, stats } = parseText(text);
  expect(stats.internalErrors).toBe(0);
  return events.filter((e): e is FailureEvent => e.type === 'failure');
}

describe('failure classification', () => {
  const cases: Array<[string, string, FailureEvent['kind']]> = [
    [
      'slurm host memory ECC banner',
      'slurmstepd: error: *** JOB 77 ON n3 UNCORRECTABLE MEMORY ERROR AT 2022-05-01T01:02:03 ***',
      'ecc_error',
    ],
    [
      'allocator OOM (pt >= 1.13)',
      'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.35 GiB total capacity)',
      'out_of_memory',
    ],
    [
      'cgroup OOM kill',
      'slurmstepd: error: Detected 1 oom-kill event(s) in StepId=77.0. Some of your processes may have been killed by the cgroup out-of-memory handler.',
      'out_of_memory',
    ],
    [
      'NCCL async error handling',
      '[Rank 3] Some NCCL operations have failed or timed out. Due to the asynchronous nature of CUDA kernels, subsequent GPU operations might run on corrupted/incomplete data.',
      'nccl_timeout',
    ],
    [
      'preemption banner',
      'slurmstepd: error: *** STEP 77.0 ON n1 CANCELLED AT 2022-05-01T01:02:03 DUE TO PREEMPTION ***',
      'preempted',
    ],
    [
      'requeue banner',
      'slurmstepd: error: *** JOB 77 ON n1 CANCELLED AT 2022-05-01T01:02:03 DUE TO JOB REQUEUE ***',
      'requeued',
    ],
    ['DataLoader segfault', 'ERROR: Unexpected segmentation fault encountered in worker.', 'segfault'],
    [
      'torchelastic SIGSEGV',
      'torch.distributed.elastic.multiprocessing.errors.ChildFailedError: \n============================================================\nRoot Cause (first observed failure):\n[0]:\n  exitcode  : -11 (pid: 6421)\n  traceback : Signal 11 (SIGSEGV) received by PID 6421\n============================================================',
      'segfault',
    ],
    [
      'DataLoader exited',
      'RuntimeError: DataLoader worker (pid(s) 1234, 1235) exited unexpectedly',
      'python_exception',
    ],
    [
      'resume assertion',
      'Traceback (most recent call last):\n  File "pretrain_gpt.py", line 1, in <module>\nAssertionError: min_lr value changed',
      'python_exception',
    ],
  ];
  for (const [name, text, kind] of cases) {
    it(`classifies ${name} as ${kind}, in one event`, () => {
      const failures = failuresOf(`${text}\n`);
      expect(failures.map((f) => f.kind)).toEqual([kind]);
    });
  }

  it('groups glog-style torchelastic agent lines with the failure report', () => {
    const failures = failuresOf(
      [
        'W0409 07:28:49.530000 1359 torch/distributed/elastic/multiprocessing/api.py:719] Sending process 1400 closing signal SIGTERM',
        'E0409 07:28:50.120000 1359 torch/distributed/elastic/multiprocessing/api.py:863] failed (exitcode: -11) local_rank: 0 (pid: 1399) of binary: /usr/bin/python',
        'NCCL INFO lines are skipped quickly: host:1:2 [0] NCCL INFO Bootstrap : Using ib0',
        '',
      ].join('\n'),
    );
    expect(failures).toEqual([expect.objectContaining({ kind: 'task_exit', exitCode: -11, lineCount: 2 })]);
  });

  it('reports a failure signature in a DeepSpeed logger line, and ignores the other DeepSpeed lines', () => {
    const { events, stats } = parseText(
      [
        '[2022-05-01 01:02:03,456] [INFO] [logging.py:68:log_dist] [Rank 0] step=100, skipped=0, lr=[6e-05]',
        '[2022-05-01 01:02:04,456] [ERROR] [engine.py:1:f] CUDA error: an illegal memory access was encountered',
        '',
      ].join('\n'),
    );
    expect(events).toEqual([expect.objectContaining({ type: 'failure', kind: 'cuda_error', line: 2, lineCount: 1 })]);
    expect(stats.ignoredLines).toBe(1);
  });

  it('keeps a chained traceback in one event, classified by its most specific line', () => {
    const failures = failuresOf(
      [
        '[default0]:Traceback (most recent call last):',
        '[default0]:  File "a.py", line 1, in f',
        "[default0]:KeyError: 'x'",
        '[default0]:',
        '[default0]:During handling of the above exception, another exception occurred:',
        '[default0]:',
        '[default0]:Traceback (most recent call last):',
        '[default0]:  File "a.py", line 3, in g',
        '[default0]:RuntimeError: CUDA error: an illegal memory access was encountered',
        '[default0]:CUDA kernel errors might be asynchronously reported at some other API call,so the stacktrace below might be incorrect.',
        '[default0]: > something else',
        '',
      ].join('\n'),
    );
    expect(failures).toEqual([
      expect.objectContaining({
        kind: 'cuda_error',
        rank: 0,
        lineCount: 10,
        line: 1,
        message: 'RuntimeError: CUDA error: an illegal memory access was encountered',
      }),
    ]);
  });

  it('keeps tracebacks of two interleaved writers apart', () => {
    const failures = failuresOf(
      [
        '[default1]:Traceback (most recent call last):',
        '[default2]:Traceback (most recent call last):',
        '[default1]:  File "a.py", line 1, in f',
        '[default2]:  File "a.py", line 1, in f',
        '[default2]:RuntimeError: CUDA out of memory. Tried to allocate 1.00 GiB',
        '[default1]:ValueError: nope',
        '',
      ].join('\n'),
    );
    expect(failures.map((f) => [f.rank, f.kind, f.lineCount, f.line])).toEqual([
      [1, 'python_exception', 3, 1],
      [2, 'out_of_memory', 3, 2],
    ]);
  });
});

describe('exit classification', () => {
  const cases: Array<[string, ExitEvent['reason'], number | null]> = [
    ['[after training is done] datetime: 2022-07-05 01:02:03 ', 'train_done', 115311],
    ['[exiting program after receiving SIGTERM.] datetime: 2022-07-05 01:02:03 ', 'sigterm', 115311],
    [
      '[Detected kill switch at /x/kill, iteration=42. Exiting] datetime: 2022-07-05 01:02:03.123456 ',
      'kill_switch',
      42,
    ],
    ['[exiting program at iteration 115300] datetime: 2022-07-05 01:02:03', 'exit_interval', 115300],
  ];
  for (const [line, reason, iteration] of cases) {
    it(`reads ${reason} from ${JSON.stringify(line.slice(0, 40))}…`, () => {
      const { events } = parseText(` iteration   115311/  115311 | lm loss: 1.9E+00 |\n${line}\n`);
      expect(events[1]).toMatchObject({ type: 'exit', reason, iteration, line: 2 });
    });
  }

  it('keeps ordinary milestones as datetime events, with fractional seconds', () => {
    const { events } = parseText('[default0]:[after dataloaders are built] datetime: 2022-05-05 00:52:03.250000 \n');
    expect(events).toEqual([
      {
        type: 'datetime',
        offset: 0,
        line: 1,
        rank: 0,
        message: 'after dataloaders are built',
        timestamp: Date.parse('2022-05-05T00:52:03.250Z'),
      },
    ]);
  });
});
