// The stream cursor of a log source that is not a byte-addressable file (log_sources.stream_cursor, JSON): read when
// a follower (re)starts, written inside the same transaction as the rows and the parser's byte cursor.
import type Database from 'better-sqlite3';

export interface StreamCursorRepo {
  /** The stored JSON, parsed; null when none was stored yet. The caller validates its shape. */
  read(sourceId: number): unknown;
  /** Stores `cursor`; call inside the transaction that commits the rows it covers. */
  write(sourceId: number, cursor: unknown): void;
}

export function createStreamCursorRepo(sqlite: Database.Database): StreamCursorRepo {
  const select = sqlite.prepare('SELECT stream_cursor AS c FROM log_sources WHERE id = ?');
  const update = sqlite.prepare('UPDATE log_sources SET stream_cursor = ? WHERE id = ?');
  return {
    read(sourceId) {
      const row = select.get(sourceId) as { c: string | null } | undefined;
      if (!row) throw new Error(`log source ${sourceId} does not exist`);
      return row.c === null ? null : (JSON.parse(row.c) as unknown);
    },
    write(sourceId, cursor) {
      const moved = update.run(JSON.stringify(cursor), sourceId);
      if (moved.changes !== 1) throw new Error(`log source ${sourceId} does not exist`);
    },
  };
}
