// The real BigScience log excerpts, kept beside the clone (../shared/fixtures/megatron-logs, as CI lays it out):
// where they are and every file's name relative to that folder.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/megatron-logs/', import.meta.url));

/** Every fixture file below `dir`, relative to FIXTURES (the folder's SOURCE.md is not a log). */
export function listFixtures(dir = FIXTURES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? listFixtures(join(dir, d.name))
      : d.name === 'SOURCE.md'
        ? []
        : [relative(FIXTURES, join(dir, d.name))],
  );
}
