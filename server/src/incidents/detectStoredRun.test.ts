// An imported run shows the incidents `trainboard detect` prints for its file: every real fixture imported into a
// database, then detected from the stored rows, gives the same kinds, failure kinds, severities and evidence
// offsets as the offline replay of the file; importing again (nothing new) changes no stored incident.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Incident } from '@trainboard/shared/detect/incident';
import { runDetectors } from '@trainboard/shared/detect/runDetectors';
import { parseChunks } from '@trainboard/shared/testing/parseAll';
import { FIXTURES, listFixtures } from '@trainboard/shared/testing/realFixtures.node';
import { openDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import { importLogFile } from '../ingest/importFile.js';
import { detectStoredRun } from './detectStoredRun.js';

const summary = (i: Pick<Incident, 'kind' | 'failureKind' | 'severity' | 'offset'>) =>
  `${i.kind}${i.failureKind ? `/${i.failureKind}` : ''}:${i.severity}@${i.offset}`;

describe('incidents of an imported run', () => {
  const names = listFixtures().sort();

  it('are those of trainboard detect, for every real fixture', async () => {
    let withIncidents = 0;
    for (const name of names) {
      const path = join(FIXTURES, name);
      const offline = runDetectors(parseChunks(readFileSync(path)).events).map(summary);
      const conn = openDatabase(':memory:');
      try {
        const { runId } = await importLogFile({ conn, runName: 'imported', path });
        const repos = createRepositories(conn.sqlite);
        detectStoredRun(repos, runId);
        const stored = repos.incidents.list(runId).map(summary).sort();
        expect(stored, name).toEqual([...offline].sort());
        if (stored.length) withIncidents++;
        // Importing again finds nothing new: the same keys, nothing added.
        detectStoredRun(repos, runId);
        expect(repos.incidents.list(runId).length, name).toBe(stored.length);
      } finally {
        conn.close();
      }
    }
    // The fixture table (shared/src/detect/fixtures.test.ts) names 12 fixtures with incidents.
    expect(withIncidents).toBe(12);
  });
});
