import type { Transporter } from 'nodemailer';
import type { Config } from '../config/index.js';
import { CLAIM_LEASE_MS } from './claim.js';

export interface OutgoingMail {
  from: string;
  replyTo?: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable across attempts (see message-id.ts); nodemailer makes a random one without it. */
  messageId?: string;
}

export interface MailTransport {
  /** `dev`: nothing leaves the machine; the outbox row itself is the dev mailbox. */
  readonly kind: 'smtp' | 'dev';
  send(mail: OutgoingMail): Promise<{ messageId: string | null }>;
  close(): void;
}

export function smtpTransport(url: string, leaseMs = CLAIM_LEASE_MS): MailTransport {
  // Bounded timeouts: a hung SMTP server must fail the attempt (and schedule a retry), not stall
  // the worker forever. Together they stay within half a claim lease (the worker renews a lease
  // with less than half left before each send), so a slow send never outlives its lease and
  // lets another instance send the same mail. The default lease gives 10 s, 10 s and 30 s.
  // nodemailer is loaded by the first send, not at start (about 65 ms of CPU per process otherwise,
  // paid also by every CLI command that only reads the outbox). One promise: concurrent first sends
  // share one transporter (one pool).
  let transporter: Promise<Transporter> | undefined;
  const open = () =>
    (transporter ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url,
        connectionTimeout: Math.min(10_000, leaseMs / 12),
        greetingTimeout: Math.min(10_000, leaseMs / 12),
        socketTimeout: Math.min(30_000, leaseMs / 4),
      }),
    ));
  return {
    kind: 'smtp',
    async send(mail) {
      const info = await (await open()).sendMail(mail);
      return { messageId: typeof info.messageId === 'string' ? info.messageId : null };
    },
    close: () => void transporter?.then((opened) => opened.close()).catch(() => {}),
  };
}

export function devTransport(): MailTransport {
  return {
    kind: 'dev',
    send: async () => ({ messageId: null }),
    close: () => {},
  };
}

/** How mail leaves: SMTP, the dev mailbox (development), or not at all (MAIL_TRANSPORT=none). */
export function mailTransportFor(config: Config): MailTransport | null {
  if (config.mail.transport === 'none') return null;
  if (config.mail.transport === 'smtp' && config.mail.smtpUrl)
    return smtpTransport(config.mail.smtpUrl, config.mail.leaseMs);
  return devTransport();
}
