// Alert e-mail through the SMTP server of TRAINBOARD_SMTP_URL (smtp:// with STARTTLS when offered, smtps:// for
// TLS from the start; user and password in the URL). Plain text only. The URL holds a password: it goes to
// nodemailer and nowhere else, and errors are reduced to a reply code or a fixed phrase.
import { createTransport, type Transporter } from 'nodemailer';
import { DeliveryError } from './delivery.js';

export interface EmailSender {
  send(to: string[], subject: string, text: string): Promise<void>;
  close(): void;
}

export interface EmailOptions {
  smtpUrl: string;
  from: string;
  /** Connecting, the greeting, and silence on the socket: each bounded by this. */
  timeoutMs?: number;
}

function failureOf(err: unknown): DeliveryError {
  const e = err as { responseCode?: number; code?: string };
  if (typeof e.responseCode === 'number')
    return new DeliveryError(`smtp ${e.responseCode}`, e.responseCode >= 400 && e.responseCode < 500);
  if (e.code === 'EAUTH') return new DeliveryError('smtp authentication failed', false);
  if (e.code === 'ETIMEDOUT') return new DeliveryError('timeout', true);
  return new DeliveryError('smtp connection failed', true);
}

export function createEmailSender(o: EmailOptions): EmailSender {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const transport: Transporter = createTransport({
    url: o.smtpUrl,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // nodemailer logs nothing unless given a logger; say so, so nobody turns it on with the password in it.
    logger: false,
    debug: false,
  });
  return {
    async send(to, subject, text) {
      try {
        await transport.sendMail({ from: o.from, to, subject, text, disableFileAccess: true, disableUrlAccess: true });
      } catch (err) {
        throw failureOf(err);
      }
    },
    close: () => transport.close(),
  };
}
