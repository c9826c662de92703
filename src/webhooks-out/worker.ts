import type { Kysely } from 'kysely';
import type { Runtime } from '../clock.js';
import type { Database, Dialect, WebhookDelivery } from '../db/index.js';
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
const NUDGE_DELAY_MS = 50;
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
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private timerDue = Number.POSITIVE_INFINITY;
  private stops = 0;

  constructor(private readonly deps: WebhookWorkerDeps) {}

  private get leaseMs(): number {
    return Math.max(60_000, this.deps.settings.timeoutMs * 4);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stops += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Something was queued: run soon (coalesced; a run already due sooner is never postponed). */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else if (this.timerDue > Date.now() + NUDGE_DELAY_MS) this.schedule(NUDGE_DELAY_MS);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerDue = Number.POSITIVE_INFINITY;
      let idleFor = SAFETY_POLL_MS;
      this.running = this.drain()
        .then(async () => {
          const now = this.deps.runtime.now();
          const due = [await nextDeliveryDueAt(this.deps.db), await nextSweepDueAt(this.deps.db, this.sweeps)];
          for (const at of due) if (at !== null) idleFor = Math.min(idleFor, Math.max(0, at - now) + 5);
        })
        .catch((error: unknown) => this.deps.log.error({ err: error }, 'webhook worker run failed'))
        .finally(() => {
          this.running = null;
          const more = this.again;
          this.again = false;
          this.schedule(more ? NUDGE_DELAY_MS : idleFor);
        });
    }, delay);
    this.timer.unref?.();
  }

  private get sweeps(): readonly WebhookSweep[] {
    return this.deps.sweeps ?? [];
  }

  /** Announces due time-driven events, then sends everything due; returns the calls made. */
  async drain(): Promise<number> {
    const stopsAtStart = this.stops;
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
      if (batch.length < BATCH || this.stops !== stopsAtStart) return attempted;
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
