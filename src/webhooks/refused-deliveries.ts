import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { housekeepingGate } from '../db/index.js';
import type { Log } from '../logger.js';
import type { DeliveryMeta } from './events-store.js';

/**
 * Refused webhook deliveries (bad signature, bad body) come from anyone, as fast as they can send.
 * Operators still want to see them ("did Lynk call with the wrong key?"), but each one must not cost
 * a row: per (provider, IP, reason, minute) one row keeps the first body (its first 16 KiB) and a
 * counter, an IP past its refusals per minute gets 429 and nothing written, and rejected rows are
 * deleted after REJECTED_RETENTION_DAYS. Genuine deliveries never pass through here: the limit
 * applies to refusals only, decided after verification, so a flood cannot crowd out Lynk or Hesda.
 */

/** Rejected attempts are kept for operators, but only their first 16 KiB: they are unauthenticated. */
export const REJECTED_BODY_LIMIT = 16 * 1024;

const MINUTE_MS = 60_000;
/** IPs counted one by one in a minute; any further address shares one counter (a flood from many). */
const MAX_TRACKED_IPS = 10_000;
/** Sampled rows of their own (IP and reason) per minute; further refusals count on a shared row per reason. */
const MAX_SAMPLES_PER_MINUTE = 30;
/** The IP recorded on the shared counters and rows: any address past the two caps above. */
export const OTHER_IPS = '*';
/** Rows deleted per statement when pruning, so that other writers get the database in between. */
const PRUNE_BATCH = 5000;

export type RefusalDecision =
  | { limited: false; recordAs: string }
  | { limited: true; retryAfterMs: number; firstInWindow: boolean };

/**
 * The in-memory side: counters per client IP in fixed one-minute windows aligned to the clock. It
 * is per instance (several instances each allow the limit); memory is bounded by the caps above.
 */
export class RefusedDeliveries {
  private windowStart = Number.NaN;
  private readonly perIp = new Map<string, number>();
  private readonly sampled = new Set<string>();
  /** Pruning rides on refusals (an idle server runs no queries), at most hourly per instance. */
  readonly pruneDue = housekeepingGate();

  constructor(readonly limits: { readonly maxPerIp: number; readonly retentionMs: number }) {}

  admit(ip: string, reason: string, now: number): RefusalDecision {
    const start = now - (now % MINUTE_MS);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.perIp.clear();
      this.sampled.clear();
    }
    const counted = this.perIp.has(ip) || this.perIp.size < MAX_TRACKED_IPS ? ip : OTHER_IPS;
    const count = (this.perIp.get(counted) ?? 0) + 1;
    this.perIp.set(counted, count);
    if (count > this.limits.maxPerIp)
      return {
        limited: true,
        retryAfterMs: start + MINUTE_MS - now,
        firstInWindow: count === this.limits.maxPerIp + 1,
      };
    const sample = `${counted} ${reason}`;
    if (counted === OTHER_IPS || (!this.sampled.has(sample) && this.sampled.size >= MAX_SAMPLES_PER_MINUTE))
      return { limited: false, recordAs: OTHER_IPS };
    this.sampled.add(sample);
    return { limited: false, recordAs: counted };
  }
}

export interface Refusal {
  code: string;
  message: string;
}

/**
 * Counts one refused delivery (or answers that its IP is over the limit) and logs it: one line per
 * recorded refusal, one when an IP goes over the limit, none for the 429s after it (a flood must
 * not fill the log either). Storage trouble is logged, never thrown: the answer is the refusal.
 */
export async function refuseDelivery(
  db: Kysely<Database>,
  refusals: RefusedDeliveries,
  log: Log,
  meta: DeliveryMeta,
  refusal: Refusal,
): Promise<RefusalDecision> {
  const ip = meta.remoteIp ?? '-';
  const decision = refusals.admit(ip, `${meta.provider} ${refusal.code}`, meta.receivedAt);
  if (decision.limited) {
    if (decision.firstInWindow)
      log.warn(
        { provider: meta.provider, ip, limit: refusals.limits.maxPerIp },
        `${meta.provider} webhook: too many refused deliveries from this IP; answering 429 until the minute ends`,
      );
    return decision;
  }
  log.warn({ code: refusal.code, ip }, `${meta.provider} webhook rejected: ${refusal.message}`);
  try {
    await recordRejectedDelivery(db, meta, decision.recordAs, refusal);
    if (refusals.pruneDue(meta.receivedAt))
      await pruneRejectedDeliveries(db, meta.receivedAt - refusals.limits.retentionMs);
  } catch (error) {
    log.error({ err: error }, `could not record rejected ${meta.provider} webhook`);
  }
  return decision;
}

/**
 * One row per (provider, IP, reason, minute): the first refusal stores its body, each later one adds
 * to `delivery_count` and moves `last_received_at` (one upsert, both dialects).
 */
export async function recordRejectedDelivery(
  db: Kysely<Database>,
  meta: DeliveryMeta,
  recordAs: string,
  refusal: Refusal,
): Promise<void> {
  const minute = meta.receivedAt - (meta.receivedAt % MINUTE_MS);
  await db
    .insertInto('webhook_events')
    .values({
      provider: meta.provider,
      external_id: null,
      event_type: null,
      received_at: meta.receivedAt,
      last_received_at: meta.receivedAt,
      delivery_count: 1,
      // A raw NUL byte (only ever in a refused body) cannot go into a PostgreSQL text column.
      raw_body: meta.rawBody.slice(0, REJECTED_BODY_LIMIT).replaceAll('\u0000', '\uFFFD'),
      signature_valid: 0,
      remote_ip: recordAs,
      request_id: meta.requestId,
      outcome: 'rejected',
      error_code: refusal.code,
      error_message: refusal.message,
      note: null,
      attempts: 0,
      processed_at: null,
      order_id: null,
      rejected_key: `${meta.provider} ${recordAs} ${refusal.code} ${minute}`,
    })
    .onConflict((oc) =>
      oc.column('rejected_key').doUpdateSet((eb) => ({
        delivery_count: eb('webhook_events.delivery_count', '+', 1),
        last_received_at: meta.receivedAt,
      })),
    )
    .execute();
}

/** Deletes rejected rows first received before `before`, in batches; returns how many. */
export async function pruneRejectedDeliveries(db: Kysely<Database>, before: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = db
      .selectFrom('webhook_events')
      .select('id')
      .where('outcome', '=', 'rejected')
      .where('received_at', '<', before)
      .limit(PRUNE_BATCH);
    const result = await db.deleteFrom('webhook_events').where('id', 'in', batch).executeTakeFirst();
    const n = Number(result.numDeletedRows);
    deleted += n;
    if (n < PRUNE_BATCH) return deleted;
  }
}
