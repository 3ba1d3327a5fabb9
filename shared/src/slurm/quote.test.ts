import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote, UnquotableError } from './quote.js';

const HOSTILE = [
  '; rm -rf ~',
  '$(touch /tmp/pwned)',
  '`id`',
  "it's",
  '"double" and \'single\'',
  'line1\nline2',
  'tab\there',
  '${HOME}',
  '*',
  '~',
  '-rf',
  '',
  ' leading and trailing ',
  'ünïcødé ✓ 日本',
  "'; echo 'x",
  '\\',
  '!history',
  'a|b&c>d<e',
];

/** What a real shell makes of the quoted words: each argument NUL-terminated. */
function roundTrip(shell: string, words: string[]): string[] {
  const r = spawnSync(shell, ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it.each(['sh', 'bash'])('%s parses every hostile string back to itself', (shell) => {
    expect(roundTrip(shell, HOSTILE)).toEqual(HOSTILE);
  });

  it('leaves plain tokens readable and quotes everything else', () => {
    expect(shellQuote('--job-name=train_1')).toBe('--job-name=train_1');
    expect(shellQuote('c[1-2]')).toBe("'c[1-2]'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
  });

  it('refuses NUL bytes, which no remote command can receive', () => {
    expect(() => shellQuote('a\0b')).toThrow(UnquotableError);
  });

  it('joins an argv into one command line', () => {
    expect(shellCommand(['squeue', '-j', '1,2', '-o', '%i|%T'])).toBe("squeue -j 1,2 -o '%i|%T'");
    expect(() => shellCommand([])).toThrow(/empty/);
  });
});
