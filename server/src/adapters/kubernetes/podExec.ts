// One command run in a pod's container through the API server's exec subresource (client-node 1.4.0 `Exec`, a
// WebSocket on the channel protocol: 1 stdout, 2 stderr, 3 the final Status). The command is an argv list sent as
// repeated `command=` query parameters and executed by the container runtime without a shell, so no argument is
// ever parsed as shell text. Used for the kill switch (touch the file in the run folder the pods mount).
import { PassThrough, type Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { validateNamespace, validateObjectName } from '@trainboard/shared/k8s/names';
import { ShellError } from '../shell.js';

export interface PodExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** The command ran and exited non-zero (Status `NonZeroExitCode`), or the runtime refused it (another Failure). */
export class PodExecError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'PodExecError';
  }
}

const MAX_OUTPUT = 4096;

/** Keeps the first bytes of a stream (a command's stderr is for the error message, not to be stored whole). */
function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => {
    if (text.length < MAX_OUTPUT) text += c.toString('utf8').slice(0, MAX_OUTPUT - text.length);
  });
  return { stream, text: () => text };
}

interface ExecStatus {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

function exitCodeOf(s: ExecStatus): number | null {
  const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
  return cause?.message && /^\d+$/.test(cause.message) ? Number(cause.message) : null;
}

/**
 * Runs `argv` in the container and resolves when it exited 0. Rejects with PodExecError (non-zero exit, runtime
 * refusal), ShellError('timeout') when no Status came within `timeoutMs` (the socket is closed), or ShellError
 * ('connect') when the upgrade failed (pod gone, not running, forbidden: the server's HTTP answer).
 */
export async function execInPod(
  kc: k8s.KubeConfig,
  t: PodExecTarget,
  argv: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  // Exec does not encode path parameters: names are checked to be DNS labels first.
  const namespace = validateNamespace(t.namespace);
  const pod = validateObjectName(t.pod);
  const container = validateObjectName(t.container);
  if (argv.length === 0) throw new Error('exec: empty command');
  const out = capture();
  const err = capture();
  type Outcome = ExecStatus | 'closed' | 'timeout';
  let settle: (o: Outcome) => void = () => undefined;
  const outcome = new Promise<Outcome>((r) => (settle = r));
  // One bound for the whole exec: the upgrade (a server that never answers it) and the command's status.
  const timer = setTimeout(() => settle('timeout'), timeoutMs);
  const what = `exec ${argv[0]} in pod ${namespace}/${pod}`;
  const opening = new k8s.Exec(kc).exec(
    namespace,
    pod,
    container,
    [...argv],
    out.stream,
    err.stream,
    null,
    false,
    (st) => settle(st as ExecStatus),
  );
  let ws: Awaited<typeof opening> | 'timeout';
  try {
    // The status may come before `opening` resolves (frames follow the upgrade at once): only the timer races it.
    const timedOut = outcome.then((o) => (o === 'timeout' ? o : new Promise<never>(() => undefined)));
    ws = await Promise.race([opening, timedOut]);
  } catch (e) {
    clearTimeout(timer);
    const m = /Unexpected server response: (\d+)/.exec(String((e as { message?: unknown }).message ?? e));
    const why = m ? `the API server answered ${m[1]}` : 'cannot reach the API server';
    throw new ShellError('connect', `${what}: ${why}`, { cause: e });
  }
  if (ws === 'timeout') {
    void opening.then(
      (late) => late.close(),
      () => undefined,
    ); // an upgrade answered after all is closed at once
    throw new ShellError('timeout', `${what}: no answer in ${timeoutMs} ms`);
  }
  ws.on('close', () => settle('closed'));
  let s: Outcome;
  try {
    s = await outcome;
  } finally {
    clearTimeout(timer);
    ws.close();
  }
  if (s === 'timeout') throw new ShellError('timeout', `${what}: no answer in ${timeoutMs} ms`);
  if (s === 'closed') throw new ShellError('closed', `${what}: the connection closed before the command's status`);
  if (s.status === 'Success') return;
  const code = exitCodeOf(s);
  const stderr = err.text().trim();
  throw new PodExecError(
    `${what}: ${code !== null ? `exit code ${code}` : `${s.reason ?? 'failed'} ${s.message ?? ''}`.trim()}` +
      (stderr ? `: ${stderr}` : ''),
    code,
    stderr,
  );
}
