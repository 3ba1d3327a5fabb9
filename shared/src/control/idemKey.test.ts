import { describe, expect, it } from 'vitest';
import { jobNameWithKey, keyFromJobName, makeIdemKey } from './idemKey.js';

describe('idempotency keys', () => {
  it('puts the key at the end of the job name and reads it back', () => {
    const key = makeIdemKey('ab12cd', 42);
    expect(key).toBe('tb.ab12cd.42');
    expect(jobNameWithKey('demo', key)).toBe('demo.tb.ab12cd.42');
    expect(keyFromJobName('demo.tb.ab12cd.42')).toBe(key);
  });

  it('keeps every keyed name within Slurm’s 64 characters and the NAME alphabet', () => {
    const name = jobNameWithKey('x'.repeat(100) + ';rm -rf /', makeIdemKey('ab12cd', 999_999_999_999));
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
    expect(jobNameWithKey('-;$(x)', 'tb.ab12cd.1')).toBe('x-.tb.ab12cd.1');
  });

  it('finds no key in names Trainboard did not give', () => {
    expect(keyFromJobName('train.sh')).toBeNull();
    expect(keyFromJobName('mytb.ab12cd.4')).toBeNull();
    expect(() => makeIdemKey('AB', 1)).toThrow();
  });
});
