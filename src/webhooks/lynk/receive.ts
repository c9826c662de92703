import type { WebhookOutcome } from '../../db/index.js';
import { isDatabaseUnavailable, isUniqueViolation, plainTransactions } from '../../db/index.js';
import type { ErrorCode, Result } from '../../errors.js';
import type { Log } from '../../logger.js';
import type { DeliveryMeta, OutcomeUpdate } from '../events-store.js';
import {
  findDelivery,
  findDeliveryBySignature,
  getDelivery,
  insertVerifiedDelivery,
  recordRepeatDelivery,
  setDeliveryOutcome,
} from '../events-store.js';
import type { WebhookKeyring } from '../keyring.js';
import { matchWithKeyring, staticKeyring } from '../keyring.js';
import type { IncomingDelivery, ParsedCheck } from '../open-delivery.js';
import { openDelivery } from '../open-delivery.js';
import type { RefusedDeliveries } from '../refused-deliveries.js';
import type { TestPings } from '../test-pings.js';
import { isLynkTestEvent } from '../test-pings.js';
import type { LynkEnvelope } from './payload.js';
import { lynkDeliveryId, lynkEnvelopeSchema } from './payload.js';
import type { LynkDeps, ProcessOutcome } from './process.js';
import { applyLynkPlan, planLynkEvent } from './process.js';
import { lynkSignatureDigest, matchLynkSignature } from './signature.js';

export type LynkReceipt =
  | {
      ok: true;
      eventId: number;
      outcome: WebhookOutcome;
      duplicate: boolean;
      /** Deliveries queued for the seller's endpoints (none when nobody listens). */
      webhookDeliveries?: number;
      test?: undefined;
    }
  /** The dashboard's "Test URL" post: answered 200, counted, nothing stored or granted. */
  | { ok: true; test: true }
  | { ok: false; code: ErrorCode; retryAfterMs?: number };

export interface LynkDelivery extends IncomingDelivery {
  signature: string | undefined;
}

export interface LynkReceiveDeps extends LynkDeps {
  /** Counts refused deliveries per IP and samples them (shared with the Hesda webhook). */
  refusals: RefusedDeliveries;
  /** The accepted keys (database, else environment); the config's keys when not given. */
  keyring?: WebhookKeyring;
  /** Counts the dashboard's test posts; without it they are handled as any other delivery. */
  testPings?: TestPings;
}

/** The parsed event, or the dashboard's unsigned "Test URL" post (answered, counted, never stored). */
type LynkOpened =
  | { envelope: LynkEnvelope; test?: undefined }
  | { envelope: LynkEnvelope; test: 'answered' | 'limited' };

/**
 * Lynk signs fields of the parsed event, not its bytes: the envelope is read first, then its
 * signature checked against the accepted keys (refusals in this order: not an event object, no
 * signature, a wrong one). The dashboard's test post may carry no valid signature: it is answered
 * 200 and counted (test-pings.ts) so the seller sees the connection work, and grants nothing.
 */
function checkLynkSignature(
  deps: LynkReceiveDeps,
  log: Log,
  delivery: LynkDelivery,
): ParsedCheck<LynkOpened, ErrorCode> {
  return async (body, meta) => {
    const envelope = lynkEnvelopeSchema.safeParse(body);
    if (!envelope.success)
      return { ok: false, refusal: { code: 'INVALID_PAYLOAD', message: 'body is not a Lynk event object' } };
    const keyring =
      deps.keyring ??
      staticKeyring({
        lynk: { current: deps.config.lynkMerchantKey, previous: deps.config.lynkMerchantKeyPrevious },
        hesda: undefined,
      });
    const signature = delivery.signature?.trim() ? delivery.signature : undefined;
    const { matched } = signature
      ? await matchWithKeyring(keyring, 'lynk', (keys) =>
          matchLynkSignature(envelope.data, keys, meta.receivedAt, signature),
        )
      : { matched: null };
    if (deps.testPings && isLynkTestEvent(envelope.data)) {
      // Counted either way; a signed one is then stored like any other event (it grants nothing either).
      const counted = await deps.testPings.record('lynk', delivery.remoteIp, matched !== null, meta.receivedAt);
      if (matched === null)
        return { ok: true, value: { envelope: envelope.data, test: counted === 'limited' ? 'limited' : 'answered' } };
    }
    if (signature === undefined)
      return { ok: false, refusal: { code: 'MISSING_SIGNATURE', message: 'no X-Lynk-Signature header' } };
    if (matched === null)
      return { ok: false, refusal: { code: 'INVALID_SIGNATURE', message: 'X-Lynk-Signature does not match' } };
    if (matched === 'previous') {
      // A rotation in progress: accepted, and told to the operator, who retires the old key once
      // no delivery needs it any more (docs/SECURITY.md). The key itself is never logged.
      if (deps.previousKeyUse) deps.previousKeyUse.lynk += 1;
      log.warn(
        { provider: 'lynk' },
        'lynk webhook signed with the previous merchant key: Lynk.id has not switched yet',
      );
    }
    return { ok: true, value: { envelope: envelope.data } };
  };
}

/**
 * Verify → store → process, the order that makes a 200 mean "durably stored". The event row, the
 * order, member, licenses and queued mails commit in one transaction; a processing bug still leaves
 * the event stored (as failed, replayable). Only when nothing could be stored is the answer 503, so
 * Lynk retries.
 */
export async function receiveLynkDelivery(
  deps: LynkReceiveDeps,
  log: Log,
  delivery: LynkDelivery,
): Promise<LynkReceipt> {
  const opened = await openDelivery(deps, log, 'lynk', delivery, {
    parsed: checkLynkSignature(deps, log, delivery),
  });
  if (!opened.ok) return opened;
  const { meta, body, refuse } = opened;
  if (opened.value.test === 'limited') return { ok: false, code: 'RATE_LIMITED', retryAfterMs: 60_000 };
  if (opened.value.test === 'answered') {
    log.info('lynk dashboard test delivery without a valid signature answered 200 (nothing stored)');
    return { ok: true, test: true };
  }
  const { envelope } = opened.value;

  const ids = { externalId: lynkDeliveryId(envelope), signatureDigest: lynkSignatureDigest(envelope) };
  const { externalId } = ids;
  const eventType = envelope.event ?? null;
  try {
    const plan = await planLynkEvent(deps, body);
    const transact = deps.transact ?? plainTransactions(deps.db);
    try {
      const stored = await transact(async (trx) => {
        const result = await applyLynkPlan(trx, deps, plan);
        const id = await insertVerifiedDelivery(trx, meta, ids, eventType, outcomeRecord(result, deps.runtime.now()));
        return {
          id,
          outcome: result.outcome,
          webhookDeliveries: result.outcome === 'processed' ? result.webhookDeliveries : 0,
        };
      });
      log.info({ eventId: stored.id, outcome: stored.outcome, externalId }, `lynk webhook ${stored.outcome}`);
      return {
        ok: true,
        eventId: stored.id,
        outcome: stored.outcome,
        duplicate: false,
        webhookDeliveries: stored.webhookDeliveries,
      };
    } catch (error) {
      // The event row's insert hit a unique key, so the transaction wrote nothing: this signature or
      // this message id was stored before (Lynk retried, the same delivery arrived twice at once, or
      // a captured signature came back on another body).
      if (isUniqueViolation(error)) {
        const earlier = await earlierDelivery(deps, meta, ids);
        if (earlier === 'signature-reused') {
          // Only the signed text is authenticated: a body that differs from the one first accepted
          // under it is not from Lynk, whatever its message id (it would be a new order otherwise).
          return refuse({ code: 'SIGNATURE_REUSED', message: 'X-Lynk-Signature was accepted before for another body' });
        }
        if (earlier) return await repeat(deps, earlier.id, meta.receivedAt);
      }
      // The database unreachable is not a processing failure: a row stored as failed on a connection
      // that came back would turn Lynk's retry into a duplicate nobody processes. Answer 503 instead.
      if (isDatabaseUnavailable(error)) throw error;
      log.error({ err: error, externalId }, 'lynk webhook processing failed; storing it as failed');
      const eventId = await deps.db.transaction().execute((trx) =>
        insertVerifiedDelivery(trx, meta, ids, eventType, {
          outcome: 'failed',
          code: 'PROCESSING_ERROR',
          message: error instanceof Error ? error.message.slice(0, 500) : String(error),
          note: null,
          orderId: null,
          at: deps.runtime.now(),
        }),
      );
      return { ok: true, eventId, outcome: 'failed', duplicate: false };
    }
  } catch (error) {
    log.error({ err: error, externalId }, 'lynk webhook could not be stored; answering 503 so Lynk retries');
    return { ok: false, code: 'STORAGE_UNAVAILABLE' };
  }
}

/**
 * The stored delivery an insert collided with. The same bytes under the same signature are a repeat;
 * other bytes under it are a re-used signature. Without a signature match, the message id decides
 * (a repeat, as before: Lynk's own retry of a message id changes nothing).
 */
async function earlierDelivery(
  deps: LynkDeps,
  meta: DeliveryMeta,
  ids: { externalId: string | null; signatureDigest: string },
): Promise<{ id: number } | 'signature-reused' | undefined> {
  const bySignature = await findDeliveryBySignature(deps.db, ids.signatureDigest);
  if (bySignature) return bySignature.raw_body === meta.rawBody ? { id: bySignature.id } : 'signature-reused';
  return ids.externalId === null ? undefined : await findDelivery(deps.db, 'lynk', ids.externalId);
}

async function repeat(deps: LynkDeps, id: number, at: number): Promise<LynkReceipt> {
  await recordRepeatDelivery(deps.db, id, at);
  const event = await getDelivery(deps.db, id);
  return { ok: true, eventId: id, outcome: event?.outcome ?? 'processed', duplicate: true };
}

function outcomeRecord(result: ProcessOutcome, at: number): OutcomeUpdate {
  return result.outcome === 'processed'
    ? { outcome: result.outcome, code: null, message: null, note: result.note, orderId: result.orderId, at }
    : { outcome: result.outcome, code: result.code, message: result.message, note: null, orderId: null, at };
}

/** A replay that ran (whatever the event's own outcome), or one refused before running. */
export type ReplayResult = Result<
  { outcome: WebhookOutcome; note: string | null; message: string | null },
  'NOT_FOUND' | 'NOT_REPLAYABLE',
  { message: string }
>;

export interface ReplayOptions {
  /** The buyer's email when the payload lacked a usable one (the operator learned it from Lynk). */
  email?: string;
}

/**
 * Re-runs a stored, signature-verified Lynk event that failed, after the operator fixed the cause
 * (a product rule, a bug, or a missing buyer email supplied with `email`). The raw body stays as
 * received; an override is recorded in the outcome note. Processed events are never re-run: that
 * would issue twice.
 */
export async function replayLynkEvent(
  deps: LynkDeps,
  eventId: number,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const event = await getDelivery(deps.db, eventId);
  if (!event) return { ok: false, code: 'NOT_FOUND', message: `event #${eventId} tidak ada` };
  if (event.provider !== 'lynk' || event.signature_valid !== 1 || event.outcome !== 'failed') {
    return {
      ok: false,
      code: 'NOT_REPLAYABLE',
      message: `event #${eventId} (${event.provider}, ${event.outcome}) tidak bisa diulang: hanya event Lynk bertanda tangan sah yang gagal`,
    };
  }
  const body = JSON.parse(event.raw_body) as unknown;
  if (options.email !== undefined) overrideBuyerEmail(body, options.email);
  const plan = await planLynkEvent(deps, body);
  const result = await deps.db.transaction().execute(async (trx) => {
    let r = await applyLynkPlan(trx, deps, plan);
    if (r.outcome === 'processed' && options.email !== undefined)
      r = { ...r, note: `${r.note}; email pembeli diisi operator: ${options.email}` };
    await setDeliveryOutcome(trx, eventId, outcomeRecord(r, deps.runtime.now()));
    return r;
  });
  return result.outcome === 'processed'
    ? { ok: true, outcome: result.outcome, note: result.note, message: null }
    : { ok: true, outcome: result.outcome, note: null, message: result.message };
}

function overrideBuyerEmail(body: unknown, email: string): void {
  const md = (body as { data?: { message_data?: { customer?: Record<string, unknown> } } })?.data?.message_data;
  if (!md || typeof md !== 'object') return;
  md.customer = { ...(md.customer ?? {}), email };
}
