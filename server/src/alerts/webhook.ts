// Slack-compatible webhook: one JSON POST with `text` (Slack, Mattermost, Rocket.Chat and Teams' Slack-style
// connectors read it). The URL is the secret: it is used here and nowhere else, and never appears in an error.
import { DeliveryError } from './delivery.js';

/** Slack reads `<…>` as links and mentions (`<!channel>`): log text must not ping a whole channel. */
export const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface WebhookOptions {
  /** Longest wait for the receiver's answer (status line and headers). */
  timeoutMs: number;
}

function failureOf(err: unknown, stopped: AbortSignal): DeliveryError {
  if (stopped.aborted) return new DeliveryError('stopped', false);
  const name = (err as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return new DeliveryError('timeout', true);
  return new DeliveryError('network error', true);
}

/** @throws DeliveryError: 5xx, 429, timeouts and network errors may be retried; other statuses not. */
export async function postWebhook(url: string, text: string, o: WebhookOptions, stopped: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: slackEscape(text) }),
      // A redirect would send the alert somewhere the operator did not configure.
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(o.timeoutMs), stopped]),
    });
  } catch (err) {
    throw failureOf(err, stopped);
  }
  // The answer's body is not needed ("ok"); dropping it frees the connection whatever its size.
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return;
  throw new DeliveryError(`http ${res.status}`, res.status >= 500 || res.status === 429);
}
