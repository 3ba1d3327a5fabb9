// `trainboard parse FILE... [--json]`: streams each file through the log parser. With --json, one JSON object
// per event per line (the public event contract, eventToJson); otherwise a human summary per file.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { parseCommandArgs, usageError } from '../args.js';
import { eventToJson } from '@trainboard/shared/log/json';
import { createLogParser } from '@trainboard/shared/log/parser';
import { emptySummary, formatSummary, summarizeEvents, withStats } from '@trainboard/shared/log/summary';
import type { LogEvent } from '@trainboard/shared/log/events';
import type { CliIo } from '../args.js';

const USAGE = `usage: trainboard parse FILE... [--json]

Parses Megatron-DeepSpeed logs. Prints a summary of each file (iterations, last loss, failures, …), or with
--json one JSON object per event per line: {"type", "offset", "line", ...} as documented in
shared/src/log/events.ts. Non-finite numbers are written as "NaN", "Infinity", "-Infinity".

  --json    events as JSON lines instead of the summary
`;

const COMMAND = { name: 'parse', usage: USAGE };

/** Read size: large enough that per-chunk overhead vanishes, small enough to stream any file. */
const CHUNK_BYTES = 1 << 20;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(COMMAND, argv, io, {
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (typeof args === 'number') return args;
  const files = args.positionals;
  if (files.length === 0) return usageError(COMMAND, io, 'missing FILE');

  // Check every file first: a typo in the third name should not come after two files of output.
  for (const file of files) {
    const problem = await unreadable(file);
    if (problem) {
      io.stderr.write(`trainboard parse: cannot read ${file}: ${problem}\n`);
      return 1;
    }
  }
  for (const file of files) {
    try {
      if (args.values.json) {
        if (!(await printEvents(file, io.stdout))) return 0;
      } else await printSummary(file, io.stdout, files.length > 1);
    } catch (err) {
      io.stderr.write(`trainboard parse: cannot read ${file}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  return 0;
}

async function unreadable(file: string): Promise<string | null> {
  try {
    const st = await stat(file);
    return st.isFile() ? null : 'not a regular file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES') return 'permission denied';
    return (err as Error).message;
  }
}

/** Streams `file` through a fresh parser, handing each batch of events to `sink`. */
async function parseFile(file: string, sink: (events: LogEvent[]) => Promise<void> | void) {
  const parser = createLogParser();
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    await sink(parser.push(chunk));
  }
  await sink(parser.end());
  return parser.stats;
}

/** The reader of stdout went away (`| head`): stop quietly, like other Unix tools. */
class ReaderGone extends Error {}

/** @returns false when the reader of `out` went away (stop, nothing more will be read). */
async function printEvents(file: string, out: NodeJS.WritableStream): Promise<boolean> {
  let writeError: NodeJS.ErrnoException | null = null;
  const onError = (err: NodeJS.ErrnoException) => {
    writeError = err;
  };
  out.on('error', onError);
  try {
    await parseFile(file, async (events) => {
      if (writeError) throw writeError.code === 'EPIPE' ? new ReaderGone() : writeError;
      if (events.length === 0) return;
      let text = '';
      for (const e of events) text += `${eventToJson(e)}\n`;
      // Respect backpressure: a slow reader (`| head`, a pipe to jq) must not make us buffer the whole log.
      // once(out, 'drain') alone: it also rejects on 'error' and removes both its listeners when it settles.
      // Racing it with once(out, 'error') left that 'error' listener on stdout after every wait (the
      // MaxListenersExceededWarning "11 error listeners added to [Socket]").
      if (!out.write(text)) await once(out, 'drain');
    });
    return true;
  } catch (err) {
    if (err instanceof ReaderGone || (err as NodeJS.ErrnoException).code === 'EPIPE') return false;
    throw err;
  } finally {
    out.off('error', onError);
  }
}

async function printSummary(file: string, out: NodeJS.WritableStream, withName: boolean): Promise<void> {
  let summary = emptySummary();
  const stats = await parseFile(file, (events) => {
    summary = summarizeEvents(events, summary);
  });
  out.write(`${withName ? `${file}\n` : ''}${formatSummary(withStats(summary, stats))}\n${withName ? '\n' : ''}`);
}
