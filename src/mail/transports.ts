import nodemailer from 'nodemailer';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  /** `dev`: nothing leaves the machine; the outbox row itself is the dev mailbox. */
  readonly kind: 'smtp' | 'dev';
  send(mail: OutgoingMail): Promise<{ messageId: string | null }>;
  close(): void;
}

export function smtpTransport(url: string): MailTransport {
  // Bounded timeouts: a hung SMTP server must fail the attempt (and schedule a retry), not stall
  // the worker forever.
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    kind: 'smtp',
    async send(mail) {
      const info = await transporter.sendMail(mail);
      return { messageId: typeof info.messageId === 'string' ? info.messageId : null };
    },
    close: () => transporter.close(),
  };
}

export function devTransport(): MailTransport {
  return {
    kind: 'dev',
    send: async () => ({ messageId: null }),
    close: () => {},
  };
}
