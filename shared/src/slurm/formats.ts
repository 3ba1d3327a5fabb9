// The output formats we ask Slurm for. Free-text fields (job name, node reason) go LAST so that a `|` inside them
// cannot shift the other columns. scripts/dev-cluster-record-fixtures records fixtures with these same strings.

/** squeue -o: id | job id | array job id | array task id | state | reason | nodes | partition | submit | start | end | elapsed | limit | node count | name */
export const SQUEUE_FORMAT = '%i|%A|%F|%K|%T|%r|%N|%P|%V|%S|%e|%M|%l|%D|%j';
export const SQUEUE_FIELD_COUNT = 15;

/** sacct -o (with -P -n): allocations only (-X), name last. */
export const HISTORY_FIELDS = 'JobID,State,ExitCode,Start,End,Elapsed,NodeList,Partition,JobName';
export const HISTORY_FIELD_COUNT = 9;

/** sinfo -N -o: node | state | cpus | memory MB | gres | reason. */
export const SINFO_FORMAT = '%N|%T|%c|%m|%G|%E';
export const SINFO_FIELD_COUNT = 6;

/** sinfo -o (one line per partition): partition (`*` marks the default) | nodes allocated/idle/other/total. */
export const SINFO_PARTITION_FORMAT = '%P|%F';
