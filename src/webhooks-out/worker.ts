import type { Kysely } from 'kysely';
import type { Runtime } from '../clock.js';
import type { Database, Dialect, WebhookDelivery } from '../db/index.js';
import { DrainLoop } from '../drain-loop.js';
import type { Log } from '../logger.js';
import { openSecret } from '../secret-box.js';
import type { DeliveryTarget } from './claim.js';
import { claimDueDeliveries, deliveryTargets, nextDeliveryDueAt } from './claim.js';
import type { SendResult, WebhookSender } from './sender.js';
import { postWebhook } from './sender.js';
import { signWebhook } from './signature.js';
import type { WebhookSweep } from './sweeps.js';
import { nextSweepDueAt, runSweeps } from './sweeps.js';

export interface WebhookWorkerDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  runtime: Runtime;
  log: Log;
  /** COOKIE_SECRET (endpoint secrets are sealed under it), WEBHOOK_OUT_RETRY_DAYS, WEBHOOK_OUT_TIMEOUT_SECONDS. */
  settings: { masterSecret: string; retryMs: number; timeoutMs: number };
  /** Time-driven events (a license passing its expiry), announced when due. */
  sweeps?: readonly WebhookSweep[];
  send?: WebhookSender;
}

const BATCH = 20;
/** Events queued by another process (a CLI command) are found at the latest after this. */
const SAFETY_POLL_MS = 60_000;
const RETRY_BASE_MS = 30_000;
const MAX_BACKOFF_MS = 6 * 3_600_000; // 6 hours

/** Exponential back-off: 30 s × 2^(attempt−1), capped at 6 h (over three days: about 20 attempts). */
export function webhookRetryDelayMs(attemptsMade: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attemptsMade - 1), MAX_BACKOFF_MS);
}

/**
 * Sends the outgoing webhook outbox, shaped like the mail worker (src/mail/worker.ts): a run when
 * nudged, at the next retry or sweep time, and a safety poll; claims with a lease, so a worker
 * that dies mid-call lets its deliveries go to another after the lease. A batch's calls run
 * concurrently (one slow receiver does not hold up the others), each bounded by the timeout, so
 * the lease (four timeouts, at least a minute) outlives them. Delivery is at least once: a call
 * the receiver answered 2xx but whose result was not recorded (a crash) is made again, with the
 * same `webhook-id`, which receivers use to drop the repeat.
 */
export class WebhookWorker {
  private readonly loop: DrainLoop;

  constructor(private readonly deps: WebhookWorkerDeps) {
    this.loop = new DrainLoop({
      drain: () => this.drain(),
      nextDueAt: async () => {
        const due = [await nextDeliveryDueAt(deps.db), await nextSweepDueAt(deps.db, this.sweeps)];
        const times = due.filter((at): at is number => at !== null);
        return times.length > 0 ? Math.min(...times) : null;
      },
      now: () => deps.runtime.now(),
      pollMs: SAFETY_POLL_MS,
      onError: (error) => deps.log.error({ err: error }, 'webhook worker run failed'),
    });
  }

  private get leaseMs(): number {
    return Math.max(60_000, this.deps.settings.timeoutMs * 4);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Something was queued: run soon. */
  nudge(): void {
    this.loop.nudge();
  }

  private get sweeps(): readonly WebhookSweep[] {
    return this.deps.sweeps ?? [];
  }

  /** Announces due time-driven events, then sends everything due; returns the calls made. */
  async drain(): Promise<number> {
    const stopsAtStart = this.loop.stops;
    await runSweeps(this.deps.db, this.sweeps, this.deps.runtime);
    let attempted = 0;
    for (;;) {
      const now = this.deps.runtime.now();
      const batch = await claimDueDeliveries(this.deps.db, this.deps.dialect, now, BATCH, this.leaseMs);
      const targets = await deliveryTargets(
        this.deps.db,
        batch.map((d) => d.id),
      );
      await Promise.all(batch.map((delivery) => this.deliver(delivery, targets.get(delivery.id))));
      attempted += batch.length;
      if (batch.length < BATCH || this.loop.stops !== stopsAtStart) return attempted;
    }
  }

  private async deliver(delivery: WebhookDelivery, target: DeliveryTarget | undefined): Promise<void> {
    const { runtime, settings } = this.deps;
    let result: SendResult;
    const secret = target ? openSecret(target.secret, settings.masterSecret, 'webhook-endpoint-secret') : null;
    if (!target || secret === null) {
      // Sealed under another COOKIE_SECRET: the delivery waits (and retries) until the operator
      // makes a new secret for the endpoint ("Buat rahasia baru").
      result = { ok: false, status: null, error: 'rahasia endpoint tidak bisa dibuka', excerpt: null, durationMs: 0 };
    } else {
      const timestamp = Math.floor(runtime.now() / 1000);
      result = await (this.deps.send ?? postWebhook)({
        url: target.url,
        body: target.payload,
        timeoutMs: settings.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Gerbang-Webhooks/1',
          'webhook-id': target.webhook_id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(secret, target.webhook_id, timestamp, target.payload),
        },
      });
    }
    await this.record(delivery, result).catch((error: unknown) =>
      this.deps.log.error({ err: error, deliveryId: delivery.id }, 'webhook delivery result not recorded'),
    );
  }

  /** The attempt into the log and the delivery's new state, together; fenced by the claim's attempt number. */
  private async record(delivery: WebhookDelivery, result: SendResult): Promise<void> {
    const { db, runtime, settings, log } = this.deps;
    const now = runtime.now();
    const deadline = Number(delivery.retry_from) + settings.retryMs;
    const giveUp = !result.ok && now >= deadline;
    const next = Math.min(now + webhookRetryDelayMs(delivery.attempts), deadline);
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: delivery.id,
          attempted_at: now,
          duration_ms: result.durationMs,
          status_code: result.status,
          error: result.error,
          response_excerpt: result.excerpt,
        })
        .execute();
      await trx
        .updateTable('webhook_deliveries')
        .set(
          result.ok
            ? {
                status: 'delivered',
                delivered_at: now,
                lease_until: null,
                last_status: result.status,
                last_error: null,
              }
            : {
                status: giveUp ? 'failed' : 'pending',
                next_attempt_at: giveUp ? delivery.next_attempt_at : next,
                lease_until: null,
                last_status: result.status,
                last_error: result.error,
              },
        )
        .where('id', '=', delivery.id)
        .where('status', '=', 'sending')
        .where('attempts', '=', delivery.attempts)
        .execute();
    });
    if (result.ok) log.info({ deliveryId: delivery.id, status: result.status }, 'webhook delivered');
    else
      log.warn(
        { deliveryId: delivery.id, attempts: delivery.attempts, giveUp, err: result.error },
        giveUp ? 'webhook delivery failed for good' : 'webhook attempt failed; will retry',
      );
  }
}
