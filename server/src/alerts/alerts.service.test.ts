// The alerts service end to end, against real receivers on loopback: a Slack-style HTTP receiver (node:http) and
// a real SMTP server (smtp-server), fed incident changes the way the incidents service emits them. It checks the
// words that arrive, the dedupe (open, updates, resolve), retries after a 500 and an SMTP 451, the give-up on a
// 4xx/550, a receiver that hangs (timeout, bounded tries), that emitting never waits on a receiver, and that
// no secret (webhook URL, SMTP password) reaches the log. Waits between tries are recorded, not slept.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertRouting } from '@trainboard/shared/detect/alerting';
import type { IncidentChange, StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories, type Repositories } from '../db/repositories.js';
import { findOrCreateRun } from '../db/runs.repo.js';
import { alertsKey } from './alertsConfig.service.js';
import { createAlertsService, type AlertsService, type AlertsServiceDeps } from './alerts.service.js';
import type { Delay } from './delivery.js';
import { createEmailSender } from './email.js';

type Behaviour = number | 'hang';

/** A webhook receiver answering each request with the next behaviour of `script` (the last one repeats). */
async function receiver(script: Behaviour[]) {
  const bodies: { path: string; body: unknown }[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body: JSON.parse(raw) as unknown });
      const b = script[Math.min(bodies.length - 1, script.length - 1)]!;
      if (b === 'hang') return void held.push(res);
      res.writeHead(b, { 'content-type': 'text/plain' }).end(b === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T0/B0/hooksecret`,
    bodies,
    texts: () => bodies.map((b) => (b.body as { text: string }).text),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** The message with folded headers unfolded and the quoted-printable body decoded. */
const readable = (raw: string) =>
  raw
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));

interface Mail {
  from: string;
  to: string[];
  raw: string;
  user: string | undefined;
}

/** A real SMTP server on loopback; `replies` are the SMTP codes for each message's DATA in turn (250 = accept). */
async function smtp(replies: number[] = [250]) {
  const mails: Mail[] = [];
  let n = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    closeTimeout: 100,
    onAuth(auth, _session, cb) {
      if (auth.username === 'alerts' && auth.password === 'smtp-pa55') return cb(null, { user: auth.username });
      cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => {
        const code = replies[Math.min(n++, replies.length - 1)]!;
        if (code !== 250) return cb(Object.assign(new Error('not now'), { responseCode: code }));
        const to = session.envelope.rcptTo.map((a) => a.address);
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        mails.push({ from, to, raw: readable(raw), user: session.user as string | undefined });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://alerts:smtp-pa55@127.0.0.1:${port}`,
    mails,
    attempts: () => n,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The incidents service's side: listeners and an emit that returns what they did synchronously. */
function source() {
  const listeners = new Set<(c: IncidentChange) => void>();
  return {
    onChange(l: (c: IncidentChange) => void) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    emit(c: IncidentChange) {
      for (const l of listeners) l(c);
    },
    count: () => listeners.size,
  };
}

const crash = (over: Partial<StoredIncident> = {}): StoredIncident => ({
  id: 41,
  runId: 0,
  jobId: '777',
  key: 'crash@4096',
  kind: 'crash',
  severity: 'critical',
  failureKind: 'cuda_error',
  title: 'CUDA error: an illegal memory access was encountered on jz-gpu-12',
  iteration: 5210,
  offset: 4096,
  evidence: [{ offset: 4096, line: 80, text: 'RuntimeError: CUDA error' }],
  suggestedAction: { kind: 'resubmit', text: 'Resubmit from iteration 5000' },
  workLostIterations: 210,
  openedAtMs: Date.UTC(2026, 11, 6, 19, 40),
  resolvedAtMs: null,
  ...over,
});

let conn: OpenDatabase;
let repos: Repositories;
let runId: number;
let logLines: string[];
let service: AlertsService | null;
const closers: (() => Promise<void>)[] = [];
const waits: number[] = [];
const noWait: Delay = async (ms) => (waits.push(ms), true);

beforeEach(() => {
  conn = openDatabase(':memory:');
  repos = createRepositories(conn.sqlite);
  runId = findOrCreateRun(conn.db, 'bloom-176b').id;
  logLines = [];
  waits.length = 0;
  service = null;
});
afterEach(async () => {
  service?.stop();
  for (const close of closers.splice(0)) await close();
  conn.close();
});

function route(routing: AlertRouting) {
  repos.settings.set(alertsKey(runId), JSON.stringify(routing));
}

function start(src: ReturnType<typeof source>, over: Partial<AlertsServiceDeps> = {}) {
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logLines.push(s) });
  service = createAlertsService({
    source: src,
    repos,
    logger,
    email: null,
    publicBaseUrl: 'https://dash.example.org/',
    retry: { attempts: 3, backoffMs: (n) => 1000 * n },
    delay: noWait,
    ...over,
  });
  return service;
}

const change = (c: IncidentChange['change'], over: Partial<StoredIncident> = {}): IncidentChange => ({
  change: c,
  incident: crash({ runId, ...over }),
});

describe('alerts to a Slack-style webhook', () => {
  it('posts one alert on open in words, nothing on updates, one resolve notice', async () => {
    const hook = await receiver([200]);
    closers.push(hook.close);
    route({ enabled: true, channels: [{ kind: 'webhook', id: 'chat', minSeverity: 'warning', url: hook.url }] });
    const src = source();
    const s = start(src);
    src.emit(change('opened'));
    src.emit(change('updated', { title: 'still broken' }));
    src.emit(change('updated'));
    src.emit(change('resolved', { resolvedAtMs: Date.UTC(2026, 11, 6, 20, 5) }));
    await s.idle();
    const texts = hook.texts();
    expect(texts).toHaveLength(2);
    expect(texts[0]!.split('\n')).toEqual([
      'CRITICAL incident on run bloom-176b (#1): CUDA error: an illegal memory access was encountered on jz-gpu-12',
      'Kind: crash (cuda error)',
      'Severity: critical',
      'Iteration: 5,210',
      'Work lost: 210 iterations since the last save',
      'Suggested action: Resubmit from iteration 5000',
      'Opened: 2026-12-06 19:40:00 UTC',
      'Run page: https://dash.example.org/runs/1',
    ]);
    expect(texts[1]).toMatch(/^Resolved on run bloom-176b \(#1\): CUDA error/);
    expect(texts[1]).toContain('Resolved: 2026-12-06 20:05:00 UTC');
    expect(hook.bodies[0]!.path).toBe('/services/T0/B0/hooksecret');
    expect(s.stats()).toEqual({ sent: 2, failed: 0, dropped: 0, skipped: 0 });
  });

  it('retries a 500 after waiting, then delivers; the emit itself returns before any request', async () => {
    const hook = await receiver([500, 200]);
    closers.push(hook.close);
    route({ enabled: true, channels: [{ kind: 'webhook', id: 'chat', minSeverity: 'info', url: hook.url }] });
    const src = source();
    const s = start(src);
    src.emit(change('opened'));
    expect(hook.bodies).toHaveLength(0); // nothing was awaited inside emit
    await s.idle();
    expect(hook.bodies).toHaveLength(2);
    expect(waits).toEqual([1000]);
    expect(s.stats().sent).toBe(1);
    expect(logLines.join('')).toMatch(/"attempts":2.*"msg":"alert sent"/);
  });

  it('gives up after the bounded tries on repeated 5xx, and at once on a 4xx', async () => {
    const down = await receiver([503]);
    const gone = await receiver([404]);
    closers.push(down.close, gone.close);
    route({
      enabled: true,
      channels: [
        { kind: 'webhook', id: 'down', minSeverity: 'info', url: down.url },
        { kind: 'webhook', id: 'gone', minSeverity: 'info', url: gone.url },
      ],
    });
    const src = source();
    const s = start(src);
    src.emit(change('opened'));
    await s.idle();
    expect(down.bodies).toHaveLength(3);
    expect(gone.bodies).toHaveLength(1);
    expect(s.stats()).toMatchObject({ sent: 0, failed: 2 });
    const log = logLines.join('');
    expect(log).toContain('"reason":"http 503"');
    expect(log).toContain('"reason":"http 404"');
  });

  it('times out on a receiver that never answers, tries a bounded number of times, and blocks nothing else', async () => {
    const hang = await receiver(['hang']);
    const ok = await receiver([200]);
    closers.push(hang.close, ok.close);
    route({
      enabled: true,
      channels: [
        { kind: 'webhook', id: 'hang', minSeverity: 'info', url: hang.url },
        { kind: 'webhook', id: 'ok', minSeverity: 'info', url: ok.url },
      ],
    });
    const src = source();
    const s = start(src, { webhookTimeoutMs: 150, retry: { attempts: 2, backoffMs: () => 10 } });
    src.emit(change('opened'));
    await s.idle();
    expect(hang.bodies).toHaveLength(2);
    expect(ok.bodies).toHaveLength(1);
    expect(s.stats()).toMatchObject({ sent: 1, failed: 1 });
    expect(logLines.join('')).toContain('"reason":"timeout"');
  });

  it('escapes Slack markup from log text, so a title cannot ping a channel', async () => {
    const hook = await receiver([200]);
    closers.push(hook.close);
    route({ enabled: true, channels: [{ kind: 'webhook', id: 'chat', minSeverity: 'info', url: hook.url }] });
    const src = source();
    const s = start(src);
    src.emit(change('opened', { title: 'boom <!channel> & <https://evil.example|click>' }));
    await s.idle();
    expect(hook.texts()[0]).toContain('boom &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
  });
});

describe('alerts by e-mail through a real SMTP server', () => {
  it('sends the alert with authentication to the routed recipients, by severity', async () => {
    const mta = await smtp();
    closers.push(mta.close);
    route({
      enabled: true,
      channels: [
        { kind: 'email', id: 'oncall', minSeverity: 'critical', to: ['oncall@example.org', 'lead@example.org'] },
        { kind: 'email', id: 'team', minSeverity: 'info', to: ['team@example.org'] },
      ],
    });
    const src = source();
    const email = createEmailSender({ smtpUrl: mta.url, from: 'Trainboard <alerts@example.org>' });
    const s = start(src, { email });
    src.emit(
      change('opened', { id: 1, severity: 'warning', kind: 'loss_spike', failureKind: null, title: 'Loss spike' }),
    );
    src.emit(change('opened', { id: 2 }));
    await s.idle();
    const byRcpt = (addr: string) => mta.mails.filter((m) => m.to.includes(addr));
    expect(byRcpt('team@example.org')).toHaveLength(2);
    expect(byRcpt('oncall@example.org')).toHaveLength(1);
    const critical = byRcpt('oncall@example.org')[0]!;
    expect(critical.to).toEqual(['oncall@example.org', 'lead@example.org']);
    expect(critical.from).toBe('alerts@example.org');
    expect(critical.user).toBe('alerts');
    expect(critical.raw).toMatch(/^Subject: \[Trainboard\] CRITICAL crash on run bloom-176b \(#1\): CUDA error/m);
    expect(critical.raw).toContain('Work lost: 210 iterations since the last save');
    expect(critical.raw).toContain('Run page: https://dash.example.org/runs/1');
    expect(critical.raw).toMatch(/^Content-Type: text\/plain/m);
  });

  it('retries a temporary 451, gives up at once on a permanent 550', async () => {
    const busy = await smtp([451, 250]);
    closers.push(busy.close);
    route({ enabled: true, channels: [{ kind: 'email', id: 'oncall', minSeverity: 'info', to: ['a@example.org'] }] });
    const src = source();
    const s = start(src, { email: createEmailSender({ smtpUrl: busy.url, from: 'alerts@example.org' }) });
    src.emit(change('opened'));
    await s.idle();
    expect(busy.attempts()).toBe(2);
    expect(busy.mails).toHaveLength(1);
    expect(waits).toEqual([1000]);
    s.stop();

    const refusing = await smtp([550]);
    closers.push(refusing.close);
    const src2 = source();
    const s2 = start(src2, { email: createEmailSender({ smtpUrl: refusing.url, from: 'alerts@example.org' }) });
    src2.emit(change('opened', { id: 99 }));
    await s2.idle();
    expect(refusing.attempts()).toBe(1);
    expect(s2.stats()).toMatchObject({ sent: 0, failed: 1 });
    expect(logLines.join('')).toContain('"reason":"smtp 550"');
  });

  it('a wrong SMTP password fails for good, and the password is never logged', async () => {
    const mta = await smtp();
    closers.push(mta.close);
    route({ enabled: true, channels: [{ kind: 'email', id: 'oncall', minSeverity: 'info', to: ['a@example.org'] }] });
    const src = source();
    const wrong = mta.url.replace('smtp-pa55', 'wrong-pa55');
    const s = start(src, { email: createEmailSender({ smtpUrl: wrong, from: 'alerts@example.org' }) });
    src.emit(change('opened'));
    await s.idle();
    expect(mta.mails).toHaveLength(0);
    expect(s.stats()).toMatchObject({ failed: 1 });
    const log = logLines.join('');
    expect(log).toContain('"reason":"smtp 535"');
    expect(log).not.toMatch(/pa55/);
  });
});

describe('alerts service', () => {
  it('sends nothing when the run has no routing, and skips e-mail channels without an SMTP server', async () => {
    const src = source();
    const s = start(src);
    src.emit(change('opened'));
    await s.idle();
    expect(s.stats()).toEqual({ sent: 0, failed: 0, dropped: 0, skipped: 0 });
    route({ enabled: true, channels: [{ kind: 'email', id: 'oncall', minSeverity: 'info', to: ['a@example.org'] }] });
    src.emit(change('opened', { id: 2 }));
    await s.idle();
    expect(s.stats().skipped).toBe(1);
  });

  it('drops alerts past the queue bound instead of growing, and stops listening on stop', async () => {
    const hang = await receiver(['hang']);
    closers.push(hang.close);
    route({ enabled: true, channels: [{ kind: 'webhook', id: 'hang', minSeverity: 'info', url: hang.url }] });
    const src = source();
    const s = start(src, { maxPending: 2, webhookTimeoutMs: 60_000 });
    for (let id = 1; id <= 5; id++) src.emit(change('opened', { id }));
    expect(s.stats().dropped).toBe(3);
    s.stop(); // cancels the request in flight and the queued one
    await s.idle();
    expect(src.count()).toBe(0);
    expect(s.stats()).toMatchObject({ sent: 0, failed: 2, dropped: 3 });
  });

  it('never logs a webhook URL, and a throwing listener path cannot break the emitter', async () => {
    const hook = await receiver([500]);
    closers.push(hook.close);
    route({ enabled: true, channels: [{ kind: 'webhook', id: 'chat', minSeverity: 'info', url: hook.url }] });
    const src = source();
    const s = start(src);
    src.emit(change('opened'));
    await s.idle();
    expect(logLines.join('')).not.toContain('hooksecret');
    repos.settings.set(alertsKey(runId), '{not json');
    conn.close();
    expect(() => src.emit(change('opened', { id: 5 }))).not.toThrow();
    conn = openDatabase(':memory:'); // afterEach closes it
  });
});
