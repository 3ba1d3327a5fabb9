// GPU metrics from nvidia-smi, gathered by one `srun --overlap --label` step per job (one task per node): the probe
// script below, and the pure parser of what the step prints. Bad lines become skipped rows with a reason; nothing
// here throws on input, because a half-broken node must not hide the metrics of the healthy ones.
import type { GpuSample } from './types.js';

/** Queried in this order; `--format=csv,noheader,nounits` prints them comma-separated, numbers without units. */
export const NVIDIA_SMI_FIELDS = [
  'index',
  'name',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
  'clocks.sm',
  'clocks.max.sm',
] as const;

/**
 * Runs on every node of the job: a header naming the node (SLURMD_NODENAME, because several slurmd may share a
 * host), nvidia-smi's rows (its errors too, so they carry srun's label), and its exit status. Fixed text: no
 * value from a request ever goes into it.
 */
export const GPU_PROBE_SCRIPT = [
  `printf 'node=%s\\n' "\${SLURMD_NODENAME:-$(hostname)}"`,
  `nvidia-smi --query-gpu=${NVIDIA_SMI_FIELDS.join(',')} --format=csv,noheader,nounits 2>&1`,
  `printf 'exit=%s\\n' "$?"`,
].join('; ');

export interface GpuHostReport {
  /** srun's task label (`0`, `1`, …), or '' for unlabelled output (a local run). */
  task: string;
  node: string | null;
  gpus: GpuSample[];
  exitCode: number | null;
  /** Lines that are neither rows nor markers: nvidia-smi's or the shell's error text. */
  messages: string[];
}

export interface SkippedLine {
  line: string;
  reason: string;
}

export interface GpuProbeParse {
  hosts: GpuHostReport[];
  skipped: SkippedLine[];
}

const LABEL = /^\s*(\d+): ?(.*)$/;
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** nvidia-smi's ways of saying "no value". */
const NOT_AVAILABLE = /^\[?(?:N\/A|Not Supported|Unknown Error|Insufficient Permissions|GPU requires reset)\]?$/i;
const NUMBER = /^-?\d+(?:\.\d+)?$/;

export function parseGpuProbe(stdout: string): GpuProbeParse {
  const byTask = new Map<string, GpuHostReport>();
  const skipped: SkippedLine[] = [];
  const host = (task: string): GpuHostReport => {
    let h = byTask.get(task);
    if (!h) byTask.set(task, (h = { task, node: null, gpus: [], exitCode: null, messages: [] }));
    return h;
  };
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.trim()) continue;
    const m = LABEL.exec(line);
    const task = m ? (m[1] ?? '') : '';
    const text = (m ? (m[2] ?? '') : line).trim();
    if (!text) continue;
    if (text.startsWith('node=')) {
      const name = text.slice('node='.length);
      if (NODE_NAME.test(name)) host(task).node = name;
      else skipped.push({ line, reason: 'node name is not a valid host name' });
    } else if (/^exit=\d+$/.test(text)) {
      host(task).exitCode = Number(text.slice('exit='.length));
    } else if (text.includes(', ')) {
      const row = parseRow(text);
      if (typeof row === 'string') skipped.push({ line, reason: row });
      else host(task).gpus.push(row);
    } else {
      host(task).messages.push(text);
    }
  }
  return { hosts: [...byTask.values()], skipped };
}

/**
 * One CSV row, or why it is not one. A row without the last field (clocks.max.sm, added for F7's "600 of 1410
 * MHz") is still read, its max clock unknown.
 */
function parseRow(text: string): GpuSample | string {
  const cols = text.split(',').map((c) => c.trim());
  if (cols.length !== NVIDIA_SMI_FIELDS.length && cols.length !== NVIDIA_SMI_FIELDS.length - 1)
    return `expected ${NVIDIA_SMI_FIELDS.length} fields, got ${cols.length}`;
  const [index = '', name = '', ...numbers] = cols;
  if (!/^\d{1,3}$/.test(index)) return `GPU index ${JSON.stringify(index)} is not a number`;
  const values: (number | null)[] = [];
  for (const [i, v] of numbers.entries()) {
    if (NOT_AVAILABLE.test(v)) values.push(null);
    else if (NUMBER.test(v)) values.push(Number(v));
    else return `${NVIDIA_SMI_FIELDS[i + 2]} ${JSON.stringify(v)} is not a number`;
  }
  const [
    utilPct = null,
    memUsedMb = null,
    memTotalMb = null,
    temperatureC = null,
    powerW = null,
    smClockMhz = null,
    maxSmClockMhz = null,
  ] = values;
  return {
    index: Number(index),
    name: NOT_AVAILABLE.test(name) || !name ? null : name,
    utilPct,
    memUsedMb,
    memTotalMb,
    temperatureC,
    powerW,
    smClockMhz,
    maxSmClockMhz,
    slow: null,
  };
}

export type GpuProbeSummary = { state: 'ok'; reason: string | null } | { state: 'unavailable'; reason: string };

/**
 * Whether the nodes have GPU metrics at all. `ok` as soon as one node answered with rows (the reason then names
 * the nodes that did not); otherwise `unavailable` with the most telling reason.
 */
export function summarizeGpuProbe(parse: GpuProbeParse): GpuProbeSummary {
  const label = (h: GpuHostReport) => h.node ?? (h.task ? `task ${h.task}` : 'the node');
  const silent = parse.hosts.filter((h) => h.gpus.length === 0);
  const why = (h: GpuHostReport): string => {
    if (h.exitCode === 127 || h.messages.some((m) => /not found|No such file/i.test(m))) return 'nvidia-smi not found';
    const message = h.messages[0];
    if (message) return message;
    if (h.exitCode !== null && h.exitCode !== 0) return `nvidia-smi exited with ${h.exitCode}`;
    return 'nvidia-smi listed no GPU';
  };
  if (parse.hosts.some((h) => h.gpus.length > 0)) {
    return { state: 'ok', reason: silent.length ? silent.map((h) => `${label(h)}: ${why(h)}`).join('; ') : null };
  }
  if (parse.hosts.length === 0) return { state: 'unavailable', reason: 'the probe printed nothing' };
  // Group nodes by reason so 48 nodes without nvidia-smi read as one line.
  const groups = new Map<string, string[]>();
  for (const h of silent) groups.set(why(h), [...(groups.get(why(h)) ?? []), label(h)]);
  return {
    state: 'unavailable',
    reason: [...groups].map(([reason, nodes]) => `${reason} on ${nodes.join(', ')}`).join('; '),
  };
}
