#!/usr/bin/env python3
"""A fake Megatron-DeepSpeed trainer (bigscience fork, tr11 2022 output format) for tests and the demo.

It trains nothing. It prints what `pretrain_gpt.py` under `torchrun --tee 3` prints, byte for byte in format,
for a run configured with Megatron's own flags, paced by --seconds-per-iteration, and it can fail on demand the
ways real runs failed. Every printed value is deterministic for a given configuration and seed, so several srun
tasks agree, and --ground-truth writes the printed values as JSON lines for tests. See README.md beside it.
Standard library only: a compute node has python3 and nothing else is assumed.
"""
import argparse
import faulthandler
import json
import math
import os
import random
import signal
import sys
import time

FAULTS = ('crash', 'hang', 'hang-eval', 'nan', 'spike', 'slow', 'straggler', 'oom', 'ecc')
# Like NCCL's default collective timeout: a task waits this long for a hung peer at an iteration.
STEP_TIMEOUT_S = 1800.0
GPUS_PER_NODE_DEFAULT = 8


# ---------------------------------------------------------------- arguments

def parse_args(argv):
    p = argparse.ArgumentParser(prog='pretrain_gpt.py', allow_abbrev=False)
    a = p.add_argument
    # Megatron flags (names as in the bigscience fork).
    a('--num-layers', type=int, default=24)
    a('--hidden-size', type=int, default=2048)
    a('--num-attention-heads', type=int, default=16)
    a('--seq-length', type=int, default=2048)
    a('--max-position-embeddings', type=int, default=None)
    a('--pad-vocab-size-to', type=int, default=250880)
    a('--micro-batch-size', type=int, default=1)
    a('--global-batch-size', type=int, default=16)
    a('--rampup-batch-size', nargs=3, default=None, metavar=('START', 'INCREMENT', 'SAMPLES'))
    a('--train-samples', type=int, default=None)
    a('--train-iters', type=int, default=None)
    a('--lr', type=float, default=6e-5)
    a('--min-lr', type=float, default=6e-6)
    a('--lr-decay-style', default='cosine', choices=('cosine', 'linear', 'constant'))
    a('--lr-warmup-samples', type=int, default=0)
    a('--lr-decay-samples', type=int, default=None)
    a('--tensor-model-parallel-size', type=int, default=1)
    a('--pipeline-model-parallel-size', type=int, default=1)
    a('--save', default=None)
    a('--load', default=None)
    a('--save-interval', type=int, default=None)
    a('--eval-interval', type=int, default=1000)
    a('--eval-iters', type=int, default=1)
    a('--log-interval', type=int, default=1)
    a('--kill-switch-path', default=None)
    a('--exit-duration-in-mins', type=int, default=None)
    a('--exit-interval', type=int, default=None)
    a('--seed', type=int, default=42)
    a('--bf16', action='store_true')
    a('--fp16', action='store_true')
    a('--checkpoint-activations', action='store_true')
    # Fake-only flags.
    a('--seconds-per-iteration', type=float, default=0.2, help='wall time to sleep per iteration')
    a('--reported-seconds-per-iteration', type=float, default=None,
      help='base value printed as elapsed time per iteration (default: --seconds-per-iteration)')
    a('--gpus-per-node', type=int, default=GPUS_PER_NODE_DEFAULT)
    a('--nnodes', type=int, default=None, help='default: $SLURM_NNODES or 1')
    a('--valid-groups', default='valid,valid_en,valid_fr', help='comma-separated validation group names')
    a('--fault', choices=FAULTS, default=None)
    a('--fault-at-iteration', type=int, default=None, help='iteration at which --fault strikes (default: the first)')
    a('--slow-factor', type=float, default=2.0)
    a('--control-file', default=None,
      help='polled before each iteration: a fault name, "slow <factor>", "straggler <factor>" or "bad-node <name>"')
    a('--bad-node', default=os.environ.get('TRAINBOARD_FAKE_BAD_NODE') or None,
      help='a task on this node ($SLURMD_NODENAME) fails at start-up with the ECC text (default: $TRAINBOARD_FAKE_BAD_NODE)')
    a('--ground-truth', default=None, help='write the printed values here as JSON lines')
    a('--no-rank-prefix', action='store_true', help='print without [defaultN]: prefixes (no --tee)')
    a('--sync-dir', default=None, help='folder the srun tasks share to stay in step (default: <save>/.fake-trainer-sync)')
    a('--wall-clock-start', type=float, default=None, help=argparse.SUPPRESS)
    args, extra = p.parse_known_args(argv)
    # Megatron flags we don't model (tokenizer, data paths, DeepSpeed...) are accepted and shown in the dump.
    args.extra = parse_extra(extra)
    if args.train_samples is None and args.train_iters is None:
        p.error('one of --train-samples or --train-iters is required')
    if args.max_position_embeddings is None:
        args.max_position_embeddings = args.seq_length
    return args


def parse_extra(tokens):
    out, i = {}, 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok.startswith('--'):
            i += 1
            continue
        key = tok[2:].replace('-', '_')
        if '=' in key:
            key, val = key.split('=', 1)
            out[key] = val
            i += 1
        elif i + 1 < len(tokens) and not tokens[i + 1].startswith('--'):
            out[key] = tokens[i + 1]
            i += 2
        else:
            out[key] = 'True'
            i += 1
    return out


# ---------------------------------------------------------------- the schedule (pure)

class Rampup:
    """Megatron's RampupBatchsizeNumMicroBatches: the batch depends only on samples consumed before it."""

    def __init__(self, start, inc, samples, gbs):
        self.start, self.inc, self.samples, self.gbs = start, inc, samples, gbs
        steps = (gbs - start) // inc
        self.per_increment = samples / steps

    def batch(self, consumed):
        if consumed > self.samples:
            return self.gbs
        return min(self.gbs, self.start + self.inc * int(consumed / self.per_increment))


def batch_size_at(args, rampup, consumed):
    return rampup.batch(consumed) if rampup else args.global_batch_size


def derive_train_iters(args, rampup):
    if args.train_iters is not None:
        return args.train_iters
    if rampup is None:
        return args.train_samples // args.global_batch_size
    consumed, iters = 0, 0
    while consumed <= rampup.samples:
        consumed += rampup.batch(consumed)
        iters += 1
    return iters + (args.train_samples - consumed) // args.global_batch_size


def learning_rate(args, consumed):
    """Megatron's AnnealingLR in samples: linear warmup, then cosine (or linear) decay to min_lr."""
    warm = args.lr_warmup_samples
    decay = args.lr_decay_samples or args.train_samples or 1
    if warm > 0 and consumed <= warm:
        return args.lr * consumed / warm
    if args.lr_decay_style == 'constant':
        return args.lr
    if consumed > decay:
        return args.min_lr
    ratio = (consumed - warm) / max(1, decay - warm)
    if args.lr_decay_style == 'linear':
        coeff = 1.0 - ratio
    else:
        coeff = 0.5 * (math.cos(math.pi * ratio) + 1.0)
    return args.min_lr + coeff * (args.lr - args.min_lr)


def loss_at(progress, rng):
    """BLOOM-shaped: from ~ln(vocab) a steep fall in the first percent, then a slow power-law tail."""
    base = 2.0 + 10.4 * (1.0 + 40.0 * progress) ** -0.7
    return base * (1.0 + rng.gauss(0.0, 0.006))


def tflops(args, gbs, seconds, world):
    """Per-GPU hardware TFLOPs as the bigscience fork prints it (megatron-log-format.md §2.6)."""
    f = 4 if args.checkpoint_activations else 3
    s, l, h, v = args.seq_length, args.num_layers, args.hidden_size, args.pad_vocab_size_to
    flops = 24 * f * gbs * s * l * h * h * (1.0 + s / (6.0 * h) + v / (16.0 * l * h))
    return flops / (seconds * world * 1e12)


# ---------------------------------------------------------------- output

class Out:
    """Prints as the torchrun agent of this node would under --tee 3, and records what was printed."""

    def __init__(self, args, node_rank, nnodes):
        self.prefix = not args.no_rank_prefix
        self.node_rank, self.nnodes = node_rank, nnodes
        self.gpn = args.gpus_per_node
        self.truth = None
        if args.ground_truth:
            path = args.ground_truth if nnodes == 1 else '%s.task%d' % (args.ground_truth, node_rank)
            self.truth = open(path, 'a', encoding='utf-8')

    # rank 0 is local rank 0 of the first node; the last rank is local rank gpn-1 of the last node.
    def is_first(self):
        return self.node_rank == 0

    def is_last(self):
        return self.node_rank == self.nnodes - 1

    def _emit(self, local_rank, text):
        p = '[default%d]:' % local_rank if self.prefix else ''
        sys.stdout.write(''.join(p + line + '\n' for line in text.split('\n')))
        sys.stdout.flush()
        return local_rank if self.prefix else None

    def first(self, text, event=None):
        if self.is_first():
            rank = self._emit(0, text)
            self.record(event, rank)

    def last(self, text, event=None):
        if self.is_last():
            rank = self._emit(self.gpn - 1, text)
            self.record(event, rank)

    def local(self, local_rank, text, event=None):
        rank = self._emit(local_rank, text)
        self.record(event, rank)

    def record(self, event, rank):
        if event is not None and self.truth is not None:
            event = dict(event, rank=rank)
            self.truth.write(json.dumps(event, allow_nan=False, default=str) + '\n')
            self.truth.flush()


def without_none(d):
    return {k: v for k, v in d.items() if v is not None}


def printed(fmt, value):
    """The value a parser reads back from what was printed (None for non-finite)."""
    text = fmt % value
    v = float(text)
    if math.isnan(v):
        return 'NaN'  # JSON has no NaN: the event contract writes non-finite numbers as strings
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return v


def now_text():
    return time.strftime('%Y-%m-%d %H:%M:%S')


class PeerFailed(Exception):
    """Another task of the step failed: a real rank would see its collective fail (torchrun tears the node down)."""


class Sync:
    """Stands in for the collectives that keep real ranks in lockstep. The srun tasks of one step meet through files
    in a folder they share (the dev cluster is one host; a real cluster has a shared filesystem). Files older than
    this process (left by an earlier job with the same id) are ignored. Every iteration is a barrier, as an
    all-reduce is: a hung or slow task holds the others back, and a task that failed releases them with PeerFailed."""

    def __init__(self, args, node_rank, nnodes):
        self.n, self.rank = nnodes, node_rank
        self.born = time.time() - 5.0
        self.dir = None
        tasks = int(os.environ.get('SLURM_STEP_NUM_TASKS', os.environ.get('SLURM_NTASKS', '1')))
        if nnodes > 1 and tasks > 1:  # only real srun steps have peers to wait for
            base = args.sync_dir or os.path.join(args.save or '/tmp', '.fake-trainer-sync')
            step = '%s.%s' % (os.environ.get('SLURM_JOB_ID', 'nojob'), os.environ.get('SLURM_STEP_ID', '0'))
            self.dir = os.path.join(base, step)
            os.makedirs(self.dir, exist_ok=True)

    def _fresh(self, path):
        try:
            return os.stat(path).st_mtime >= self.born
        except OSError:
            return False

    def fail(self):
        """Tells the other tasks that this one is gone (they stop waiting for it)."""
        if self.dir:
            open(os.path.join(self.dir, 'failed'), 'w').close()

    def _peer_failed(self):
        return self._fresh(os.path.join(self.dir, 'failed'))

    def barrier(self, name, timeout=120.0):
        """Returns when every task got here (or after `timeout`: a dead peer must not hang the rest)."""
        if not self.dir:
            return
        d = os.path.join(self.dir, name.replace('/', '_')[:100])
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, str(self.rank)), 'w').close()
        end = time.time() + timeout
        while time.time() < end:
            if sum(1 for f in os.listdir(d) if self._fresh(os.path.join(d, f))) >= self.n:
                return
            if self._peer_failed():
                raise PeerFailed()
            time.sleep(0.005)

    def step(self, iteration):
        """The per-iteration barrier: one file per task and iteration in one folder, each task removing its own file
        of two iterations back (every peer has passed that barrier once this task reached this one). Returns False
        when a peer decided to stop at an iteration this task has done (it will not come): the caller stops too."""
        if not self.dir:
            return True
        d = os.path.join(self.dir, 'steps')
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, '%d.%d' % (iteration, self.rank)), 'w').close()
        try:
            os.remove(os.path.join(d, '%d.%d' % (iteration - 2, self.rank)))
        except OSError:
            pass
        paths = [os.path.join(d, '%d.%d' % (iteration, r)) for r in range(self.n)]
        end = time.time() + STEP_TIMEOUT_S
        while time.time() < end:
            if all(self._fresh(p) for p in paths):
                return True
            if self._peer_failed():
                raise PeerFailed()
            stops = [self.stop_at(reason, iteration, False) for reason in ('kill-switch', 'duration')]
            if any(stop is not None and stop < iteration for stop in stops):
                return False
            time.sleep(0.005)
        return True

    def stop_at(self, reason, iteration, want):
        """The iteration at which all tasks stop for `reason`, or None: the first task that wants to stop decides."""
        if not self.dir:
            return iteration if want else None
        path = os.path.join(self.dir, 'stop-' + reason)
        if want and not self._fresh(path):
            tmp = '%s.%d' % (path, self.rank)
            with open(tmp, 'w') as f:
                f.write(str(iteration))
            try:
                os.replace(tmp, path) if not os.path.exists(path) else os.remove(tmp)
            except OSError:
                pass
        if not self._fresh(path):
            return None
        try:
            with open(path) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None


def print_datetime(out, sync, message, event=None, barrier=None):
    """Megatron's print_datetime: a barrier, then rank 0 prints. Returns the time the barrier let everyone go.
    `barrier` names it when the message differs between tasks (a time in it)."""
    sync.barrier(barrier or 'datetime-' + message)
    released = time.time()
    if out.nnodes > 1 and out.is_first() and not out.is_last():
        time.sleep(0.2)  # the last rank's lines from before the barrier reach the log first, as through srun
    out.first('[%s] datetime: %s ' % (message, now_text()), event)
    return released


def arguments_dump(args, world, dp, train_iters_arg):
    values = {
        'bf16': args.bf16, 'checkpoint_activations': args.checkpoint_activations,
        'data_parallel_size': dp, 'eval_interval': args.eval_interval, 'eval_iters': args.eval_iters,
        'exit_duration_in_mins': args.exit_duration_in_mins, 'exit_interval': args.exit_interval,
        'fp16': args.fp16, 'global_batch_size': args.global_batch_size, 'hidden_size': args.hidden_size,
        'kill_switch_path': args.kill_switch_path, 'load': args.load, 'log_interval': args.log_interval,
        'lr': args.lr, 'lr_decay_samples': args.lr_decay_samples, 'lr_decay_style': args.lr_decay_style,
        'lr_warmup_samples': args.lr_warmup_samples, 'max_position_embeddings': args.max_position_embeddings,
        'micro_batch_size': args.micro_batch_size, 'min_lr': args.min_lr, 'num_attention_heads': args.num_attention_heads,
        'num_layers': args.num_layers, 'pad_vocab_size_to': args.pad_vocab_size_to,
        'pipeline_model_parallel_size': args.pipeline_model_parallel_size,
        'rampup_batch_size': list(args.rampup_batch_size) if args.rampup_batch_size else None,
        'save': args.save, 'save_interval': args.save_interval, 'seed': args.seed, 'seq_length': args.seq_length,
        'tensor_model_parallel_size': args.tensor_model_parallel_size, 'train_iters': train_iters_arg,
        'train_samples': args.train_samples, 'world_size': world,
    }
    for k, v in args.extra.items():
        values.setdefault(k, v)
    lines = ['------------------------ arguments ------------------------']
    for k in sorted(values, key=str.lower):
        lines.append('  %s %s %s' % (k, '.' * (48 - len(k)), values[k]))
    lines.append('-------------------- end of arguments ---------------------')
    return '\n'.join(lines), {k: str(v) for k, v in values.items()}


# ---------------------------------------------------------------- checkpoints

def read_latest(load_dir):
    try:
        with open(os.path.join(load_dir, 'latest'), encoding='utf-8') as f:
            tag = f.read().strip()
        with open(os.path.join(load_dir, tag, 'mp_rank_00_model_states.pt'), encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def save_checkpoint(out, args, iteration, consumed, simulated_ms, write_files):
    out.first('saving checkpoint at iteration %7d to %s' % (iteration, args.save))
    tag = 'global_step%d' % iteration
    path = os.path.join(args.save, tag, 'mp_rank_00_model_states.pt')
    ts = time.strftime('%Y-%m-%d %H:%M:%S') + ',%03d' % (int(time.time() * 1000) % 1000)
    out.first('[%s] [INFO] [logging.py:68:log_dist] [Rank 0] Saving model checkpoint: %s' % (ts, path))
    if write_files:  # only rank 0 writes, as DeepSpeed's rank 0 writes the tag
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            json.dump({'iteration': iteration, 'consumed_samples': consumed, 'fake': True}, f)
        with open(os.path.join(args.save, 'latest'), 'w', encoding='utf-8') as f:
            f.write(tag)
    out.first('  successfully saved checkpoint at iteration %7d to %s' % (iteration, args.save),
              {'type': 'checkpoint_saved', 'iteration': iteration, 'path': args.save})
    out.last('time (ms) | save-checkpoint: %.2f' % simulated_ms)


# ---------------------------------------------------------------- failures (real text, see megatron-log-format.md §10)

PY = '/usr/lib/python3/dist-packages'


def fail_cuda(out, node_rank, nnodes, pid, gpn):
    local = 3 % gpn
    out.local(local, '\n'.join([
        "terminate called after throwing an instance of 'c10::CUDAError'",
        "  what():  CUDA error: unknown error",
        "Exception raised from query at ../aten/src/ATen/cuda/CUDAEvent.h:95 (most recent call first):",
        "frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x42 (0x1518a06137d2 in %s/torch/lib/libc10.so)" % PY,
        "frame #1: c10d::ProcessGroupNCCL::WorkNCCL::finishedGPUExecutionInternal() const + 0x11a (0x15190c6c29ea in %s/torch/lib/libtorch_cuda_cpp.so)" % PY,
    ]), {'type': 'failure', 'kind': 'cuda_error', 'message': 'CUDA error: unknown error'})
    agent_summary(node_rank, pid, local, gpn, -6, 'Signal 6 (SIGABRT) received by PID %d' % pid)
    # The agent's block is a second writer (no prefix); what it states as facts: host, global rank, exit code.
    out.record({'type': 'failure', 'nodes': [os.environ.get('SLURMD_NODENAME', 'localhost')],
                'globalRank': node_rank * gpn + local, 'exitCode': -6}, None)


def agent_summary(node_rank, pid, local, gpn, exitcode, traceback_text):
    host = os.environ.get('SLURMD_NODENAME', 'localhost')
    lines = ['WARNING:torch.distributed.elastic.multiprocessing.api:Sending process %d closing signal SIGTERM' % (pid + k)
             for k in range(gpn) if k != local]
    lines += [
        'ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: %d) local_rank: %d (pid: %d) of binary: %s'
        % (exitcode, local, pid, sys.executable),
        'Traceback (most recent call last):',
        '  File "/usr/lib/python3.8/runpy.py", line 194, in _run_module_as_main',
        '    return _run_code(code, main_globals, None,',
        '    raise ChildFailedError(',
        'torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ',
        '============================================================',
        '%s FAILED' % os.path.abspath(__file__),
        '------------------------------------------------------------',
        'Failures:',
        '  <NO_OTHER_FAILURES>',
        '------------------------------------------------------------',
        'Root Cause (first observed failure):',
        '[0]:',
        '  time      : %s' % time.strftime('%Y-%m-%d_%H:%M:%S'),
        '  host      : %s' % host,
        '  rank      : %d (local_rank: %d)' % (node_rank * gpn + local, local),
        '  exitcode  : %d (pid: %d)' % (exitcode, pid),
        '  error_file: <N/A>',
        '  traceback : %s' % traceback_text,
        '============================================================',
    ]
    sys.stdout.write('\n'.join(lines) + '\n')
    sys.stdout.flush()


def fail_ecc(out):
    out.local(0, '\n'.join([
        'Traceback (most recent call last):',
        '  File "%s", line 222, in <module>' % os.path.abspath(__file__),
        '    pretrain(train_valid_test_datasets_provider, model_provider, forward_step,',
        '  File "/megatron/training.py", line 150, in pretrain',
        '    iteration = train(forward_step_func,',
        'RuntimeError: transform: failed to synchronize: cudaErrorECCUncorrectable: uncorrectable ECC error encountered',
        "terminate called after throwing an instance of 'c10::Error'",
        '  what():  CUDA error: uncorrectable ECC error encountered',
    ]), {'type': 'failure', 'kind': 'ecc_error'})


def fail_oom(out):
    out.local(0, '\n'.join([
        'Traceback (most recent call last):',
        '  File "%s", line 222, in <module>' % os.path.abspath(__file__),
        '    pretrain(train_valid_test_datasets_provider, model_provider, forward_step,',
        '  File "/megatron/initialize.py", line 240, in _compile_dependencies',
        '    torch.distributed.barrier()',
        '  File "/torch/distributed/distributed_c10d.py", line 2709, in barrier',
        '    work = default_pg.barrier(opts=opts)',
        'RuntimeError: CUDA error: out of memory',
    ]), {'type': 'failure', 'kind': 'out_of_memory', 'message': 'RuntimeError: CUDA error: out of memory'})


# ---------------------------------------------------------------- the run

def this_node():
    return os.environ.get('SLURMD_NODENAME') or 'localhost'


def control_words(args):
    if not args.control_file:
        return []
    try:
        with open(args.control_file, encoding='utf-8') as f:
            return f.read().split()
    except OSError:
        return []


def on_bad_node(args):
    """F2: this task runs on the bad node (--bad-node, $TRAINBOARD_FAKE_BAD_NODE, or "bad-node NAME" in the control
    file), so it fails at every start."""
    words = control_words(args)
    named = [args.bad_node] + ([words[1]] if len(words) > 1 and words[0] == 'bad-node' else [])
    return this_node() in named


class Faults:
    """Faults from the command line (at an iteration) and from the control file (whenever it appears)."""

    def __init__(self, args):
        self.args = args
        self.active = set()
        self.slow_factor = 1.0
        self.spike_left = 0
        self.control_mtime = None

    def poll(self, iteration, first_iteration):
        a = self.args
        if a.fault and iteration == (a.fault_at_iteration or first_iteration):
            self.trigger(a.fault, a.slow_factor)
        if a.control_file:
            try:
                st = os.stat(a.control_file)
            except OSError:
                return
            if st.st_mtime_ns != self.control_mtime:
                self.control_mtime = st.st_mtime_ns
                words = control_words(a)
                if words and words[0] in FAULTS:
                    slowing = len(words) > 1 and words[0] in ('slow', 'straggler')
                    self.trigger(words[0], float(words[1]) if slowing else a.slow_factor)
                elif len(words) > 1 and words[0] == 'bad-node' and words[1] == this_node():
                    self.active.add('bad-node')  # the bad node's GPU fails now, on this task only

    def trigger(self, name, factor):
        if name in ('slow', 'straggler'):  # a straggler is a slow run whose fake nvidia-smi names the node
            self.slow_factor = factor
        elif name == 'spike':
            self.spike_left = 6
        else:
            self.active.add(name)


def main(argv):
    # A stack dump on demand (Trainboard's stackDump: scancel --signal=USR1), into stderr, i.e. the job's log.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    args = parse_args(argv)
    try:
        return train(args)
    except PeerFailed:
        # A peer's failure broke the collectives; its own task printed why. Real peers notice later (a NCCL or
        # rendezvous error), so this task ends after the failed one, whose text reaches the log first.
        time.sleep(1.0)
        return 1


def train(args):
    import_time = args.wall_clock_start or time.time()
    nnodes = args.nnodes or int(os.environ.get('SLURM_NNODES', '1'))
    node_rank = int(os.environ.get('SLURM_PROCID', os.environ.get('SLURM_NODEID', '0')))
    world = nnodes * args.gpus_per_node
    tp, pp = args.tensor_model_parallel_size, args.pipeline_model_parallel_size
    if world % (tp * pp):
        sys.stderr.write('world size %d is not divisible by TP*PP %d\n' % (world, tp * pp))
        return 2
    dp = world // (tp * pp)
    out = Out(args, node_rank, nnodes)
    sync = Sync(args, node_rank, nnodes)
    rng_seed = args.seed
    rampup = None
    if args.rampup_batch_size:
        start, inc, samples = (int(x.replace('_', '')) for x in args.rampup_batch_size)
        rampup = Rampup(start, inc, samples, args.global_batch_size)
    train_iters = derive_train_iters(args, rampup)
    spi = args.seconds_per_iteration
    # What the log claims an iteration took; never 0 (samples/s and TFLOPs divide by it).
    reported = args.reported_seconds_per_iteration or (spi if spi > 0 else 1.0)

    # --- banner
    out.first('using world size: %d, data-parallel-size: %d, tensor-model-parallel size: %d, pipeline-model-parallel size: %d '
              % (world, dp, tp, pp))
    dump, dumped = arguments_dump(args, world, dp, args.train_iters)
    out.first(dump, without_none({'type': 'run_start', 'worldSize': world, 'dataParallel': dp, 'tensorParallel': tp,
                     'pipelineParallel': pp, 'globalBatchSize': args.global_batch_size,
                     'microBatchSize': args.micro_batch_size, 'seqLength': args.seq_length,
                     'numLayers': args.num_layers, 'hiddenSize': args.hidden_size,
                     'numAttentionHeads': args.num_attention_heads, 'trainSamples': args.train_samples,
                     'args': dumped}))
    if rampup:
        out.first('will use batch size rampup starting from global batch size %d to global batch size %d with batch size '
                  'increments %d over %d samples.' % (rampup.start, args.global_batch_size, rampup.inc, rampup.samples))
    else:
        out.first('setting number of micro-batches to constant %d'
                  % (args.global_batch_size // (args.micro_batch_size * dp) or 1))
    out.first(' > padded vocab (size: %d) with %d dummy tokens (new size: %d)'
              % (args.pad_vocab_size_to - 200, 200, args.pad_vocab_size_to))
    out.first('> initializing torch distributed ...')
    out.first('> setting random seeds to %d ...' % args.seed)
    out.first('> compiling and loading fused kernels ...')
    if on_bad_node(args):
        fail_ecc(out)
        return failed(sync)
    if args.fault == 'oom':
        if out.is_first():
            fail_oom(out)
        return failed(sync)
    out.first('>>> done with compiling and loading fused kernels. Compilation time: 1.234 seconds')
    out.first('time to initialize megatron (seconds): 12.345')
    print_datetime(out, sync, 'after megatron is initialized', {'type': 'datetime', 'message': 'after megatron is initialized'})
    if args.kill_switch_path and os.path.exists(args.kill_switch_path):
        msg = 'Detected kill switch at %s. Exiting' % args.kill_switch_path
        print_datetime(out, sync, msg, {'type': 'exit', 'reason': 'kill_switch', 'iteration': None})
        return 0
    out.first('setting training iterations to %d' % train_iters)

    # --- resume
    iteration, consumed = 0, 0
    if args.load:
        state = read_latest(args.load)
        if state:
            iteration, consumed = int(state['iteration']), int(state['consumed_samples'])
            out.first('  successfully loaded checkpoint from %s at iteration %d' % (args.load, iteration),
                      {'type': 'checkpoint_loaded', 'iteration': iteration, 'path': args.load})
            out.last('time (ms) | load-checkpoint: %.2f' % (1000 * reported * 0.5))
        else:
            out.first('WARNING: could not find the metadata file %s ' % args.load)
            out.first('    will not load any checkpoints and will start from random')
    params = 12 * args.num_layers * args.hidden_size ** 2 / 1e9
    embed = args.pad_vocab_size_to * args.hidden_size / 1e9
    out.first('estimated model parameters: %s' % (params + embed))
    out.first('estimated model parameters without embeddings: %s' % params)
    print_datetime(out, sync, 'after model, optimizer, and learning rate scheduler are built',
                   {'type': 'datetime', 'message': 'after model, optimizer, and learning rate scheduler are built'})
    print_datetime(out, sync, 'after dataloaders are built', {'type': 'datetime', 'message': 'after dataloaders are built'})
    out.first('done with setup ...')
    out.last('time (ms) | model-and-optimizer-setup: %.2f | train/valid/test-data-iterators-setup: %.2f'
             % (1000 * reported, 300 * reported))
    out.first('training ...')
    deadline = print_datetime(out, sync, 'before the start of training step',
                              {'type': 'datetime', 'message': 'before the start of training step'})

    # --- train
    groups = [g for g in args.valid_groups.split(',') if g]
    faults = Faults(args)
    first_iteration = iteration + 1
    overhead_s = 0.6 * reported  # the first iteration after a start is slower
    interval = []  # per-iteration losses of the current log interval
    nan_since = None
    saved_checkpoint = False
    def duration_exit():
        if not saved_checkpoint and args.save:
            save_checkpoint(out, args, iteration, consumed, 1000 * reported * 0.4, out.is_first())
        print_datetime(out, sync, 'exiting program after %s minutes' % ((time.time() - import_time) / 60.0),
                       {'type': 'exit', 'reason': 'duration_limit', 'iteration': iteration}, 'datetime-duration-exit')
        return 0

    while iteration < train_iters:
        seen = bool(args.kill_switch_path) and os.path.exists(args.kill_switch_path)
        stop = sync.stop_at('kill-switch', iteration, seen)
        if stop is not None and iteration >= stop:
            if not saved_checkpoint and args.save:
                save_checkpoint(out, args, iteration, consumed, 1000 * reported * 0.4, out.is_first())
            print_datetime(out, sync, 'Detected kill switch at %s. Exiting' % args.kill_switch_path,
                           {'type': 'exit', 'reason': 'kill_switch', 'iteration': iteration})
            return 0
        stop = sync.stop_at('duration', iteration, False) if args.exit_duration_in_mins else None
        if stop is not None and iteration >= stop:  # a peer's decision, seen at the barrier below
            return duration_exit()
        faults.poll(iteration + 1, first_iteration)
        if 'hang' in faults.active:
            hang_forever()
        if 'crash' in faults.active:
            if out.is_first():
                fail_cuda(out, node_rank, nnodes, os.getpid(), args.gpus_per_node)
            return failed(sync)
        if 'ecc' in faults.active or 'bad-node' in faults.active:
            if out.is_first() or 'bad-node' in faults.active:
                fail_ecc(out)
            return failed(sync)
        if not sync.step(iteration + 1):  # the iteration's all-reduce: everyone waits for the slowest task
            continue  # a peer stopped at this iteration: the checks above stop this task there too
        gbs = batch_size_at(args, rampup, consumed)
        rng = random.Random('%d-%d' % (rng_seed, iteration + 1))  # the same value on every task and on a rerun
        # Paced against one shared schedule, so tasks stay in step however long their printing takes.
        deadline += spi * faults.slow_factor
        time.sleep(max(0.0, deadline - time.time()))
        iteration += 1
        consumed += gbs
        saved_checkpoint = False
        loss = loss_at(iteration / max(1, train_iters), rng)
        grad = 0.12 + 0.6 * (1.0 + 50.0 * iteration / max(1, train_iters)) ** -1.0 * (1.0 + rng.gauss(0.0, 0.05))
        if faults.spike_left > 0:
            loss *= 1.0 + 0.4 * faults.spike_left
            grad *= 30.0 * faults.spike_left
            faults.spike_left -= 1
        if 'nan' in faults.active:
            nan_since = nan_since or iteration
            loss, grad = float('nan'), float('nan')
        interval.append(loss)
        if iteration % args.log_interval == 0:
            mean = sum(interval) / len(interval)
            interval = []
            seconds = (reported * faults.slow_factor * (1.0 + rng.gauss(0.0, 0.004)) + overhead_s / args.log_interval)
            overhead = overhead_s > 0
            overhead_s = 0.0
            log_iteration(out, args, iteration, train_iters, consumed, seconds, gbs, mean, grad, world, overhead)
        at_eval = bool(args.eval_interval) and iteration % args.eval_interval == 0
        # hang-eval: the next validation round (or one right away, without evals) stops after its first group.
        hang_eval = 'hang-eval' in faults.active and (at_eval or not args.eval_interval)
        if (at_eval and groups) or hang_eval:
            evaluate(out, args, 'iteration %d' % iteration, iteration, groups or ['valid'], loss, nan_since is not None,
                     hang_eval)
            overhead_s += 0.2 * reported * len(groups) * args.eval_iters
        if args.save and args.save_interval and iteration % args.save_interval == 0:
            save_checkpoint(out, args, iteration, consumed, 1000 * reported * 0.4, out.is_first())
            saved_checkpoint = True
            overhead_s += 0.4 * reported
        if args.exit_duration_in_mins:
            train_time = (time.time() - import_time) / 60.0
            stop = sync.stop_at('duration', iteration, train_time > args.exit_duration_in_mins)
            if stop is not None and iteration >= stop:
                return duration_exit()
        if args.exit_interval and iteration % args.exit_interval == 0:
            if not saved_checkpoint and args.save:
                save_checkpoint(out, args, iteration, consumed, 1000 * reported * 0.4, out.is_first())
            print_datetime(out, sync, 'exiting program at iteration %d' % iteration,
                           {'type': 'exit', 'reason': 'exit_interval', 'iteration': iteration})
            return 0

    print_datetime(out, sync, 'after training is done', {'type': 'exit', 'reason': 'train_done', 'iteration': iteration})
    if groups:
        rng = random.Random('%d-end' % rng_seed)
        evaluate(out, args, 'the end of training for val data', None, groups,
                 loss_at(1.0, rng), nan_since is not None)
    if args.save and iteration != 0:
        save_checkpoint(out, args, iteration, consumed, 1000 * reported * 0.4, out.is_first())
    return 0


def failed(sync):
    """A task's failure: its peers stop waiting for it; it exits 1 after a moment, as torchrun's agent takes one to
    tear its workers down (so the failure text reaches the log before srun's "task N: Exited" line)."""
    sync.fail()
    time.sleep(0.5)
    return 1


def hang_forever():
    while True:  # alive and silent; SIGUSR1 still dumps the stacks (faulthandler)
        time.sleep(3600)


def log_iteration(out, args, iteration, train_iters, consumed, seconds, gbs, mean_loss, grad, world, overhead):
    lr = learning_rate(args, consumed)
    sps = gbs / seconds
    tf = tflops(args, gbs, seconds, world)
    s = ' iteration %8d/%8d |' % (iteration, train_iters)
    s += ' consumed samples: %12d |' % consumed
    s += ' consumed tokens: %12d |' % (consumed * args.seq_length)
    s += ' elapsed time per iteration (s): %.2f |' % seconds
    s += ' learning rate: %.3E |' % lr
    s += ' global batch size: %5d |' % gbs
    if mean_loss > 0.0:  # NaN > 0 is False: the field disappears, as in Megatron
        s += ' lm loss: %.6E |' % mean_loss
    if args.fp16:
        s += ' loss scale: %.1f |' % 4096.0
    s += ' grad norm: %.3f |' % grad
    s += ' num zeros: %.1f |' % 0.0
    s += ' number of skipped iterations: %3d |' % 0
    s += ' number of nan iterations: %3d |' % 0
    s += ' samples per second: %.3f |' % sps
    s += ' TFLOPs: %.2f |' % tf
    out.last(s, {
        'type': 'iteration', 'iteration': iteration, 'trainIters': train_iters, 'consumedSamples': consumed,
        'consumedTokens': consumed * args.seq_length, 'iterationTimeMs': round(float('%.2f' % seconds) * 1000, 6),
        'learningRate': printed('%.3E', lr), 'globalBatchSize': gbs,
        'lmLoss': printed('%.6E', mean_loss) if mean_loss > 0.0 else None,
        'lossScale': 4096.0 if args.fp16 else None, 'gradNorm': printed('%.3f', grad), 'numZeros': 0.0,
        'skippedIterations': 0, 'nanIterations': 0, 'samplesPerSecond': printed('%.3f', sps),
        'tflops': printed('%.2f', tf), 'overhead': overhead,
    })


def evaluate(out, args, where, iteration, groups, train_loss, is_nan, hang=False):
    for k, group in enumerate(groups):
        if hang and k == 1:
            hang_forever()  # the tr11 eval hang: one group printed, then silence with the process alive
        rng = random.Random('%d-%s-%s' % (args.seed, where, group))
        value = float('nan') if is_nan else train_loss * (0.85 + 0.3 * rng.random()) + 0.02 * k
        ppl = math.exp(min(20.0, value)) if not math.isnan(value) else math.exp(20.0)
        string = '%s loss at %s | ' % (group, where)
        string += 'lm loss value: %.6E | ' % value
        string += 'lm loss PPL: %.6E | ' % ppl
        dashes = '-' * (len(string) + 1)
        out.last(dashes)
        out.last(string, {'type': 'validation', 'iteration': iteration, 'group': group,
                          'split': 'val data' if iteration is None else None,
                          'lmLoss': printed('%.6E', value), 'ppl': printed('%.6E', ppl)})
        out.last(dashes)


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
