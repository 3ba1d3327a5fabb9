import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './sha256.js';
import {
  DNS_LABEL,
  K8sNameError,
  MAX_OBJECT_NAME,
  nameHash,
  numericJobId,
  toK8sName,
  validateK8sJobId,
  validateNamespace,
  validateNodeName,
} from './names.js';

describe('sha256Hex', () => {
  it('matches node:crypto on empty, short, multi-block and non-ASCII input', () => {
    for (const s of ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(200), 'ünï ✓'])
      expect(sha256Hex(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
  });
});

describe('toK8sName', () => {
  it('keeps a name that already is a DNS label, prefixed', () => {
    expect(toK8sName('run1')).toBe('tb-run1');
    expect(toK8sName('x-y')).toBe('tb-x-y');
  });

  it('adds a hash when anything changed, so case and punctuation never collide', () => {
    const a = toK8sName('RUN1');
    const b = toK8sName('run_1');
    const c = toK8sName('run.1');
    expect(a).toMatch(/^tb-run1-[0-9a-f]{8}$/);
    expect(new Set([a, b, c, toK8sName('run1')]).size).toBe(4);
    expect(toK8sName('My_Run.v2')).toBe(`tb-my-run-v2-${sha256Hex('My_Run.v2').slice(0, 8)}`);
  });

  it('keeps keyed names (base.tb.install.id) distinct and within the length limit', () => {
    const names = ['a'.repeat(40) + '.tb.abc123.7', 'a'.repeat(40) + '.tb.abc123.8', 'A'.repeat(64), 'run1-'];
    const mapped = names.map(toK8sName);
    expect(new Set(mapped).size).toBe(names.length);
    for (const m of mapped) {
      expect(m.length).toBeLessThanOrEqual(MAX_OBJECT_NAME);
      expect(m).toMatch(DNS_LABEL);
      expect(m).toMatch(/^[a-z]/); // a Service name must start with a letter (RFC 1035)
      expect(`${m}-999`.length).toBeLessThanOrEqual(63); // pod hostname <job>-<index>
    }
  });

  it('refuses hostile and invalid names with the Slurm rule message', () => {
    for (const bad of [
      '',
      '../etc',
      'a b',
      '-x',
      '.x',
      'ünï',
      'a\nb',
      'a;rm -rf /',
      '$(id)',
      'a/b',
      'x'.repeat(65),
      'a\u0000b',
    ])
      expect(() => toK8sName(bad), JSON.stringify(bad)).toThrow(K8sNameError);
    expect(() => toK8sName('a b')).toThrow(/must be letters, digits, \., _, -/);
  });
});

describe('ids and validators', () => {
  it('numericJobId is deterministic, digits only, 1..12 digits', () => {
    const ids = ['tb-run1', 'tb-run2', 'tb-x'].map(numericJobId);
    expect(ids[0]).toBe(numericJobId('tb-run1'));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(validateK8sJobId(id)).toBe(id);
  });

  it('nameHash is 16 hex digits (a valid label value)', () => {
    expect(nameHash('My_Run.v2')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses namespaces, node names and job ids that are not DNS names / digits', () => {
    expect(validateNamespace('ml-team')).toBe('ml-team');
    for (const bad of ['', 'ML', 'a/b', '../x', 'a.b', 'x'.repeat(64), 'a\nb'])
      expect(() => validateNamespace(bad)).toThrow(K8sNameError);
    expect(validateNodeName('gpu-node-07.example.com')).toBe('gpu-node-07.example.com');
    for (const bad of ['Node1', 'a b', 'a/../b', '-a', '']) expect(() => validateNodeName(bad)).toThrow(K8sNameError);
    for (const bad of ['0', '12a', '', '1'.repeat(13), '1 2'])
      expect(() => validateK8sJobId(bad)).toThrow(K8sNameError);
  });
});
