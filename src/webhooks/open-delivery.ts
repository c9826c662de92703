import type { Kysely } from 'kysely';
import type { Runtime } from '../clock.js';
import type { Database, WebhookProvider } from '../db/index.js';
import type { ErrorCode } from '../errors.js';
import type { Log } from '../logger.js';
import type { DeliveryMeta } from './events-store.js';
import { decodeBody } from './events-store.js';
import type { RefusedDeliveries } from './refused-deliveries.js';
import { refuseDelivery } from './refused-deliveries.js';

/** What a receiver needs to open a delivery: where refusals are counted and recorded. */
export interface OpeningDeps {
  db: Kysely<Database>;
  runtime: Runtime;
  /** Counts refused deliveries per IP and samples them (shared by the Lynk and Hesda webhooks). */
  refusals: RefusedDeliveries;
}

/** A delivery as its route hands it over: the body exactly as received. */
export interface IncomingDelivery {
  rawBody: Buffer;
  remoteIp: string | null;
  requestId: string | null;
}

/** Why a delivery is refused: the answer's code, and the message kept on its sampled row. */
export interface RefusalReason<C extends ErrorCode> {
  code: C;
  message: string;
}

/** The answer to a refused delivery; RATE_LIMITED once its IP was refused too often this minute. */
export interface RefusedDelivery<C extends ErrorCode> {
  ok: false;
  code: C | 'INVALID_JSON' | 'RATE_LIMITED';
  retryAfterMs?: number;
}

export type Checked<V, C extends ErrorCode> = { ok: true; value: V } | { ok: false; refusal: RefusalReason<C> };

/** On the bytes as received, before anything is parsed (Hesda signs the raw body): null to go on. */
export type BytesCheck<C extends ErrorCode> = (
  rawBody: Buffer,
  meta: DeliveryMeta,
) => RefusalReason<C> | null | Promise<RefusalReason<C> | null>;

/** On the parsed body: what the receiver reads of it, or why it is refused (Lynk signs fields of it). */
export type ParsedCheck<V, C extends ErrorCode> = (
  body: unknown,
  meta: DeliveryMeta,
) => Checked<V, C> | Promise<Checked<V, C>>;

/** A provider's own checks, around the shared ones (the body is UTF-8 and JSON). */
export interface DeliveryChecks<V, C extends ErrorCode> {
  bytes?: BytesCheck<C>;
  parsed: ParsedCheck<V, C>;
}

export interface OpenedDelivery<V, C extends ErrorCode> {
  ok: true;
  meta: DeliveryMeta;
  /** The parsed JSON, as the provider's processing reads it. */
  body: unknown;
  value: V;
  /** Refuses it after all (a finding of a later step), counted like any other refusal. */
  refuse(refusal: RefusalReason<C>): Promise<RefusedDelivery<C>>;
}

/**
 * The opening steps every webhook delivery goes through, in the same order for both providers:
 * decode the bytes once → the provider's check on the raw bytes → the body must be UTF-8 (RFC 8259
 * §8.1) and JSON → the provider's check on the parsed body. Each refusal is counted on the sampled
 * row of its IP and reason (refused-deliveries.ts); nothing refused reaches the store of deliveries.
 */
export async function openDelivery<V, C extends ErrorCode>(
  deps: OpeningDeps,
  log: Log,
  provider: WebhookProvider,
  delivery: IncomingDelivery,
  checks: DeliveryChecks<V, C>,
): Promise<OpenedDelivery<V, C> | RefusedDelivery<C>> {
  const decoded = decodeBody(delivery.rawBody);
  const meta: DeliveryMeta = {
    provider,
    rawBody: decoded.text,
    remoteIp: delivery.remoteIp,
    requestId: delivery.requestId,
    receivedAt: deps.runtime.now(),
  };
  const refuse = async (refusal: RefusalReason<C | 'INVALID_JSON'>): Promise<RefusedDelivery<C>> => {
    const decision = await refuseDelivery(deps.db, deps.refusals, log, meta, refusal);
    return decision.limited
      ? { ok: false, code: 'RATE_LIMITED', retryAfterMs: decision.retryAfterMs }
      : { ok: false, code: refusal.code };
  };

  const early = await checks.bytes?.(delivery.rawBody, meta);
  if (early) return refuse(early);
  // Even signed, bytes are not necessarily JSON text: a signature proves the bytes, nothing more.
  if (!decoded.utf8) return refuse({ code: 'INVALID_JSON', message: 'body is not UTF-8' });
  let body: unknown;
  try {
    body = JSON.parse(meta.rawBody);
  } catch {
    return refuse({ code: 'INVALID_JSON', message: 'body is not JSON' });
  }
  const checked = await checks.parsed(body, meta);
  if (!checked.ok) return refuse(checked.refusal);
  return { ok: true, meta, body, value: checked.value, refuse };
}
