import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectText, iterLines, kinds } from '../../testing/detectLog.js';

const c07 = readFileSync(
  join(
    resolve(dirname(fileURLToPath(import.meta.url)), '../../../..'),
    'tests/fixtures/logs/constructed/c07-kill-switch.log',
  ),
  'utf8',
);

describe('kill switch detector (F18)', () => {
  it('constructed C7: the save-and-exit and the next member’s immediate exit are one info incident', () => {
    const incidents = detectText(iterLines(49528, 49530) + c07);
    const ks = incidents.filter((i) => i.kind === 'kill_switch');
    expect(ks).toHaveLength(1);
    expect(ks[0]).toMatchObject({ severity: 'info', details: { exits: 2 }, suggestedAction: { kind: 'none' } });
    expect(ks[0]?.evidence).toHaveLength(2);
    // The second member's banner is a restart, not a crash; no hang after exits.
    expect(kinds(incidents).sort()).toEqual(['kill_switch', 'restart']);
  });
});
