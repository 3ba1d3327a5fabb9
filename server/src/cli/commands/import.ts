// `trainboard import FILE --run NAME [--db PATH] [--restart] [--json]`: imports a historical main_log.txt.
// Idempotent and resumable (see ingest/importFile.ts). Progress goes to stderr on a terminal; the final summary
// goes to stdout (one JSON object with --json). Diagnostics go through pino to stderr.
import { resolve } from 'node:path';
import { parseCommandArgs, usageError } from '../args.js';
import pino from 'pino';
import type { CliIo } from '../args.js';
import type { Incident } from '@trainboard/shared/detect/incident';
import { openDatabase } from '../../db/client.js';
import { createRepositories } from '../../db/repositories.js';
import { detectStoredRun } from '../../incidents/detectStoredRun.js';
import { FileIdentityError, importLogFile, type ImportProgress, type ImportResult } from '../../ingest/importFile.js';
import { ConcurrentIngestError } from '../../ingest/ingestWriter.js';

export const DEFAULT_DB_PATH = '.trainboard/trainboard.db';

/** Run names end up in URLs, file names and job names: keep them to a safe, readable alphabet. */
const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const USAGE = `usage: trainboard import FILE --run NAME [--db PATH] [--restart] [--json]

Imports a Megatron-DeepSpeed log (e.g. main_log.txt) into the database. Importing the same file again adds
only what was appended since; an interrupted import continues where it stopped.

  --run NAME    run to import into (created if needed): letters, digits, '.', '_', '-'
  --db PATH     database file (default ${DEFAULT_DB_PATH}, its folder is created)
  --restart     forget what was imported from FILE before and import it again from the start
                (for a file that was replaced or truncated)
  --json        print the final summary as one JSON object
`;

const COMMAND = { name: 'import', usage: USAGE };

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(COMMAND, argv, io, {
    run: { type: 'string' },
    db: { type: 'string' },
    restart: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  if (positionals.length !== 1)
    return usageError(COMMAND, io, positionals.length === 0 ? 'missing FILE' : 'import takes exactly one FILE');
  if (values.run === undefined) return usageError(COMMAND, io, 'missing --run NAME');
  if (!RUN_NAME.test(values.run)) {
    return usageError(
      COMMAND,
      io,
      `invalid run name ${JSON.stringify(values.run)}: use letters, digits, '.', '_' and '-' (at most 128)`,
    );
  }
  const file = positionals[0] as string;
  const dbPath = resolve(values.db ?? DEFAULT_DB_PATH);
  const log = pino(
    { name: 'trainboard-import', level: process.env.TRAINBOARD_LOG_LEVEL ?? 'warn' },
    pino.destination({ dest: 2, sync: true }),
  );

  let conn;
  try {
    conn = openDatabase(dbPath);
  } catch (err) {
    io.stderr.write(`trainboard import: cannot open database ${dbPath}: ${(err as Error).message}\n`);
    return 1;
  }
  const progress = createProgress(io.stderr);
  try {
    const result = await importLogFile({
      conn,
      runName: values.run,
      path: file,
      restart: values.restart,
      onProgress: progress.update,
    });
    progress.done();
    // Nothing follows an imported run: its incidents come from one replay of what is now stored.
    const incidents = detectStoredRun(createRepositories(conn.sqlite), result.runId);
    log.info({ ...result, db: dbPath, incidents: incidents.length }, 'import finished');
    io.stdout.write(
      values.json
        ? `${JSON.stringify({ run: values.run, db: dbPath, ...result, incidents: incidentCounts(incidents) })}\n`
        : `${formatResult(values.run, result)}\n${formatIncidents(incidents)}\n`,
    );
    return 0;
  } catch (err) {
    progress.done();
    io.stderr.write(`trainboard import: ${describeError(file, err)}\n`);
    if (err instanceof FileIdentityError) {
      io.stderr.write(
        `  Nothing was written. To import the new content from the start, run again with --restart\n` +
          `  (this removes the rows imported from the old file), or import it under another --run name.\n`,
      );
    } else if (!isFsError(err) && !(err instanceof ConcurrentIngestError)) {
      log.error({ err, file, db: dbPath }, 'import failed');
    }
    return 1;
  } finally {
    conn.close();
  }
}

function incidentCounts(incidents: readonly Incident[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const i of incidents) counts[i.kind] = (counts[i.kind] ?? 0) + 1;
  return counts;
}

function formatIncidents(incidents: readonly Incident[]): string {
  if (!incidents.length) return 'incidents: none';
  const parts = Object.entries(incidentCounts(incidents)).map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind));
  return `incidents: ${parts.join(', ')} (see the run's incidents panel, or trainboard detect FILE)`;
}

function isFsError(err: unknown): err is NodeJS.ErrnoException {
  return (
    err instanceof Error &&
    typeof (err as NodeJS.ErrnoException).code === 'string' &&
    (err as NodeJS.ErrnoException).syscall !== undefined
  );
}

function describeError(file: string, err: unknown): string {
  if (err instanceof FileIdentityError) return err.message;
  if (err instanceof ConcurrentIngestError) {
    return (
      `${file}: another import (or the server following this file) wrote to it at the same time; ` +
      'this import stopped without writing its last batch. Run it again when the other one is done.'
    );
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `cannot read ${file}: no such file`;
  if (code === 'EACCES') return `cannot read ${file}: permission denied`;
  if (code === 'EISDIR' || code === 'ENOTFILE') return `cannot read ${file}: not a regular file`;
  return `import of ${file} failed: ${(err as Error).message}`;
}

const fmt = new Intl.NumberFormat('en-US');
const count = (n: number, noun: string) => `${fmt.format(n)} ${noun}${n === 1 ? '' : 's'}`;

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(2)} GiB`;
}

function formatResult(runName: string, r: ImportResult): string {
  if (r.toOffset === r.fromOffset) {
    return `${r.path}: nothing new (all ${formatBytes(r.size)} already imported into run '${runName}')`;
  }
  const seconds = r.elapsedMs / 1000;
  const rate = seconds > 0 ? ` (${fmt.format(Math.round(r.lines / seconds))} lines/s)` : '';
  const resumed = r.fromOffset > 0 ? `, resumed at byte ${fmt.format(r.fromOffset)}` : '';
  const dup = r.counts.duplicates > 0 ? `, ${fmt.format(r.counts.duplicates)} already stored` : '';
  return (
    `imported ${r.path} into run '${runName}': ${count(r.lines, 'line')}, ${formatBytes(r.toOffset - r.fromOffset)} in ${seconds.toFixed(1)} s${rate}${resumed}; ` +
    `${count(r.counts.iterations, 'iteration')}, ${count(r.counts.validations, 'validation')}, ${count(r.counts.events, 'event')}${dup}; ` +
    `${count(r.unknownLines, 'unknown line')}`
  );
}

/** A one-line progress display redrawn at most 5 times a second, only when stderr is a terminal. */
function createProgress(stderr: NodeJS.WritableStream): { update: (p: ImportProgress) => void; done: () => void } {
  const tty = (stderr as NodeJS.WriteStream).isTTY === true;
  let last = 0;
  let shown = false;
  return {
    update(p) {
      if (!tty || p.elapsedMs - last < 200) return;
      last = p.elapsedMs;
      const seconds = p.elapsedMs / 1000;
      const pct = p.size > 0 ? ((100 * p.position) / p.size).toFixed(1) : '100.0';
      const lineRate = seconds > 0 ? Math.round(p.lines / seconds) : 0;
      const byteRate = seconds > 0 ? p.bytes / seconds : 0;
      stderr.write(
        `\r\x1b[2Kimporting: ${pct}%  ${formatBytes(p.position)} / ${formatBytes(p.size)}  ${fmt.format(p.lines)} lines  ` +
          `${fmt.format(lineRate)} lines/s  ${formatBytes(byteRate)}/s`,
      );
      shown = true;
    },
    done() {
      if (shown) stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}
