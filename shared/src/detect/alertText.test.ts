import { describe, expect, it } from 'vitest';
import type { StoredIncident } from './incidentApi.js';
import { alertText, oneLine } from './alertText.js';

const crash: StoredIncident = {
  id: 7,
  runId: 12,
  jobId: '1234',
  key: 'crash@100',
  kind: 'node_failure',
  severity: 'critical',
  failureKind: null,
  title: 'Node jz-gpu-12 failed',
  iteration: 12345,
  offset: 100,
  evidence: [],
  suggestedAction: {
    kind: 'exclude_and_resubmit',
    nodes: ['jz-gpu-12'],
    text: 'Exclude jz-gpu-12 and resubmit from iteration 12000',
  },
  workLostIterations: 345,
  openedAtMs: Date.UTC(2026, 11, 6, 19, 30, 5),
  resolvedAtMs: null,
};
const run = { runId: 12, runName: 'bloom-176b', runUrl: 'https://dash.example.org/runs/12' };

describe('alertText', () => {
  it('says the run, kind, severity, title, iteration, work lost, the action and the link in words', () => {
    const { subject, text } = alertText('opened', crash, run);
    expect(subject).toBe('[Trainboard] CRITICAL node failure on run bloom-176b (#12): Node jz-gpu-12 failed');
    expect(text.split('\n')).toEqual([
      'CRITICAL incident on run bloom-176b (#12): Node jz-gpu-12 failed',
      'Kind: node failure',
      'Severity: critical',
      'Iteration: 12,345',
      'Work lost: 345 iterations since the last save',
      'Suggested action: Exclude jz-gpu-12 and resubmit from iteration 12000',
      'Opened: 2026-12-06 19:30:05 UTC',
      'Run page: https://dash.example.org/runs/12',
    ]);
  });

  it('says "unknown", "none known" and "none" when the incident does not know, and no link without an address', () => {
    const bare = {
      ...crash,
      kind: 'crash' as const,
      failureKind: 'cuda_error',
      iteration: null,
      workLostIterations: null,
      suggestedAction: null,
      openedAtMs: 5_000,
    };
    const { text } = alertText('opened', bare, { ...run, runUrl: null });
    expect(text).toContain('Kind: crash (cuda error)');
    expect(text).toContain('Iteration: unknown');
    expect(text).toContain('Work lost: none known');
    expect(text).toContain('Suggested action: none');
    expect(text).not.toContain('Opened:'); // a log-relative time, not a date
    expect(text).not.toContain('Run page');
  });

  it('the resolve notice names the incident, when it opened and resolved', () => {
    const { subject, text } = alertText('resolved', { ...crash, resolvedAtMs: Date.UTC(2026, 11, 6, 20, 0) }, run);
    expect(subject).toBe('[Trainboard] Resolved: node failure on run bloom-176b (#12)');
    expect(text).toContain('Resolved on run bloom-176b (#12): Node jz-gpu-12 failed');
    expect(text).toContain('Opened: 2026-12-06 19:30:05 UTC\nResolved: 2026-12-06 20:00:00 UTC');
  });

  it('keeps log text to one bounded line: no header injection through a title', () => {
    const { subject } = alertText('opened', { ...crash, title: 'boom\r\nBcc: x@evil.example' + 'x'.repeat(400) }, run);
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.length).toBeLessThanOrEqual(200);
    expect(oneLine('a\tb\u0000c')).toBe('a b c');
  });
});
