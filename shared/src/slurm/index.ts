// Pure Slurm text handling: quoting, validation and the parsers of squeue/sacct/sinfo/sbatch output.
export * from './quote.js';
export * from './formats.js';
export * from './types.js';
export * from './hostlist.js';
export * from './time.js';
export * from './squeue.js';
export * from './sacct.js';
export * from './sinfo.js';
export * from './sbatch.js';
export * from './submit.js';
export * from './scontrol.js';
export * from './cluster.js';
export * from './partition.js';
export * from './stackDump.js';
export * from './overlapStep.js';
