// For stack-level tests of what follows a log (incidents, alerts, public snapshots): a whole server on an in-memory
// database that follows local files fast, and the log text they append.
import { pino } from 'pino';
import { localFiles } from '../follow/localFiles.js';
import { startServerStack, type ServerStack, type ServerStackOptions } from '../stack.js';

/** One Megatron iteration line of a 100-iteration run (1 s per iteration, loss 4.5). */
export const iterationLine = (n: number): string =>
  ` iteration ${String(n).padStart(8)}/     100 | consumed samples: ${String(n * 16).padStart(12)} | ` +
  'elapsed time per iteration (ms): 1000.0 | learning rate: 6.000E-05 | global batch size:    16 | ' +
  'lm loss: 4.500000E+00 | grad norm: 1.500 |\n';

/** Rank 3's CUDA crash, as a GPU that died prints it. */
export const CUDA_CRASH =
  "[default3]:terminate called after throwing an instance of 'c10::CUDAError'\n" +
  '[default3]:  what():  CUDA error: unknown error\n';

/** The stack without run control, scanning and polling local files every 50/20 ms. */
export function startFollowingStack(options: Partial<ServerStackOptions> = {}): Promise<ServerStack> {
  return startServerStack({
    dbPath: ':memory:',
    logger: pino({ level: 'silent' }),
    files: localFiles(),
    scanMs: 50,
    pollMs: 20,
    control: false,
    ...options,
  });
}
