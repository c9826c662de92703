import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Runtime } from '../clock.js';
import type { Config } from '../config/index.js';
import type { Database, Dialect, MailRow } from '../db/index.js';
import { DrainLoop } from '../drain-loop.js';
import type { Log } from '../logger.js';
import { emailDigest } from '../logger.js';
import type { Brand } from '../web/brand.js';
import { applyMailBrand, DEFAULT_BRAND, mailFrom, mailTextFooter } from '../web/brand.js';
import { claimDueMails } from './claim.js';
import { outboxMessageId } from './message-id.js';
import type { MailParams } from './outbox.js';
import { nextMailDueAt } from './queries.js';
import type { IssueLink } from './render.js';
import { renderForSending } from './render.js';
import { smtpUnreachable } from './smtp-failure.js';
import type { MailTransport } from './transports.js';
import type { WhatsAppTransport } from './whatsapp.js';

export interface MailWorkerDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  config: Config;
  runtime: Runtime;
  transport: MailTransport;
  log: Log;
  /** Mints the one-time links of registration and login-link mails at send time. */
  issueLink: IssueLink;
  /** The seller's brand (sender name, reply-to, name and footer in the mail); Gerbang's defaults without it. */
  brand?: () => Promise<Brand>;
  /** Sends the outbox's WhatsApp messages (WHATSAPP_GATEWAY); without it they fail with a reason. */
  whatsapp?: WhatsAppTransport | undefined;
  /**
   * Queues mail that time makes due (membership reminders) before each run; handed in by the
   * server, since mail knows no members. Runs at least every MAIL_POLL_INTERVAL_MS.
   */
  queueDue?: (db: Kysely<Database>, now: number) => Promise<unknown>;
  /**
   * Mails claimed at once (default 20). The SQLite thread takes more: every commit of another
   * connection makes the server's connection drop its page cache (SQLite re-reads what it needs),
   * so fewer, larger commits cost the webhooks less.
   */
  batchSize?: number;
  /** How long a nudge waits before the run, so one run serves a burst (default 50 ms). */
  nudgeDelayMs?: number;
}

const BATCH = 20;
const MAX_BACKOFF_MS = 6 * 3_600_000; // 6 hours

/** Exponential back-off: base × 2^(attempt−1), capped at 6 h. Attempt 1 failed → wait one base. */
export function retryDelayMs(baseMs: number, attemptsMade: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), MAX_BACKOFF_MS);
}

/**
 * Sends the outbox. Runs at once when nudged (a webhook or login-link request just queued mail),
 * at the time the next retry falls due, and otherwise only every MAIL_POLL_INTERVAL_MS (a safety
 * net for mail queued by another process, such as a CLI replay): an idle server queries nothing. A mail is marked sent only after the transport accepted it; a failure schedules a
 * retry with back-off until MAIL_MAX_ATTEMPTS, after which it stays `failed` for an operator.
 */
export class MailWorker {
  private readonly loop: DrainLoop;

  constructor(private readonly deps: MailWorkerDeps) {
    this.loop = new DrainLoop({
      drain: () => this.drain(),
      nextDueAt: () => nextMailDueAt(deps.db),
      now: () => deps.runtime.now(),
      pollMs: deps.config.mail.pollIntervalMs,
      onError: (error) => deps.log.error({ err: error }, 'mail worker run failed'),
      ...(deps.nudgeDelayMs === undefined ? {} : { nudgeDelayMs: deps.nudgeDelayMs }),
    });
  }

  private get batchSize(): number {
    return this.deps.batchSize ?? BATCH;
  }

  private get leaseMs(): number {
    return this.deps.config.mail.leaseMs;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Run soon: new mail was queued. */
  nudge(): void {
    this.loop.nudge();
  }

  /** Sends everything due now; returns how many mails were attempted. Tests and the CLI call it too. */
  async drain(): Promise<number> {
    // Not `this.stopped`: a worker that was never started (tests, the CLI) is "stopped" too, and
    // must still send everything, not just the first batch. Only a stop() during this run ends it early.
    const stopsAtStart = this.loop.stops;
    await this.deps.queueDue?.(this.deps.db, this.deps.runtime.now());
    let attempted = 0;
    // Read once, before any transaction: the dev mailbox delivers inside one, and on SQLite a read on
    // another handle would wait for that transaction's connection (a deadlock).
    const brand = this.deps.brand ? await this.deps.brand() : DEFAULT_BRAND;
    for (;;) {
      const batch: MailRow[] = await claimDueMails(
        this.deps.db,
        this.deps.dialect,
        this.deps.runtime.now(),
        this.batchSize,
        this.leaseMs,
      );
      if (this.deps.transport.kind === 'dev') {
        // Nothing leaves the machine, so the batch's "sent" marks go in one commit (one fsync instead
        // of twenty under SQLITE_SYNCHRONOUS=FULL). Rendering happens between the claim and that
        // commit, outside any transaction: on SQLite the writer's lock is not held meanwhile. A crash
        // in between leaves the batch claimed; its lease runs out and the next run delivers it, once.
        const marks: Mark[] = [];
        for (const mail of batch) await this.deliver(mail, this.deps.db, brand, marks);
        if (marks.length > 0)
          await this.deps.db.transaction().execute(async (trx) => {
            for (const mark of marks) await mark(trx);
          });
      } else {
        for (const [i, mail] of batch.entries()) {
          const outcome = await this.deliver(mail, this.deps.db, brand);
          if (outcome.kind === 'unreachable') {
            // The server is down: the rest of the batch would fail the same way. They wait with
            // this mail, their attempts untouched, and the run ends (one connection per try).
            await this.putBack(batch.slice(i + 1), outcome.nextAttemptAt);
            return attempted + i + 1;
          }
          // better-sqlite3 never waits on I/O: without this, a backlog of mail would hold the
          // event loop and stall webhooks and /readyz (measured: seconds).
          await yieldToEventLoop();
        }
      }
      await yieldToEventLoop();
      attempted += batch.length;
      if (batch.length < this.batchSize || this.loop.stops !== stopsAtStart) return attempted;
    }
  }

  /** A WhatsApp message: the mail's plain text, to the phone in to_address, through the gateway. */
  private async deliverWhatsApp(
    mail: MailRow,
    db: Kysely<Database>,
    params: MailParams,
    brand: Brand,
  ): Promise<DeliveryOutcome> {
    const { whatsapp, config, runtime, issueLink } = this.deps;
    if (!whatsapp) throw new Error('WhatsApp belum diatur (WHATSAPP_GATEWAY)');
    const rendered = await renderForSending(db, { config, issueLink }, params, false);
    const text = `*${mail.subject}*\n\n${rendered.send.text}${mailTextFooter(brand)}`;
    const { id } = await whatsapp.send({ to: mail.to_address, text });
    await db
      .updateTable('mail_outbox')
      .set({
        status: 'sent',
        sent_at: runtime.now(),
        lease_until: null,
        last_error: null,
        smtp_message_id: id,
        text_body: `*${mail.subject}*\n\n${rendered.keep.text}`,
      })
      .where('id', '=', mail.id)
      .execute();
    this.deps.log.info({ mailId: mail.id, gateway: whatsapp.name }, `whatsapp sent: ${mail.subject}`);
    return { kind: 'sent' };
  }

  /** Claimed mails not tried after all: pending again, due with the mail that found SMTP down. */
  private async putBack(mails: readonly MailRow[], nextAttemptAt: number): Promise<void> {
    for (const mail of mails) {
      await this.deps.db
        .updateTable('mail_outbox')
        .set({ status: 'pending', attempts: mail.attempts - 1, lease_until: null, next_attempt_at: nextAttemptAt })
        .where('id', '=', mail.id)
        .where('status', '=', 'sending')
        .where('attempts', '=', mail.attempts)
        .execute();
    }
    if (mails.length > 0)
      this.deps.log.warn({ mails: mails.length }, 'SMTP unreachable: the rest of the batch waits for the next try');
  }

  /** `marks`: the dev mailbox's batch, whose "sent" updates the caller commits together. */
  private async deliver(mail: MailRow, db: Kysely<Database>, brand: Brand, marks?: Mark[]): Promise<DeliveryOutcome> {
    const { config, runtime, transport, log } = this.deps;
    // The batch was claimed under one lease, but its mails go out one by one: behind a slow SMTP
    // server the lease of a later mail can run short and another instance claim (and send) it. So
    // when less than half the lease is left (more than any one send may take), renew it first,
    // fenced by `attempts` (every claim bumps it): if that changed, the mail is someone else's now
    // and sending it too would send it twice.
    if ((mail.lease_until ?? 0) - runtime.now() < this.leaseMs / 2) {
      const held = await db
        .updateTable('mail_outbox')
        .set({ lease_until: runtime.now() + this.leaseMs })
        .where('id', '=', mail.id)
        .where('status', '=', 'sending')
        .where('attempts', '=', mail.attempts)
        .executeTakeFirst();
      if (held.numUpdatedRows === 0n) {
        log.warn({ mailId: mail.id }, 'mail lease lost to another worker; not sending it again');
        return { kind: 'skipped' };
      }
    }
    try {
      const params = JSON.parse(mail.params) as MailParams;
      if (mail.channel === 'whatsapp') return await this.deliverWhatsApp(mail, db, params, brand);
      const rendered = await renderForSending(
        db,
        { config, issueLink: this.deps.issueLink },
        params,
        transport.kind === 'dev',
      );
      const branded = (m: { text: string; html: string }) => ({
        text: m.text + mailTextFooter(brand),
        html: applyMailBrand(m.html, brand),
      });
      const send = branded(rendered.send);
      const keep = branded(rendered.keep);
      const { messageId } = await transport.send({
        from: mailFrom(config.mail.from, brand),
        ...(brand.replyTo ? { replyTo: brand.replyTo } : {}),
        to: mail.to_address,
        subject: mail.subject,
        text: send.text,
        html: send.html,
        messageId: outboxMessageId(mail, config.mail.from),
      });
      const sentAt = runtime.now();
      const mark: Mark = async (handle) => {
        await handle
          .updateTable('mail_outbox')
          .set({
            status: 'sent',
            transport: transport.kind,
            sent_at: sentAt,
            lease_until: null,
            last_error: null,
            smtp_message_id: messageId,
            text_body: keep.text,
            html_body: keep.html,
          })
          .where('id', '=', mail.id)
          .execute();
      };
      if (marks) marks.push(mark);
      else await mark(db);
      log.info(
        { mailId: mail.id, toDigest: emailDigest(mail.to_address), transport: transport.kind },
        transport.kind === 'dev' ? `mail stored in the dev mailbox: ${mail.subject}` : `mail sent: ${mail.subject}`,
      );
      return { kind: 'sent' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // An unreachable server is not this mail's failure: it waits (back-off capped at 6 h) however
      // long the outage lasts; only a server that refused the mail uses up MAIL_MAX_ATTEMPTS.
      const unreachable = smtpUnreachable(error);
      const giveUp = !unreachable && mail.attempts >= config.mail.maxAttempts;
      const next = runtime.now() + retryDelayMs(config.mail.retryBaseMs, mail.attempts);
      await db
        .updateTable('mail_outbox')
        .set({
          status: giveUp ? 'failed' : 'pending',
          next_attempt_at: giveUp ? mail.next_attempt_at : next,
          lease_until: null,
          last_error: message.slice(0, 500),
        })
        .where('id', '=', mail.id)
        .execute();
      log.warn(
        { mailId: mail.id, attempts: mail.attempts, giveUp, err: message },
        giveUp ? 'mail failed for good' : 'mail attempt failed; will retry',
      );
      return unreachable ? { kind: 'unreachable', nextAttemptAt: next } : { kind: 'failed' };
    }
  }
}

/** A delivered mail's "sent" update, run on the handle given (a transaction for the dev mailbox's batch). */
type Mark = (db: Kysely<Database>) => Promise<void>;

type DeliveryOutcome =
  | { kind: 'sent' | 'failed' | 'skipped' }
  /** The SMTP server could not be reached; the mail waits until nextAttemptAt. */
  | { kind: 'unreachable'; nextAttemptAt: number };
