import pino from 'pino';
import type { Dialect, MailRow } from '../../../src/db/index.js';
import type { MailTransport, QueuedMail } from '../../../src/mail/index.js';
import { licenseMailSubject, MailWorker, smtpTransport } from '../../../src/mail/index.js';
import { linkIssuer } from '../../../src/members/index.js';
import type { World } from '../world.js';
import { createWorld } from '../world.js';
import type { SmtpSink, SmtpSinkOptions } from './smtp-sink.js';
import { startSmtpSink } from './smtp-sink.js';

export const MAIL_FROM = 'Toko KEI <toko@kei.example>';

/** A license mail for `orderNo` as a webhook would queue it (dedupe key `license:<orderNo>`). */
export function licenseMail(orderNo: string, email = 'budi@example.com'): QueuedMail {
  const params = {
    kind: 'license' as const,
    orderNo,
    transactionNo: `TRX-${orderNo}`,
    name: 'Budi',
    email,
    paidAt: '2026-11-23T12:00:00',
    items: [{ title: 'E-book Ekspor', keys: [`KEI-${orderNo}`] }],
  };
  return { dedupeKey: `license:${orderNo}`, to: email, subject: licenseMailSubject(params), params };
}

/** A world plus the mail side: SMTP servers and workers it owns, all closed by `close()`. */
export interface MailWorld extends World {
  /** Starts an in-process SMTP server (closed with the world). */
  smtpServer(options?: SmtpSinkOptions): Promise<SmtpSink>;
  /** A worker on this world's database, clock and config, sending through `transport`. */
  mailWorker(transport: MailTransport): MailWorker;
  /** A worker sending over SMTP to 127.0.0.1:`port`, as SMTP_URL=smtp://127.0.0.1:PORT would. */
  smtpWorker(port: number): MailWorker;
  outbox(): Promise<MailRow[]>;
}

export async function openMailWorld(dialect: Dialect, env: Record<string, string> = {}): Promise<MailWorld> {
  const sinks: SmtpSink[] = [];
  const workers: MailWorker[] = [];
  const transports: MailTransport[] = [];
  let onMailQueued: () => void = () => {};
  // The app nudges every worker of this world after a webhook committed, as server.ts does.
  const world = await createWorld(dialect, { MAIL_FROM, ...env }, { onMailQueued: () => onMailQueued() });
  onMailQueued = () => {
    for (const worker of workers) worker.nudge();
  };
  const mailWorker = (transport: MailTransport) => {
    transports.push(transport);
    const worker = new MailWorker({
      db: world.database.db,
      dialect: world.database.dialect,
      config: world.config,
      runtime: world.runtime,
      transport,
      log: pino({ level: 'silent' }),
      issueLink: linkIssuer(world.runtime),
    });
    workers.push(worker);
    return worker;
  };
  return {
    ...world,
    async smtpServer(options) {
      const sink = await startSmtpSink(options);
      sinks.push(sink);
      return sink;
    },
    mailWorker,
    smtpWorker: (port) => mailWorker(smtpTransport(`smtp://127.0.0.1:${port}`)),
    outbox: () => world.database.db.selectFrom('mail_outbox').selectAll().orderBy('id').execute(),
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      for (const t of transports) t.close();
      await Promise.all(sinks.map((s) => s.close()));
      await world.close();
    },
  };
}
