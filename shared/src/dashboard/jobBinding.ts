// Which job wrote which part of the run's log. Every job of a run appends to the same main log, so a failure belongs
// to the job whose log segment holds it, not to whichever job's time window its arrival fell in (a crash flushed
// after the resubmitted job started was once reported as that job's end).
//
// A job's segment is the byte range from its start to the next job's start, per log file:
// - Trainboard's templates echo a start marker with the Slurm job id as the job's first line (log/jobMarker.ts):
//   the segment is bound to that job by id.
// - Logs without the marker (older templates, jobs submitted by hand) fall back to order: the N-th job start in the
//   log (a banner's run_start; the first one's segment reaches back to the file's first byte, and a file with no
//   start at all is one segment) is bound to the N-th job by start time, among the jobs no marker named. Times never decide: arrival times are rewritten by a
//   follower catching up after a restart, byte positions are not.
// Pure: the server reads the start points and events, the rules live here.

/** A place in one of the run's log files. */
export interface LogPosition {
  sourceId: number;
  offset: number;
}

/** A job start in the log: Trainboard's marker (with the job id) or a banner's run_start (jobId null). */
export interface JobStartPoint extends LogPosition {
  jobId: string | null;
}

/** A job as the scheduler knows it. */
export interface BindableJob {
  jobId: string;
  startedAt: number | null;
}

export interface LogSegment {
  sourceId: number;
  /** First byte of the segment; `to` is the next segment's first byte (Infinity for the last of a file). */
  from: number;
  to: number;
  /** The job that wrote it, or null when no job could be bound (history before Trainboard's jobs). */
  jobId: string | null;
  /** Bound by the job's own marker (exact), else by order. */
  byMarker: boolean;
}

interface OpenSegment extends LogSegment {
  /** A marker segment takes its job's banner without starting another segment. */
  sawBanner: boolean;
}

/** Cuts each log file into segments at job starts, in file order. */
function cutSegments(starts: readonly JobStartPoint[]): OpenSegment[] {
  const sorted = [...starts].sort((a, b) => a.sourceId - b.sourceId || a.offset - b.offset);
  const segments: OpenSegment[] = [];
  for (const p of sorted) {
    const current = segments.at(-1)?.sourceId === p.sourceId ? (segments.at(-1) as OpenSegment) : null;
    if (p.jobId === null && current?.byMarker && !current.sawBanner) {
      current.sawBanner = true;
      continue;
    }
    // The first banner of a file also owns what came before it (the job's start-up lines, an early failure).
    const from = p.jobId === null && current === null ? 0 : p.offset;
    if (current) current.to = from;
    segments.push({
      sourceId: p.sourceId,
      from,
      to: Infinity,
      jobId: p.jobId,
      byMarker: p.jobId !== null,
      sawBanner: false,
    });
  }
  return segments;
}

/** The run's log segments with the job that wrote each (see the module comment for the rules). */
export function bindSegments(jobs: readonly BindableJob[], starts: readonly JobStartPoint[]): LogSegment[] {
  const segments = cutSegments(starts);
  const marked = new Set(segments.filter((s) => s.byMarker).map((s) => s.jobId));
  const byStart = jobs
    .filter((j) => j.startedAt !== null && !marked.has(j.jobId))
    .sort((a, b) => (a.startedAt as number) - (b.startedAt as number));
  let next = 0;
  for (const s of segments) if (!s.byMarker) s.jobId = byStart[next++]?.jobId ?? null;
  return segments.map(({ sawBanner: _, ...s }) => s);
}

/** The segment that holds a position, or undefined (before a file's first marker). */
export function segmentAt(segments: readonly LogSegment[], p: LogPosition): LogSegment | undefined {
  return segments.find((s) => s.sourceId === p.sourceId && s.from <= p.offset && p.offset < s.to);
}

/** The events each job wrote, by job id, in the order given; events no job can be bound to are left out. */
export function eventsByJob<E extends LogPosition>(
  jobs: readonly BindableJob[],
  starts: readonly JobStartPoint[],
  events: readonly E[],
): Map<string, E[]> {
  // A file with no job start at all (a crash before any banner) is one segment: its first job's.
  const started = new Set(starts.map((p) => p.sourceId));
  const bare = [...new Set(events.map((e) => e.sourceId))].filter((id) => !started.has(id));
  const segments = bindSegments(jobs, [...starts, ...bare.map((sourceId) => ({ sourceId, offset: 0, jobId: null }))]);
  const out = new Map<string, E[]>();
  for (const e of events) {
    const jobId = segmentAt(segments, e)?.jobId;
    if (!jobId) continue;
    const mine = out.get(jobId);
    if (mine) mine.push(e);
    else out.set(jobId, [e]);
  }
  return out;
}
