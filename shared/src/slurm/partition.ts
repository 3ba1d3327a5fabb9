// The partition's state (`scontrol show partition`), its reservations (`scontrol show reservation`) and the
// checkpoint filesystem (`df`, `du`), for the cluster-state detectors (F11–F13, F17). Argv builders validate or
// pass values as single words after `--`; the parsers are pure and return what they could not read.
import type { ReservationFact } from '../detect/clusterFacts.js';
import { expandHostlist } from './hostlist.js';
import { NAME } from './submit.js';

export type PartitionState = 'up' | 'down' | 'drain' | 'inactive' | 'maint';

export class InvalidClusterQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidClusterQueryError';
  }
}

function partitionName(p: string): string {
  if (!NAME.test(p)) throw new InvalidClusterQueryError(`partition ${JSON.stringify(p)}: must be a plain name`);
  return p;
}

/** `scontrol --oneliner show partition <p>` (every partition when null). */
export function buildPartitionArgv(partition: string | null): string[] {
  const argv = ['scontrol', '--oneliner', 'show', 'partition'];
  return partition === null ? argv : [...argv, partitionName(partition)];
}

/** `sinfo --noheader --Node --partition=<p> --format=<format>`: the partition's nodes with state and reason. */
export function buildPartitionNodesArgv(partition: string, format: string): string[] {
  return ['sinfo', '--noheader', '--Node', `--partition=${partitionName(partition)}`, `--format=${format}`];
}

/**
 * `scontrol show reservation`, with TZ=UTC so its cluster-local times print in UTC (scontrol formats them on the
 * client with localtime) and can be read as epoch times whatever the site's zone.
 */
export const RESERVATIONS_ARGV: readonly string[] = ['env', 'TZ=UTC', 'scontrol', '--oneliner', 'show', 'reservation'];

/** One `Key=Value …` line of scontrol's one-line output, for keys whose values hold no spaces. */
function fieldsOf(line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of line.matchAll(/(?:^|\s)([A-Za-z]+)=(\S*)/g)) if (!out.has(m[1]!)) out.set(m[1]!, m[2]!);
  return out;
}

export interface ParsedPartition {
  name: string;
  state: PartitionState;
  nodes: string[];
  isDefault: boolean;
}

/** Reads `scontrol --oneliner show partition`; lines without a known State= go to `rejected`. */
export function parsePartitions(stdout: string): { partitions: ParsedPartition[]; rejected: string[] } {
  const partitions: ParsedPartition[] = [];
  const rejected: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const f = fieldsOf(line.trim());
    const name = f.get('PartitionName');
    const state = partitionState(f.get('State') ?? '');
    if (!name || !state) {
      rejected.push(line);
      continue;
    }
    const nodes = f.get('Nodes');
    partitions.push({
      name,
      state,
      nodes: nodes && nodes !== '(null)' ? expandHostlist(nodes) : [],
      isDefault: f.get('Default') === 'YES',
    });
  }
  return { partitions, rejected };
}

function partitionState(s: string): PartitionState | null {
  const v = s.toLowerCase();
  return v === 'up' || v === 'down' || v === 'drain' || v === 'inactive' || v === 'maint' ? v : null;
}

/** `2026-12-07T21:45:34` printed under TZ=UTC → epoch ms; null for anything else. */
function utcMs(text: string | undefined): number | null {
  if (!text || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(text)) return null;
  const ms = Date.parse(`${text}Z`);
  return Number.isFinite(ms) ? ms : null;
}

/** Reads `scontrol --oneliner show reservation` (printed under TZ=UTC); "No reservations in the system" is none. */
export function parseReservations(stdout: string): { reservations: ReservationFact[]; rejected: string[] } {
  const reservations: ReservationFact[] = [];
  const rejected: string[] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t || /^No reservations/i.test(t)) continue;
    const f = fieldsOf(t);
    const name = f.get('ReservationName');
    const startMs = utcMs(f.get('StartTime'));
    const endMs = utcMs(f.get('EndTime'));
    if (!name || startMs === null || endMs === null) {
      rejected.push(line);
      continue;
    }
    const nodes = f.get('Nodes') ?? '';
    const flags = f.get('Flags') ?? '';
    reservations.push({
      name,
      flags: flags && flags !== '(null)' ? flags.toUpperCase().split(',') : [],
      startMs,
      endMs,
      nodes: nodes && nodes !== '(null)' ? expandHostlist(nodes) : [],
    });
  }
  return { reservations, rejected };
}

const MAX_PATH = 4096;

/** A path for df/du: any printable text (it is one argv word after `--`), no control characters. */
export function validateDiskPath(path: string): string {
  if (!path || path.length > MAX_PATH || [...path].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    throw new InvalidClusterQueryError('disk path: must be 1–4096 printable characters');
  return path;
}

/** The most paths one df or du command is given: a bounded argv, and a bounded command under its one timeout. */
export const MAX_DISK_OPERANDS = 64;

function diskOperands(paths: readonly string[]): string[] {
  if (!paths.length || paths.length > MAX_DISK_OPERANDS)
    throw new InvalidClusterQueryError(`disk paths: 1–${MAX_DISK_OPERANDS} per command`);
  return paths.map(validateDiskPath);
}

/**
 * `df -B1 --output=size,used,avail,file -- PATH…`: bytes of the filesystem holding each path, one line per path
 * that could be read, in operand order, each ending with the path as given (the last column, never padded).
 */
export function buildDfArgv(paths: readonly string[]): string[] {
  return ['df', '-B1', '--output=size,used,avail,file', '--', ...diskOperands(paths)];
}

/**
 * `du -lsB1 -- FOLDER…`: bytes under each folder, `<bytes>\t<folder as given>` per folder it could read. `-l`: with
 * several operands du counts an inode once across all of them (a nested or hard-linked folder would read smaller
 * than alone); -l counts each folder as if asked alone.
 */
export function buildDuArgv(folders: readonly string[]): string[] {
  return ['du', '-lsB1', '--', ...diskOperands(folders)];
}

export interface DfBytes {
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
}

/** Splits `items` into runs of at most `size` (the operands of one command each). */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Pairs each printed line with the operand it is for: by the path the line ends with, walking the operands in
 * order (df and du print in operand order and skip the ones they cannot read); when the count of lines equals the
 * count of operands, by order alone (a tool that prints a path otherwise, e.g. escaped, still maps). An operand no
 * line is for is absent from the answer: unknown, never another operand's figure.
 */
function pairByOperand<T>(lines: { path: string; value: T }[], operands: readonly string[]): Map<string, T> {
  const out = new Map<string, T>();
  if (lines.length === operands.length && lines.some((l, i) => l.path !== operands[i])) {
    lines.forEach((l, i) => out.set(operands[i]!, l.value));
    return out;
  }
  let next = 0;
  for (const line of lines) {
    const at = operands.indexOf(line.path, next);
    if (at < 0) continue;
    out.set(operands[at]!, line.value);
    next = at + 1;
  }
  return out;
}

/**
 * Reads `df -B1 --output=size,used,avail,file` over many operands (lines of operands df could not read are
 * missing: it says why on stderr and exits 1). `rejected`: lines of another shape (the output is not trusted).
 */
export function parseDf(
  stdout: string,
  operands: readonly string[],
): { bytes: Map<string, DfBytes>; rejected: string[] } {
  const lines = stdout.split('\n').filter((l) => l.trim());
  const rejected: string[] = [];
  const rows: { path: string; value: DfBytes }[] = [];
  lines.forEach((line, i) => {
    if (i === 0 && /^\s*1B-blocks\s+Used\s+Avail\s+File\s*$/i.test(line)) return;
    // Numbers right-aligned, one space, then the path exactly as given (spaces and quotes included).
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+) (.+)$/.exec(line);
    if (i === 0 || !m) return void rejected.push(line);
    rows.push({
      path: m[4]!,
      value: { totalBytes: Number(m[1]), usedBytes: Number(m[2]), availableBytes: Number(m[3]) },
    });
  });
  return { bytes: pairByOperand(rows, operands), rejected };
}

/**
 * Reads `du -lsB1` over many operands: `<bytes>\t<path>` per folder it could read (a missing one is skipped with
 * a word on stderr). Paths hold no tab or newline (validateDiskPath), so one line is one folder.
 */
export function parseDu(
  stdout: string,
  operands: readonly string[],
): { bytes: Map<string, number>; rejected: string[] } {
  const rejected: string[] = [];
  const rows: { path: string; value: number }[] = [];
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const m = /^(\d+)\t(.+)$/.exec(line);
    if (m) rows.push({ path: m[2]!, value: Number(m[1]) });
    else rejected.push(line);
  }
  return { bytes: pairByOperand(rows, operands), rejected };
}
