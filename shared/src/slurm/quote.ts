// Every value that reaches a remote shell goes through shellQuote: the SSH protocol carries one command string,
// which the login node's shell parses, so an argv array must be turned into text that parses back to exactly it.

/** Thrown for values no quoting can carry (NUL bytes end C strings on the far side). */
export class UnquotableError extends Error {
  constructor(readonly value: string) {
    super('value contains a NUL byte and cannot be passed to a remote command');
    this.name = 'UnquotableError';
  }
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * POSIX-shell quoting: the result, parsed by sh/bash/dash/zsh, is the one word `value`, whatever it contains
 * (`;`, `$(…)`, backticks, quotes, newlines, unicode). Plain tokens stay readable.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new UnquotableError(value);
  if (SAFE.test(value)) return value;
  // Inside single quotes nothing is special except the closing quote: close, add an escaped quote, reopen.
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command line that a remote shell splits back into exactly `argv`. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('empty command');
  return argv.map(shellQuote).join(' ');
}
