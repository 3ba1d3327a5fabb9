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

/** `df -B1 --output=size,used,avail -- PATH`: bytes of the filesystem holding PATH. */
export function buildDfArgv(path: string): string[] {
  return ['df', '-B1', '--output=size,used,avail', '--', validateDiskPath(path)];
}

/** `du -sB1 -- FOLDER`: bytes under FOLDER. */
export function buildDuArgv(folder: string): string[] {
  return ['du', '-sB1', '--', validateDiskPath(folder)];
}

export interface DfBytes {
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
}

/** Reads df's header line and one line of three byte counts; null when the output has another shape. */
export function parseDf(stdout: string): DfBytes | null {
  const lines = stdout.split('\n').filter((l) => l.trim());
  if (lines.length !== 2 || !/^\s*1B-blocks\s+Used\s+Avail/i.test(lines[0]!)) return null;
  const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(lines[1]!);
  if (!m) return null;
  return { totalBytes: Number(m[1]), usedBytes: Number(m[2]), availableBytes: Number(m[3]) };
}

/**
 * Reads du's `<bytes>\t<path>`: only the leading count is read, so whatever the path holds (tabs, spaces, a
 * newline shown as-is by an old du) cannot change the figure.
 */
export function parseDu(stdout: string): number | null {
  const m = /^(\d+)\t/.exec(stdout);
  return m ? Number(m[1]) : null;
}
