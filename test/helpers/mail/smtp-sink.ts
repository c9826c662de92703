import type { AddressInfo } from 'node:net';
import type { SMTPServerDataStream } from 'smtp-server';
import { SMTPServer } from 'smtp-server';
import type { ReceivedMail } from './mime.js';
import { parseReceivedMail } from './mime.js';

export interface SmtpSink {
  readonly port: number;
  /** What SMTP_URL would be for this server. */
  readonly url: string;
  /** Every message the server accepted, in order. */
  readonly received: ReceivedMail[];
  /** Recipients the server turned away (with `rejectRecipients`). */
  readonly rejected: string[];
  /** Messages fully received but not yet answered (with `acceptDelayMs`): a send in flight. */
  readonly holding: () => number;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Listen here instead of a free port (to bring a "down" server back on the port the worker knows). */
  port?: number;
  /** Answer every RCPT TO with a temporary 451, as a greylisting or overloaded server does. */
  rejectRecipients?: boolean;
  /** Hold each message this long before accepting it, like a slow provider. */
  acceptDelayMs?: number;
}

/**
 * A real SMTP server on loopback, in-process: what nodemailer really sends arrives here as raw
 * bytes. Plain SMTP only (no STARTTLS) and no AUTH required, as a local relay would be.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const rejected: string[] = [];
  let holding = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // No reverse DNS of 127.0.0.1 per connection: it only slows every delivery down.
    disableReverseLookup: true,
    onRcptTo(address, _session, callback) {
      if (!options.rejectRecipients) return callback();
      rejected.push(address.address);
      callback(Object.assign(new Error('4.7.1 coba lagi nanti'), { responseCode: 451 }));
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const accept = () => {
          holding -= 1;
          received.push(
            parseReceivedMail(Buffer.concat(chunks).toString('utf8'), {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            }),
          );
          callback();
        };
        holding += 1;
        if (options.acceptDelayMs) setTimeout(accept, options.acceptDelayMs);
        else accept();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    rejected,
    holding: () => holding,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
