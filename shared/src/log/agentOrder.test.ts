// A rank's crash traceback and the torchelastic agent's report of it: the agent speaks only once the worker is gone,
// so the rank's failure (the specific one: a CUDA error) is emitted before the agent's generic summary, even when
// that rank never writes again (it died). Without this, the first failure a live page saw was "a task exited".
import { describe, expect, it } from 'vitest';
import type { FailureEvent } from './events.js';
import { createLogParser } from './parser.js';

const RANK_CRASH = [
  "[default3]:terminate called after throwing an instance of 'c10::CUDAError'",
  '[default3]:  what():  CUDA error: unknown error',
  '[default3]:Exception raised from query at ../aten/src/ATen/cuda/CUDAEvent.h:95 (most recent call first):',
  '[default3]:frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x42 (0x1518a06137d2 in libc10.so)',
];
const AGENT = [
  'WARNING:torch.distributed.elastic.multiprocessing.api:Sending process 101 closing signal SIGTERM',
  'WARNING:torch.distributed.elastic.multiprocessing.api:Sending process 102 closing signal SIGTERM',
  'ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: -6) local_rank: 3 (pid: 103) of binary: /usr/bin/python3',
  'Traceback (most recent call last):',
  '  File "/usr/lib/python3.8/runpy.py", line 194, in _run_module_as_main',
  'torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ',
  '============================================================',
  'pretrain_gpt.py FAILED',
  '------------------------------------------------------------',
  'Root Cause (first observed failure):',
  '[0]:',
  '  host      : c3',
  '  rank      : 3 (local_rank: 3)',
  '  exitcode  : -6 (pid: 103)',
  '  traceback : Signal 6 (SIGABRT) received by PID 103',
  '============================================================',
];

describe("the agent's report of a dead rank", () => {
  it("comes after the rank's own failure, which is emitted without waiting for the rank to write again", () => {
    const parser = createLogParser();
    const events = parser.push(
      new TextEncoder().encode(
        [...RANK_CRASH, ...AGENT, 'srun: error: c3: task 0: Exited with exit code 1', ''].join('\n'),
      ),
    );
    const kinds = events.filter((e): e is FailureEvent => e.type === 'failure').map((e) => e.kind);
    expect(kinds[0]).toBe('cuda_error');
  });
});
