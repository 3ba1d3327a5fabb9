// `trainboard follow PATH --run NAME [--db PATH]`: registers a log file on the cluster to be followed live by the
// server (server/src/main.ts) while the run is pending or running. The file may not exist yet (job pending).
import { resolve } from 'node:path';
import { parseCommandArgs, usageError } from '../args.js';
import type { CliIo } from '../args.js';
import { openDatabase } from '../../db/client.js';
import { registerFollowedFile } from '../../follow/followedSources.js';

const DEFAULT_DB_PATH = '.trainboard/trainboard.db';
/** As for `trainboard import`: run names end up in URLs, file names and job names. */
const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const USAGE = `usage: trainboard follow PATH --run NAME [--db PATH]

Registers PATH, an absolute path on the cluster (e.g. the job's main_log.txt), as a log file of run NAME (created
if needed, marked running). The server reads it over SSH from where it stopped, live, until the run ends.

  --run NAME    letters, digits, '.', '_', '-'
  --db PATH     database file (default ${DEFAULT_DB_PATH})
`;
const COMMAND = { name: 'follow', usage: USAGE };

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(COMMAND, argv, io, {
    run: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  if (positionals.length !== 1)
    return usageError(COMMAND, io, positionals.length === 0 ? 'missing PATH' : 'follow takes exactly one PATH');
  if (values.run === undefined) return usageError(COMMAND, io, 'missing --run NAME');
  if (!RUN_NAME.test(values.run)) return usageError(COMMAND, io, `invalid run name ${JSON.stringify(values.run)}`);
  const path = positionals[0] as string;
  // Any byte may be in a file name and the path never meets a shell unquoted; control characters are refused
  // because they are never what an operator meant and they garble every message that shows the path.
  if (!path.startsWith('/') || [...path].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) {
    return usageError(
      COMMAND,
      io,
      `PATH must be an absolute path on the cluster without control characters, got ${JSON.stringify(path)}`,
    );
  }
  const dbPath = resolve(values.db ?? DEFAULT_DB_PATH);
  let conn;
  try {
    conn = openDatabase(dbPath);
  } catch (err) {
    io.stderr.write(`trainboard follow: cannot open database ${dbPath}: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    const source = registerFollowedFile(conn.db, values.run, path);
    io.stdout.write(`run ${values.run}: following ${path} (log source ${source.id}, from byte ${source.byteOffset})\n`);
    return 0;
  } finally {
    conn.close();
  }
}
