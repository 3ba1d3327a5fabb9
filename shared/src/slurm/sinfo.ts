import { SINFO_FIELD_COUNT } from './formats.js';
import type { NodeStatus } from './types.js';

/**
 * Parses `sinfo -h -N -o SINFO_FORMAT`. A node in several partitions is listed once per partition; the
 * first line wins. State suffixes (`*` not responding, `~` powered off, `#`, `!`, `%`, `$`, `@`, `+`, `-`) are split off.
 */
export function parseSinfoNodes(stdout: string): { nodes: NodeStatus[]; rejected: string[] } {
  const seen = new Map<string, NodeStatus>();
  const rejected: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const cols = line.split('|');
    if (cols.length < SINFO_FIELD_COUNT) {
      rejected.push(line);
      continue;
    }
    const [name = '', rawState = '', cpus = '', mem = '', gres = ''] = cols;
    const reason = cols.slice(SINFO_FIELD_COUNT - 1).join('|');
    const m = /^([a-z_]+)([*~#!%$@+^-]*)$/i.exec(rawState);
    if (!name || !m) {
      rejected.push(line);
      continue;
    }
    if (seen.has(name)) continue;
    const gpu = /(?:^|,)gpu(?::[^:,()]+)?:(\d+)/.exec(gres);
    seen.set(name, {
      name,
      state: (m[1] ?? '').toLowerCase(),
      rawState,
      notResponding: (m[2] ?? '').includes('*'),
      cpus: /^\d+$/.test(cpus) ? Number(cpus) : null,
      memoryMb: /^\d+$/.test(mem) ? Number(mem) : null,
      gpus: gpu ? Number(gpu[1]) : null,
      reason: reason === 'none' || reason === '' ? null : reason,
    });
  }
  return { nodes: [...seen.values()], rejected };
}

export interface PartitionInfo {
  name: string;
  isDefault: boolean;
  /** Total nodes (allocated + idle + other). */
  nodes: number;
}

/** Parses `sinfo -h -o SINFO_PARTITION_FORMAT`; lines of another shape are returned in `rejected`. */
export function parseSinfoPartitions(stdout: string): { partitions: PartitionInfo[]; rejected: string[] } {
  const byName = new Map<string, PartitionInfo>();
  const rejected: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const m = /^([^|*\s]+)(\*?)\|\d+\/\d+\/\d+\/(\d+)$/.exec(line.trim());
    if (!m) {
      rejected.push(line);
      continue;
    }
    const [, name = '', star = '', total = '0'] = m;
    const known = byName.get(name);
    if (known) known.nodes += Number(total);
    else byName.set(name, { name, isDefault: star === '*', nodes: Number(total) });
  }
  return { partitions: [...byName.values()], rejected };
}
