// Runs scripts/fake-trainer/pretrain_gpt.py and reads back what it printed and what it says it printed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogParser, eventToJson, type LogEvent } from '@trainboard/shared';

export const TRAINER = fileURLToPath(new URL('../../scripts/fake-trainer/pretrain_gpt.py', import.meta.url));

export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'fake-trainer-'));
}

export function runTrainer(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string } {
  const r = spawnSync('python3', [TRAINER, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  if (r.stderr) process.stderr.write(r.stderr);
  return { status: r.status, stdout: r.stdout };
}

/**
 * Starts the trainer in the background; `output()` is what it printed so far. `env` is added to this process's;
 * with `stderr: 'merge'` its stderr joins the output as `2>&1` does in a job (the faulthandler dump goes there).
 */
export function startTrainer(
  args: string[],
  opts: { env?: Record<string, string>; stderr?: 'inherit' | 'merge'; trainer?: string } = {},
) {
  const merge = opts.stderr === 'merge';
  const child = spawn('python3', [opts.trainer ?? TRAINER, ...args], {
    stdio: ['ignore', 'pipe', merge ? 'pipe' : 'inherit'],
    env: { ...process.env, ...opts.env },
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function parse(text: string): LogEvent[] {
  const p = createLogParser();
  return [...p.push(Buffer.from(text, 'utf8')), ...p.end()];
}

export function groundTruth(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * The parsed events in the ground truth's vocabulary: only the fields the trainer recorded, JSON-encoded as the
 * event contract writes them (NaN as "NaN").
 */
export function comparable(events: LogEvent[], truth: Record<string, unknown>[]): Record<string, unknown>[] {
  const types = new Set(truth.map((t) => t.type));
  // Sorted by position: the parser may emit a record once it is complete (run_start after the banner).
  return [...events]
    .sort((a, b) => a.offset - b.offset)
    .filter((e) => types.has(e.type))
    .map((e, i) => {
      const json = JSON.parse(eventToJson(e)) as Record<string, unknown>;
      const want = truth[i];
      if (!want || want.type !== e.type) return json; // out of step: show the whole event in the diff
      if (e.type === 'run_start') {
        const cfg = (json.config ?? {}) as Record<string, unknown>;
        return Object.fromEntries(Object.keys(want).map((k) => [k, k === 'type' || k === 'rank' ? json[k] : cfg[k]]));
      }
      return Object.fromEntries(Object.keys(want).map((k) => [k, json[k]]));
    });
}
