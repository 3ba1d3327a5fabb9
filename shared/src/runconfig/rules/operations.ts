// Rules about running for weeks on Slurm: graceful exits, checkpoints, eval cost, data loading and the job itself.
// Most come from tr11's incidents (bloom-training-setup.md §10–§14, incidents.md).
import { arrayShape, timeLimitSeconds } from '../patterns.js';
import { finding, hours, minutes, plannedRule, structuralRule, TIB } from './rule.js';
import type { Rule } from './rule.js';

export const operationsRules: Rule[] = [
  structuralRule('save-equals-load', 'checkpointing.load is the save directory, so a resubmitted job resumes', (c) => {
    const { dir, load } = c.checkpointing;
    if (load === undefined || load === dir) return [];
    return [
      finding(
        'save-equals-load',
        'warning',
        'checkpointing.load',
        load,
        `the job saves to ${dir} but loads from ${load}: the next array member restarts from the old checkpoint and redoes the work`,
        'remove checkpointing.load (it defaults to checkpointing.dir) unless this is a one-off fine-tune start',
      ),
    ];
  }),

  plannedRule(
    'exit-duration',
    'exit duration leaves time before the Slurm limit: error below one iteration + save, warning below iteration + eval + save + slack',
    (c, plan) => {
      const limit = plan.timeLimitSeconds;
      const suggested = Math.max(1, Math.floor((limit - plan.requiredExitMarginSeconds) / 60));
      if (c.exitDurationMins === undefined) {
        return [
          finding(
            'exit-duration',
            'warning',
            'exitDurationMins',
            undefined,
            `without --exit-duration-in-mins Slurm kills the job at ${c.cluster.timeLimit} and up to ${hours(plan.hoursBetweenSaves * 3600)} since the last save are lost`,
            `set exitDurationMins to ${suggested}`,
          ),
        ];
      }
      const margin = plan.exitMarginSeconds ?? 0;
      const hardMinimum = plan.iterationSeconds + plan.saveSeconds;
      if (margin < hardMinimum) {
        return [
          finding(
            'exit-duration',
            'error',
            'exitDurationMins',
            c.exitDurationMins,
            `the graceful exit at ${c.exitDurationMins} min leaves ${minutes(margin)} before the time limit ${c.cluster.timeLimit}, less than one iteration + save (${minutes(hardMinimum)}): Slurm kills the job before it saves (the small BLOOM scripts kept 5990 with a 20 h limit)`,
            `set exitDurationMins to ${suggested} (time limit − iteration − eval − save − ${c.planning.slackMinutes} min slack)`,
          ),
        ];
      }
      if (margin < plan.requiredExitMarginSeconds) {
        return [
          finding(
            'exit-duration',
            'warning',
            'exitDurationMins',
            c.exitDurationMins,
            `the margin before the time limit is ${minutes(margin)}; if the exit check lands just before an eval round the job needs ${minutes(plan.requiredExitMarginSeconds)} (iteration ${minutes(plan.iterationSeconds)} + eval ${minutes(plan.evalRoundSeconds)} + save ${minutes(plan.saveSeconds)} + slack ${c.planning.slackMinutes} min)`,
            `set exitDurationMins to ${suggested}`,
          ),
        ];
      }
      return [];
    },
  ),

  structuralRule(
    'time-limit-within-qos',
    'the time limit does not exceed what the partition/QoS allows (cluster.maxTimeLimit)',
    (c) => {
      const { maxTimeLimit, timeLimit } = c.cluster;
      if (maxTimeLimit === undefined) return [];
      if ((timeLimitSeconds(timeLimit) ?? 0) <= (timeLimitSeconds(maxTimeLimit) ?? Infinity)) return [];
      return [
        finding(
          'time-limit-within-qos',
          'error',
          'cluster.timeLimit',
          timeLimit,
          `${timeLimit} exceeds the ${maxTimeLimit} allowed by ${c.cluster.qos ?? c.cluster.partition}; sbatch rejects it or it pends forever`,
          `set cluster.timeLimit to ${maxTimeLimit} or less (and exitDurationMins accordingly)`,
        ),
      ];
    },
  ),

  plannedRule(
    'save-interval',
    'the save interval bounds the work lost per crash (≤ planning.maxHoursBetweenSaves) and fits within a job',
    (c, plan) => {
      const usable = Math.min(plan.timeLimitSeconds, (c.exitDurationMins ?? Infinity) * 60);
      const between = plan.hoursBetweenSaves * 3600;
      const bestInterval = Math.max(1, Math.floor((c.planning.maxHoursBetweenSaves * 3600) / plan.iterationSeconds));
      if (between > usable) {
        return [
          finding(
            'save-interval',
            'warning',
            'checkpointing.saveInterval',
            c.checkpointing.saveInterval,
            `${c.checkpointing.saveInterval} iterations take ${hours(between)}, longer than one job (${hours(usable)}): only the exit save ever runs, and a crash loses the whole job`,
            `save every ≤ ${bestInterval} iterations`,
          ),
        ];
      }
      if (plan.hoursBetweenSaves > c.planning.maxHoursBetweenSaves) {
        return [
          finding(
            'save-interval',
            'warning',
            'checkpointing.saveInterval',
            c.checkpointing.saveInterval,
            `a crash loses up to ${hours(between)} of ${plan.worldSize} GPUs (tr11 moved from 250 to 100 iterations ≈ 3 h after losing 7.3 h)`,
            `save every ≤ ${bestInterval} iterations (each save costs ~${minutes(plan.saveSeconds)} and ${(plan.checkpointBytes / TIB).toFixed(2)} TiB)`,
          ),
        ];
      }
      return [];
    },
  ),

  plannedRule(
    'checkpoint-storage',
    'kept checkpoints fit the storage quota (error above it, warning above 75%)',
    (c, plan) => {
      const quota = c.cluster.storageQuotaTiB;
      if (quota === undefined) return [];
      const ratio = plan.checkpointStorageBytes / (quota * TIB);
      if (ratio <= 0.75) return [];
      const fits = Math.floor((quota * TIB * 0.75) / plan.checkpointBytes);
      return [
        finding(
          'checkpoint-storage',
          ratio > 1 ? 'error' : 'warning',
          'planning.checkpointsKept',
          c.planning.checkpointsKept,
          `${c.planning.checkpointsKept} checkpoints × ${(plan.checkpointBytes / TIB).toFixed(2)} TiB = ${(plan.checkpointStorageBytes / TIB).toFixed(1)} TiB, ${(ratio * 100).toFixed(0)}% of the ${quota} TiB quota`,
          `keep at most ${fits} checkpoints (tr11 kept every 1000th and the last 15–20) or move old ones to another store`,
        ),
      ];
    },
  ),

  plannedRule('eval-cost', 'eval rounds cost ≤ 5% of training time', (c, plan) => {
    const trainSecondsBetween = c.eval.interval * plan.iterationSeconds;
    const ratio = plan.evalRoundSeconds / trainSecondsBetween;
    if (ratio <= 0.05) return [];
    return [
      finding(
        'eval-cost',
        'warning',
        'eval.interval',
        c.eval.interval,
        `each eval round (${c.eval.groups} groups × ${c.eval.iters} iterations ≈ ${minutes(plan.evalRoundSeconds)}) costs ${(ratio * 100).toFixed(1)}% of the training between rounds (tr11 paid 0.7%)`,
        `raise eval.interval to ≥ ${Math.ceil(plan.evalRoundSeconds / (0.05 * plan.iterationSeconds))} or lower eval.iters`,
      ),
    ];
  }),

  plannedRule('eval-interval', 'the eval interval is shorter than training, so the run evaluates at all', (c, plan) => {
    if (c.eval.interval <= plan.trainIters) return [];
    return [
      finding(
        'eval-interval',
        'warning',
        'eval.interval',
        c.eval.interval,
        `training has ${plan.trainIters} iterations, so an interval of ${c.eval.interval} never evaluates`,
        `set eval.interval to at most ${plan.trainIters} (tr11: every 1000 of 115311)`,
      ),
    ];
  }),

  structuralRule(
    'valid-workers',
    "validation DataLoader workers are 0 (workers > 0 deadlocked tr11's eval, 2022-05-18)",
    (c) => {
      if (c.data.validNumWorkers === 0) return [];
      return [
        finding(
          'valid-workers',
          'warning',
          'data.validNumWorkers',
          c.data.validNumWorkers,
          'the eval hang "redux" of 2022-05-18 (~11 h lost) was a DataLoader deadlock in validation workers',
          'set data.validNumWorkers to 0 (--valid-num-workers 0, tr11\'s "eval hanging workaround")',
        ),
      ];
    },
  ),

  structuralRule(
    'data-source',
    'data comes from exactly one of data.blend or data.trainSplitsFile; split only with a blend',
    (c) => {
      const { blend, trainSplitsFile, validSplitsFile, split } = c.data;
      const hasBlend = blend !== undefined && blend.length > 0;
      if (hasBlend === (trainSplitsFile !== undefined)) {
        return [
          finding(
            'data-source',
            'error',
            'data',
            { blend: blend?.length ?? 0, trainSplitsFile },
            hasBlend
              ? 'both data.blend and data.trainSplitsFile are set'
              : 'no training data: neither data.blend nor data.trainSplitsFile',
            'set data.blend (--data-path weight path …) or data.trainSplitsFile (+ validSplitsFile), not both',
          ),
        ];
      }
      if (hasBlend && validSplitsFile !== undefined) {
        return [
          finding(
            'data-source',
            'error',
            'data.validSplitsFile',
            validSplitsFile,
            'validSplitsFile only works with trainSplitsFile',
            'remove it, or switch to trainSplitsFile',
          ),
        ];
      }
      if (!hasBlend && split !== undefined) {
        return [
          finding(
            'data-source',
            'error',
            'data.split',
            split,
            '--split applies to --data-path blends only',
            'remove data.split',
          ),
        ];
      }
      return [];
    },
  ),

  structuralRule('cpu-workers', 'CPUs per node cover one process plus its DataLoader workers per GPU', (c) => {
    const needed = c.cluster.gpusPerNode * (c.data.numWorkers + 1);
    if (needed <= c.cluster.cpusPerNode) return [];
    return [
      finding(
        'cpu-workers',
        'warning',
        'data.numWorkers',
        c.data.numWorkers,
        `${c.cluster.gpusPerNode} ranks × (1 + ${c.data.numWorkers} workers) = ${needed} processes share ${c.cluster.cpusPerNode} CPUs`,
        `use at most ${Math.max(0, Math.floor(c.cluster.cpusPerNode / c.cluster.gpusPerNode) - 1)} workers, or request all CPUs of the node`,
      ),
    ];
  }),

  structuralRule('array-throttle', 'a job array of training jobs runs one member at a time (%1)', (c) => {
    if (c.cluster.array === undefined) return [];
    const { members, concurrency } = arrayShape(c.cluster.array);
    if (members <= 1 || concurrency === 1) return [];
    return [
      finding(
        'array-throttle',
        'error',
        'cluster.array',
        c.cluster.array,
        `${members} array members without %1 would train at the same time on the same checkpoint directory`,
        `append %1, e.g. ${c.cluster.array.split('%')[0]}%1 (tr11 used 1-3%1)`,
      ),
    ];
  }),

  structuralRule('kill-switch', 'a kill-switch path is set, so any group member can stop the run gracefully', (c) => {
    if (c.killSwitchPath !== undefined) return [];
    return [
      finding(
        'kill-switch',
        'warning',
        'killSwitchPath',
        undefined,
        'only the submitting user can scancel a Slurm job; without a kill switch nobody else can stop the run with a save',
        `set killSwitchPath, e.g. ${c.checkpointing.dir}/../kill-switch-${c.name}`,
      ),
    ];
  }),

  structuralRule(
    'nccl-async-error-handling',
    'NCCL_ASYNC_ERROR_HANDLING=1, so NCCL hangs crash instead of idling forever',
    (c) => {
      if (c.env.NCCL_ASYNC_ERROR_HANDLING === '1') return [];
      return [
        finding(
          'nccl-async-error-handling',
          'warning',
          'env.NCCL_ASYNC_ERROR_HANDLING',
          c.env.NCCL_ASYNC_ERROR_HANDLING,
          "without it a hung collective never times out: tr11's eval hang of 2022-04-30 idled 384 GPUs for ~18 h",
          'set env.NCCL_ASYNC_ERROR_HANDLING to "1"',
        ),
      ];
    },
  ),

  structuralRule(
    'launcher-error-handling',
    'srun ends the step when a task fails (--kill-on-bad-exit=1 and a --wait)',
    (c) => {
      const { killOnBadExit, srunWait } = c.launcher;
      if (killOnBadExit && srunWait > 0) return [];
      return [
        finding(
          'launcher-error-handling',
          'warning',
          killOnBadExit ? 'launcher.srunWait' : 'launcher.killOnBadExit',
          killOnBadExit ? srunWait : killOnBadExit,
          'when one node\'s launcher dies the others keep the allocation busy ("the training crashes, but SLURM doesn\'t quit")',
          'set launcher.killOnBadExit to true and launcher.srunWait to 60 (pytorch/pytorch#76287)',
        ),
      ];
    },
  ),

  structuralRule('hint-nomultithread', 'on Jean Zay, --hint=nomultithread (physical cores)', (c) => {
    if (!c.cluster.profile?.startsWith('jean-zay') || c.cluster.hint === 'nomultithread') return [];
    return [
      finding(
        'hint-nomultithread',
        'warning',
        'cluster.hint',
        c.cluster.hint,
        'without it Jean Zay hands out hyper-threads, and DataLoader workers compete with the training process for cores',
        'set cluster.hint to nomultithread',
      ),
    ];
  }),
];
