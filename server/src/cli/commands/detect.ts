// `trainboard detect FILE [--json]`: streams a log through the parser and the detectors (shared/src/detect) with
// the log's own timing, then prints the incidents: one JSON object per line with --json, else a summary.
// Incidents are findings, not errors: exit 0. Memory stays bounded: chunks in, events out, only detector state kept.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { parseCommandArgs, usageError } from '../args.js';
import { createLogParser } from '@trainboard/shared/log/parser';
import { createDetectorSet } from '@trainboard/shared/detect/runDetectors';
import type { Incident } from '@trainboard/shared/detect/incident';
import type { CliIo } from '../args.js';

const USAGE = `usage: trainboard detect FILE [--json]

Replays a Megatron-DeepSpeed log through Trainboard's detectors (crash, node failure, hang, time limit, restart,
…) with the log's own timing, and prints the incidents in file order. With --json, one JSON object per incident
per line: {"kind", "severity", "iteration", "offset", "failureKind", "title", "workLostIterations", ...}.
Incidents are not errors: the exit status is 0 unless the file cannot be read.

  --json    incidents as JSON lines instead of the summary
`;

const COMMAND = { name: 'detect', usage: USAGE };
const CHUNK_BYTES = 1 << 20;
/** Evidence lines are quoted up to this many bytes (the Incident contract's 300 characters, roughly). */
const LINE_BYTES = 300;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(COMMAND, argv, io, {
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (typeof args === 'number') return args;
  const [file, ...rest] = args.positionals;
  if (file === undefined) return usageError(COMMAND, io, 'missing FILE');
  if (rest.length > 0) return usageError(COMMAND, io, 'one FILE at a time');
  const problem = await unreadable(file);
  if (problem) {
    io.stderr.write(`trainboard detect: cannot read ${file}: ${problem}\n`);
    return 1;
  }
  try {
    const incidents = await detectFile(file);
    await quoteEvidence(file, incidents);
    io.stdout.write(args.values.json ? incidents.map((i) => `${toJsonLine(i)}\n`).join('') : summary(incidents));
    return 0;
  } catch (err) {
    io.stderr.write(`trainboard detect: cannot read ${file}: ${(err as Error).message}\n`);
    return 1;
  }
}

async function unreadable(file: string): Promise<string | null> {
  try {
    const st = await stat(file);
    return st.isFile() ? null : st.isDirectory() ? 'is a directory' : 'not a regular file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES') return 'permission denied';
    return (err as Error).message;
  }
}

export async function detectFile(file: string): Promise<Incident[]> {
  const parser = createLogParser();
  const detectors = createDetectorSet();
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    detectors.observe(parser.push(chunk));
  }
  detectors.observe(parser.end());
  return detectors.finish();
}

/** Replaces each evidence's text with the log line at its offset (first LINE_BYTES bytes): what a reader checks. */
async function quoteEvidence(file: string, incidents: Incident[]): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(LINE_BYTES);
    for (const ev of incidents.flatMap((i) => i.evidence)) {
      if (ev.offset === null) continue;
      const { bytesRead } = await handle.read(buf, 0, LINE_BYTES, ev.offset);
      const text = buf.subarray(0, bytesRead).toString('utf8').split('\n')[0]!.replace(/\r$/, '').trim();
      if (text.length > 0) ev.text = text;
    }
  } finally {
    await handle.close();
  }
}

function toJsonLine(i: Incident): string {
  const { kind, severity, iteration, offset, title, workLostIterations, ...rest } = i;
  return JSON.stringify({
    kind,
    severity,
    iteration,
    offset,
    failureKind: i.failureKind ?? null,
    title,
    workLostIterations,
    ...rest,
    openedAt: new Date(i.openedAtMs).toISOString(),
  });
}

function summary(incidents: Incident[]): string {
  if (incidents.length === 0) return 'no incidents\n';
  const lines = [`${incidents.length} incident${incidents.length === 1 ? '' : 's'}`];
  for (const i of incidents) {
    const kind = i.failureKind ? `${i.kind} (${i.failureKind})` : i.kind;
    const where = `iteration ${i.iteration ?? '?'}, offset ${i.offset ?? '?'}`;
    lines.push(`  [${i.severity}] ${kind} at ${where}: ${i.title}`);
    if (i.suggestedAction) lines.push(`      action: ${i.suggestedAction.text}`);
    if (i.workLostIterations !== null) lines.push(`      work lost: ${i.workLostIterations} iterations`);
    const first = i.evidence[0];
    if (first) lines.push(`      evidence: ${first.text}`);
  }
  return `${lines.join('\n')}\n`;
}
