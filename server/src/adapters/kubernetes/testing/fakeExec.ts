// The exec subresource of the fake API server (fakeKubeApi.ts), as the real one answers it (K8S-NOTES §6.1):
// `GET /api/v1/namespaces/{ns}/pods/{pod}/exec?command=…&container=…` upgraded to a WebSocket with subprotocol
// v4.channel.k8s.io; binary frames whose first byte is the channel (1 stdout, 2 stderr, 3 the final Status JSON:
// `{"status":"Success"}` or a Failure `NonZeroExitCode` with the exit code in details.causes), then a close. A
// missing pod is refused with 404 before the upgrade, a pod that is not running or an unknown container with 400,
// as the API server does. The argv of every exec is recorded; what a command answers is the test's choice.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Obj } from './fakeKubeApi.js';

export interface ExecCall {
  namespace: string;
  pod: string;
  container: string | null;
  command: string[];
  /** The subprotocol agreed. */
  protocol: string;
}

/** What a command does: its output and exit code (0: Success), or `hang` (never answers). */
export interface ExecAnswer {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  hang?: boolean;
}

export type ExecHandler = (call: ExecCall) => ExecAnswer;

const PROTOCOL = 'v4.channel.k8s.io';

function frame(channel: number, text: string): Buffer {
  return Buffer.concat([Buffer.from([channel]), Buffer.from(text, 'utf8')]);
}

function statusOf(call: ExecCall, exitCode: number): Obj {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message:
      `command terminated with non-zero exit code: error executing command [${call.command.join(' ')}], ` +
      `exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** Answers an HTTP request on the raw socket of an upgrade that is refused (the client sees a non-101 answer). */
export function refuseUpgrade(socket: Duplex, code: number, body: Obj): void {
  const text = JSON.stringify(body);
  const reason = code === 404 ? 'Not Found' : code === 401 ? 'Unauthorized' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
      `Connection: close\r\n\r\n${text}`,
  );
}

export class FakeExec {
  readonly calls: ExecCall[] = [];
  handler: ExecHandler = () => ({ exitCode: 0 });
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered: Set<string>) => (offered.has(PROTOCOL) ? PROTOCOL : false),
  });

  /**
   * The upgrade of a checked exec request on a pod that exists, runs and has the container (the caller's checks):
   * records the call and answers it with the handler's output.
   */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, target: Omit<ExecCall, 'protocol'>): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const call = { ...target, protocol: ws.protocol };
      this.calls.push(call);
      const a = this.handler(call);
      if (a.hang) return;
      if (a.stdout) ws.send(frame(1, a.stdout));
      if (a.stderr) ws.send(frame(2, a.stderr));
      ws.send(frame(3, JSON.stringify(statusOf(call, a.exitCode ?? 0))));
      ws.close(1000);
    });
  }

  close(): void {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
  }
}
