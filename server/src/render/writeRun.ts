// Writes a rendered run (sbatch script + DeepSpeed config) into a directory.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RenderedRun } from '@trainboard/shared/runconfig/index';

/** Writes every file of `rendered` into `outDir` (created if missing) and returns the written paths. */
export async function writeRenderedRun(rendered: RenderedRun, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of Object.entries(rendered.files)) {
    const target = path.join(outDir, name);
    await writeFile(target, content, { mode: name.endsWith('.slurm') ? 0o755 : 0o644 });
    written.push(target);
  }
  return written;
}
