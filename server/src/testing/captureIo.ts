// A CliIo whose output is collected as text, for running commands in-process in tests (imported by tests only).
import { PassThrough } from 'node:stream';
import type { CliIo } from '../cli/args.js';

export interface CapturedIo extends CliIo {
  out: () => string;
  err: () => string;
}

export function captureIo(): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.out.push(c));
  stderr.on('data', (c: Buffer) => chunks.err.push(c));
  return {
    stdout,
    stderr,
    out: () => Buffer.concat(chunks.out).toString('utf8'),
    err: () => Buffer.concat(chunks.err).toString('utf8'),
  };
}
