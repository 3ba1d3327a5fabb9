// Test text (pure; imported by tests only): what Python's faulthandler writes on SIGUSR1 (Trainboard's stack dump of a
// hung job), as the fake trainer and a real Megatron job under the template's sitecustomize print it.

/** A faulthandler dump of a process hung in an NCCL barrier, with a second thread; `prefix` as torchrun --tee adds. */
export function faulthandlerDump(prefix = ''): string {
  return [
    'Thread 0x00007f3b2a7fc700 (most recent call first):',
    '  File "/usr/lib/python3.8/threading.py", line 306 in wait',
    '  File "/megatron/data/data_samplers.py", line 90 in _worker',
    '  File "/usr/lib/python3.8/threading.py", line 932 in _bootstrap_inner',
    '',
    'Current thread 0x00007f3b3c0f6740 (most recent call first):',
    '  File "/torch/distributed/distributed_c10d.py", line 2709 in barrier',
    '  File "/torch/cuda/__init__.py", line 493 in _check_nccl_error',
    '  File "/megatron/training.py", line 150 in pretrain',
    '  File "/megatron/pretrain_gpt.py", line 222 in <module>',
  ]
    .map((l) => prefix + l)
    .join('\n')
    .concat('\n');
}

/** The single-thread form (`all_threads=False`). */
export function faulthandlerStack(prefix = ''): string {
  return [
    'Stack (most recent call first):',
    '  File "/megatron/pretrain_gpt.py", line 688 in hang_forever',
    '  File "/megatron/pretrain_gpt.py", line 222 in <module>',
  ]
    .map((l) => prefix + l)
    .join('\n')
    .concat('\n');
}
