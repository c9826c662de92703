import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Runtime } from '../../clock.js';
import type { PreviousKey } from '../../config/index.js';
import type { Database, Transact, WebhookOutcome } from '../../db/index.js';
import { isDatabaseUnavailable, isUniqueViolation, plainTransactions } from '../../db/index.js';
import type { Log } from '../../logger.js';
import type { HesdaUpdate, HesdaUpdateOutcome } from '../../ppob/index.js';
import { applyHesdaUpdate, HESDA_UPDATE_EVENT, hesdaDeliveryId, hesdaUpdateSchema } from '../../ppob/index.js';
import type { RealtimeBus } from '../../realtime/index.js';
import type { DeliveryMeta, OutcomeUpdate } from '../events-store.js';
import {
  decodeBody,
  findDelivery,
  insertVerifiedDelivery,
  recordRepeatDelivery,
  setDeliveryOutcome,
} from '../events-store.js';
import type { WebhookKeyring } from '../keyring.js';
import { matchWithKeyring, staticKeyring } from '../keyring.js';
import type { RefusedDeliveries } from '../refused-deliveries.js';
import { refuseDelivery } from '../refused-deliveries.js';
import type { PreviousKeyUse } from '../signing-keys.js';
import { matchHesdaSignature } from './signature.js';

export interface HesdaWebhookDeps {
  db: Kysely<Database>;
  runtime: Runtime;
  /** HESDA_SECRET_KEY; without it nothing can be verified and every delivery is refused. */
  secretKey: string | undefined;
  /** HESDA_SECRET_KEY_PREVIOUS during a rotation. */
  previousSecretKey?: PreviousKey | undefined;
  /** Counts deliveries verified only by the previous key (GET /metrics). */
  previousKeyUse?: PreviousKeyUse;
  bus: RealtimeBus;
  /** Group commit on SQLite; a plain transaction by default. */
  transact?: Transact;
  /** Counts refused deliveries per IP and samples them (shared with the Lynk webhook). */
  refusals: RefusedDeliveries;
  /** The accepted keys (database, else environment); secretKey/previousSecretKey when not given. */
  keyring?: WebhookKeyring;
}

export interface HesdaDelivery {
  rawBody: Buffer;
  signature: string | undefined;
  event: string | undefined;
  remoteIp: string | null;
  requestId: string | null;
}

/**
 * 401 bad signature · 400 bad payload · 500 not committed (Hesda retries) — seed 003 "Status Codes" ·
 * 503 the database unreachable (nothing stored; Hesda retries as for any non-2xx) · 429 too many
 * refused deliveries from this IP this minute (nothing stored).
 */
export type HesdaReceipt =
  | { ok: true; eventId: number; outcome: WebhookOutcome; duplicate: boolean }
  | {
      ok: false;
      status: 400 | 401 | 429 | 500 | 503;
      code:
        | 'INVALID_SIGNATURE'
        | 'INVALID_JSON'
        | 'INVALID_PAYLOAD'
        | 'RATE_LIMITED'
        | 'INTERNAL'
        | 'STORAGE_UNAVAILABLE';
      retryAfterMs?: number;
    };

const UNAVAILABLE = { ok: false, status: 503, code: 'STORAGE_UNAVAILABLE' } as const;

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
  const decoded = decodeBody(delivery.rawBody);
  const meta: DeliveryMeta = {
    provider: 'hesda',
    rawBody: decoded.text,
    remoteIp: delivery.remoteIp,
    requestId: delivery.requestId,
    receivedAt: deps.runtime.now(),
  };
  const notConfigured = () => {
    log.error('HESDA_SECRET_KEY is not set: every Hesda webhook is refused');
    return reject(401, 'INVALID_SIGNATURE', 'HESDA_SECRET_KEY is not set: cannot verify');
  };
  const reject = async (
    status: 400 | 401,
    code: 'INVALID_SIGNATURE' | 'INVALID_JSON' | 'INVALID_PAYLOAD',
    message: string,
  ): Promise<HesdaReceipt> => {
    const decision = await refuseDelivery(deps.db, deps.refusals, log, meta, { code, message });
    return decision.limited
      ? { ok: false, status: 429, code: 'RATE_LIMITED', retryAfterMs: decision.retryAfterMs }
      : { ok: false, status, code };
  };

  const keyring =
    deps.keyring ??
    staticKeyring({
      lynk: undefined,
      hesda: deps.secretKey ? { current: deps.secretKey, previous: deps.previousSecretKey } : undefined,
    });
  // The signature first, on the bytes as received: nothing unauthenticated is parsed or trusted.
  if (delivery.signature === undefined || delivery.signature.trim() === '') {
    if (!(await keyring.keys('hesda'))) return notConfigured();
    return reject(401, 'INVALID_SIGNATURE', 'no X-Hesda-Signature header');
  }
  const signature = delivery.signature;
  const { matched, configured } = await matchWithKeyring(keyring, 'hesda', (keys) =>
    matchHesdaSignature(delivery.rawBody, keys, meta.receivedAt, signature),
  );
  if (!configured) return notConfigured();
  if (matched === null) return reject(401, 'INVALID_SIGNATURE', 'X-Hesda-Signature does not match');
  if (matched === 'previous') {
    // A rotation in progress: accepted and told to the operator (never the key itself).
    if (deps.previousKeyUse) deps.previousKeyUse.hesda += 1;
    log.warn(
      { provider: 'hesda', key: 'HESDA_SECRET_KEY_PREVIOUS' },
      'hesda webhook signed with the previous secret key: Hesda has not switched to the new key yet',
    );
  }
  // Signed but not UTF-8: the signature proves the bytes, not that they are JSON text.
  if (!decoded.utf8) return reject(400, 'INVALID_JSON', 'body is not UTF-8');
  let body: unknown;
  try {
    body = JSON.parse(meta.rawBody);
  } catch {
    return reject(400, 'INVALID_JSON', 'body is not JSON');
  }
  const eventType = delivery.event?.trim().slice(0, 100) || null;
  // The signature covers the body only: X-Hesda-Event can be rewritten by anyone who saw a delivery.
  // So the delivery id is the body's alone, and a signed body re-sent under another (or a
  // differently written) event header is a repeat of the first, never a new event.
  const externalId = hesdaDeliveryId(
    bodyTransactionId(body),
    createHash('sha256').update(delivery.rawBody).digest('hex'),
  );
  if (eventType !== HESDA_UPDATE_EVENT) return storeUnknownEvent(deps, log, meta, eventType, externalId);

  const parsed = hesdaUpdateSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return reject(400, 'INVALID_PAYLOAD', `${first?.path.join('.') ?? ''}: ${first?.message ?? 'tidak valid'}`);
  }
  const update = parsed.data;
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
    return { ok: false, status: 500, code: 'INTERNAL' };
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
    return isDatabaseUnavailable(error) ? UNAVAILABLE : { ok: false, status: 500, code: 'INTERNAL' };
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
    return isDatabaseUnavailable(error) ? UNAVAILABLE : { ok: false, status: 500, code: 'INTERNAL' };
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

/**
 * The transaction id a body names, written as hesdaUpdateSchema reads it (text, trimmed, NUL
 * dropped), so that the delivery id of a body is the same whichever event header it came with.
 */
function bodyTransactionId(body: unknown): string {
  const tid = (body as { transaction_id?: unknown } | null)?.transaction_id;
  if (typeof tid !== 'string' && typeof tid !== 'number') return '-';
  return String(tid).replaceAll('\u0000', '').trim() || '-';
}
