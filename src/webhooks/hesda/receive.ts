import type { Kysely } from 'kysely';
import type { Runtime } from '../../clock.js';
import type { Database, Transact, WebhookOutcome } from '../../db/index.js';
import { isDatabaseUnavailable, isUniqueViolation, plainTransactions } from '../../db/index.js';
import type { Log } from '../../logger.js';
import type { HesdaUpdate, HesdaUpdateOutcome } from '../../ppob/index.js';
import { applyHesdaUpdate } from '../../ppob/index.js';
import type { RealtimeBus } from '../../realtime/index.js';
import type { DeliveryMeta, OutcomeUpdate } from '../events-store.js';
import { findDelivery, insertVerifiedDelivery, recordRepeatDelivery, setDeliveryOutcome } from '../events-store.js';
import { openDelivery } from '../open-delivery.js';
import type { RefusedDeliveries } from '../refused-deliveries.js';
import type { HesdaDelivery, HesdaRefusalCode, HesdaSigningDeps } from './checks.js';
import { checkHesdaSignature, readHesdaBody } from './checks.js';

export interface HesdaWebhookDeps extends HesdaSigningDeps {
  db: Kysely<Database>;
  runtime: Runtime;
  bus: RealtimeBus;
  /** Group commit on SQLite; a plain transaction by default. */
  transact?: Transact;
  /** Counts refused deliveries per IP and samples them (shared with the Lynk webhook). */
  refusals: RefusedDeliveries;
}

/**
 * 401 bad signature · 400 bad payload · 500 not committed (Hesda retries) — seed 003 "Status Codes" ·
 * 503 the database unreachable (nothing stored; Hesda retries as for any non-2xx) · 429 too many
 * refused deliveries from this IP this minute (nothing stored). The status is the code's (src/errors.ts).
 */
export type HesdaReceipt =
  | { ok: true; eventId: number; outcome: WebhookOutcome; duplicate: boolean }
  | {
      ok: false;
      code: HesdaRefusalCode | 'RATE_LIMITED' | 'INTERNAL' | 'STORAGE_UNAVAILABLE';
      retryAfterMs?: number;
    };

const UNAVAILABLE = { ok: false, code: 'STORAGE_UNAVAILABLE' } as const;
const INTERNAL = { ok: false, code: 'INTERNAL' } as const;

/**
 * Verify the raw bytes → parse → apply and store in one transaction → answer. A 200 means the
 * status change (if any) and the event row are committed; a database failure answers 500 so Hesda
 * retries, and the retry of a delivery stored as failed is processed again.
 */
export async function receiveHesdaDelivery(
  deps: HesdaWebhookDeps,
  log: Log,
  delivery: HesdaDelivery,
): Promise<HesdaReceipt> {
  const opened = await openDelivery(deps, log, 'hesda', delivery, {
    bytes: checkHesdaSignature(deps, log, delivery.signature),
    parsed: readHesdaBody(delivery),
  });
  if (!opened.ok) return opened;
  const { meta } = opened;
  const { eventType, externalId, update } = opened.value;
  if (update === null) return storeUnknownEvent(deps, log, meta, eventType, externalId);
  const transact = deps.transact ?? plainTransactions(deps.db);
  try {
    const stored = await transact(async (trx) => {
      const result = await applyHesdaUpdate(trx, update, deps.runtime.now());
      const id = await insertVerifiedDelivery(
        trx,
        meta,
        { externalId, signatureDigest: null },
        eventType,
        outcomeRecord(result, deps.runtime.now()),
      );
      return { id, result };
    });
    return committed(deps, log, stored.id, stored.result, false);
  } catch (error) {
    if (isUniqueViolation(error)) {
      // These exact bytes were received before (a replay, or two copies at once): no second change.
      const seen = await findDelivery(deps.db, 'hesda', externalId).catch(() => undefined);
      if (seen && seen.outcome !== 'failed') {
        await recordRepeatDelivery(deps.db, seen.id, meta.receivedAt).catch(() => {});
        log.info({ eventId: seen.id, externalId }, 'hesda webhook repeated');
        return { ok: true, eventId: seen.id, outcome: seen.outcome, duplicate: true };
      }
      if (seen) return reprocess(deps, log, seen.id, update, meta.receivedAt);
    }
    if (isDatabaseUnavailable(error)) {
      log.error({ err: error, externalId }, 'hesda webhook not stored: database unreachable; answering 503');
      return UNAVAILABLE;
    }
    log.error({ err: error, externalId }, 'hesda webhook not committed; answering 500 so Hesda retries');
    await storeFailure(deps, meta, externalId, eventType, error).catch((e: unknown) =>
      log.error({ err: e }, 'hesda webhook could not be stored either'),
    );
    return INTERNAL;
  }
}

function committed(
  deps: HesdaWebhookDeps,
  log: Log,
  eventId: number,
  result: HesdaUpdateOutcome,
  duplicate: boolean,
): HesdaReceipt {
  // Published only now that the change is committed: a page never shows what a rollback undid.
  if (result.recorded.length > 0) deps.bus.publish(result.recorded);
  log.info({ eventId, outcome: result.outcome }, `hesda webhook ${result.outcome}`);
  return { ok: true, eventId, outcome: result.outcome, duplicate };
}

/** Hesda retried a delivery that failed before (database trouble, unknown id): try it again. */
async function reprocess(
  deps: HesdaWebhookDeps,
  log: Log,
  eventId: number,
  update: HesdaUpdate,
  at: number,
): Promise<HesdaReceipt> {
  try {
    const result = await deps.db.transaction().execute(async (trx) => {
      const r = await applyHesdaUpdate(trx, update, deps.runtime.now());
      await setDeliveryOutcome(trx, eventId, outcomeRecord(r, deps.runtime.now()));
      await recordRepeatDelivery(trx, eventId, at);
      return r;
    });
    return committed(deps, log, eventId, result, true);
  } catch (error) {
    log.error({ err: error, eventId }, 'hesda webhook retry failed; answering 5xx');
    return isDatabaseUnavailable(error) ? UNAVAILABLE : INTERNAL;
  }
}

/** Events other than transaction.update: kept for operators and acknowledged, never acted on. */
async function storeUnknownEvent(
  deps: HesdaWebhookDeps,
  log: Log,
  meta: DeliveryMeta,
  eventType: string | null,
  externalId: string,
): Promise<HesdaReceipt> {
  const record: OutcomeUpdate = {
    outcome: 'ignored',
    code: 'UNKNOWN_EVENT',
    message: `event ${eventType ?? '(tanpa X-Hesda-Event)'} tidak diproses`,
    note: null,
    orderId: null,
    at: deps.runtime.now(),
  };
  try {
    const id = await deps.db
      .transaction()
      .execute((trx) => insertVerifiedDelivery(trx, meta, { externalId, signatureDigest: null }, eventType, record));
    log.info({ eventId: id, eventType }, 'hesda webhook of an unknown event type stored');
    return { ok: true, eventId: id, outcome: 'ignored', duplicate: false };
  } catch (error) {
    const seen = isUniqueViolation(error)
      ? await findDelivery(deps.db, 'hesda', externalId).catch(() => undefined)
      : undefined;
    if (seen) {
      await recordRepeatDelivery(deps.db, seen.id, meta.receivedAt).catch(() => {});
      return { ok: true, eventId: seen.id, outcome: seen.outcome, duplicate: true };
    }
    log.error({ err: error }, 'hesda webhook not stored; answering 5xx');
    return isDatabaseUnavailable(error) ? UNAVAILABLE : INTERNAL;
  }
}

async function storeFailure(
  deps: HesdaWebhookDeps,
  meta: DeliveryMeta,
  externalId: string,
  eventType: string | null,
  error: unknown,
): Promise<void> {
  const record: OutcomeUpdate = {
    outcome: 'failed',
    code: 'PROCESSING_ERROR',
    message: error instanceof Error ? error.message.slice(0, 500) : String(error),
    note: null,
    orderId: null,
    at: deps.runtime.now(),
  };
  try {
    await deps.db
      .transaction()
      .execute((trx) => insertVerifiedDelivery(trx, meta, { externalId, signatureDigest: null }, eventType, record));
  } catch (again) {
    if (!isUniqueViolation(again)) throw again;
    const seen = await findDelivery(deps.db, 'hesda', externalId);
    if (seen) await recordRepeatDelivery(deps.db, seen.id, meta.receivedAt);
  }
}

function outcomeRecord(result: HesdaUpdateOutcome, at: number): OutcomeUpdate {
  return result.outcome === 'processed'
    ? { outcome: result.outcome, code: null, message: null, note: result.note, orderId: null, at }
    : { outcome: result.outcome, code: result.code, message: result.message, note: null, orderId: null, at };
}
