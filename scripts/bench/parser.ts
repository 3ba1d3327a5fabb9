// Benchmark: the log parser alone, in lines/s and iteration lines/s, against `grep -c iteration` over the same
// file, measured in the same run. Usage: `npm run bench -- parser` or `npx tsx scripts/bench/parser.ts [lines]`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogParser } from '../../shared/src/log/parser.js';
import { writeSyntheticLog } from './syntheticLog.js';

const CHUNK = 1 << 20;

function parseOnce(data: Uint8Array): {
  seconds: number;
  cpuSeconds: number;
  events: number;
  iterations: number;
  lines: number;
} {
  const cpuStarted = process.cpuUsage();
  const started = process.hrtime.bigint();
  const parser = createLogParser();
  let events = 0;
  let iterations = 0;
  const count = (batch: ReturnType<typeof parser.push>): void => {
    events += batch.length;
    for (const e of batch) if (e.type === 'iteration') iterations++;
  };
  for (let at = 0; at < data.length; at += CHUNK) count(parser.push(data.subarray(at, at + CHUNK)));
  count(parser.end());
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, events, iterations, lines: parser.stats.lines };
}

function grepOnce(path: string): { seconds: number; count: number } {
  const started = process.hrtime.bigint();
  const result = spawnSync('grep', ['-c', 'iteration', path], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, count: Number(result.stdout.trim()) };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export async function run(lines = 1_000_000): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'trainboard-bench-parser-'));
  try {
    const path = join(dir, 'main_log.txt');
    const written = writeSyntheticLog(path, lines);
    const size = statSync(path).size;
    const data = readFileSync(path); // read once: the parser figure excludes disk I/O
    parseOnce(data); // warm-up (JIT)
    const runs = Array.from({ length: 5 }, () => parseOnce(data)); // best of 5: the machine may be shared
    const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const cpuSeconds = Math.min(...runs.map((r) => r.cpuSeconds));
    grepOnce(path);
    const grep = [grepOnce(path), grepOnce(path), grepOnce(path)].reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const rows: Array<[string, string]> = [
      [
        'file',
        `${fmt(written.lines)} lines, ${fmt(written.iterationLines)} iteration lines, ${(size / 1e6).toFixed(1)} MB`,
      ],
      ['parser time (best of 5)', `${best.seconds.toFixed(3)} s (${fmt(best.events)} events)`],
      ['parser lines/s', fmt(best.lines / best.seconds)],
      ['parser iteration lines/s', `${fmt(best.iterations / best.seconds)} (target ≥ 1,000,000)`],
      [
        'per CPU-second (less load-dependent)',
        `${fmt(best.lines / cpuSeconds)} lines, ${fmt(best.iterations / cpuSeconds)} iteration lines`,
      ],
      ['parser MB/s', (size / 1e6 / best.seconds).toFixed(1)],
      [
        'grep -c iteration',
        `${grep.seconds.toFixed(3)} s (count ${fmt(grep.count)}), ${fmt(best.lines / grep.seconds)} lines/s`,
      ],
      [
        'machine',
        `${cpus().length} cores, load average ${loadavg()[0]?.toFixed(2)} (other processes slow both figures)`,
      ],
      [
        'parser time / grep time',
        `${(best.seconds / grep.seconds).toFixed(2)}× (parser at ${((grep.seconds / best.seconds) * 100).toFixed(0)}% of grep's speed)`,
      ],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run(process.argv[2] ? Number(process.argv[2]) : undefined);
}
