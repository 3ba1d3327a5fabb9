// The local executor's disk report (F17): statfs of the filesystem holding a path, and a bounded walk summing a
// folder's file sizes (what `du` does, without a process). Past the bound the size is unknown (null), never a
// partial figure that would make a checkpoint look smaller than it is.
import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiskReport, DiskRequest } from './clusterBackend.js';

export interface WalkBounds {
  maxEntries: number;
  timeoutMs: number;
}

export const DEFAULT_WALK_BOUNDS: WalkBounds = { maxEntries: 200_000, timeoutMs: 10_000 };

export async function localDisk(
  path: string,
  folder: string | null,
  bounds = DEFAULT_WALK_BOUNDS,
): Promise<DiskReport> {
  const s = await statfs(path);
  const totalBytes = s.blocks * s.bsize;
  const availableBytes = s.bavail * s.bsize;
  return {
    totalBytes,
    usedBytes: totalBytes - s.bfree * s.bsize,
    availableBytes,
    folderBytes: folder === null ? null : await folderSize(folder, bounds),
  };
}

/**
 * Many runs' disks, each as localDisk reads it, one after the other; a path that cannot be read is an Error in its
 * place. The walks share one deadline (bounds.timeoutMs for the whole batch): past it a folder is unknown (null),
 * so the batch is bounded however many folders it holds.
 */
export async function localDisks(
  requests: readonly DiskRequest[],
  bounds = DEFAULT_WALK_BOUNDS,
): Promise<(DiskReport | Error)[]> {
  const deadline = Date.now() + bounds.timeoutMs;
  const out: (DiskReport | Error)[] = [];
  for (const r of requests) {
    const left = deadline - Date.now();
    // Past the deadline the filesystem is still read (statfs is instant); the folder is not walked.
    const folder = left > 0 ? r.folder : null;
    out.push(await localDisk(r.path, folder, { ...bounds, timeoutMs: left }).catch((err: unknown) => toError(err)));
  }
  return out;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Allocated bytes under `folder` (symlinks not followed), or null when it is missing or the walk hits its bound. */
export async function folderSize(folder: string, bounds = DEFAULT_WALK_BOUNDS): Promise<number | null> {
  const deadline = Date.now() + bounds.timeoutMs;
  let entries = 0;
  let total = 0;
  const stack = [folder];
  try {
    for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
      const st = await lstat(dir);
      total += st.blocks * 512;
      if (!st.isDirectory()) continue;
      for (const name of await readdir(dir)) {
        if (++entries > bounds.maxEntries || Date.now() > deadline) return null;
        stack.push(join(dir, name));
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return total;
}
