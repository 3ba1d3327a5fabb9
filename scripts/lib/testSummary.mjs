// Sums the vitest JSON reports of every workspace into the plain closing line CI reads:
// "N passed, N failed" (", N skipped" when any). Exits 1 when any test failed or no report was written.
import { existsSync, readFileSync } from 'node:fs';

const workspaces = ['shared', 'server', 'web', 'tests'];
let passed = 0,
  failed = 0,
  skipped = 0,
  reports = 0;
for (const ws of workspaces) {
  const file = `${ws}/test-output/vitest.json`;
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  reports++;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  console.log(
    `  ${ws.padEnd(7)} ${r.numPassedTests} passed, ${r.numFailedTests} failed${r.numPendingTests ? `, ${r.numPendingTests} skipped` : ''}`,
  );
}
if (reports === 0) console.error('no vitest report found: did the tests run?');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || reports === 0 ? 1 : 0);
