import type { Kysely } from 'kysely';
import type { Database, WebhookEvent, WebhookOutcome, WebhookProvider } from '../db/index.js';
import { executeCompiledOnce } from '../db/index.js';

/**
 * The durable record of every webhook delivery, shared by the Lynk and Hesda receivers (refused
 * ones are counted on sampled rows: refused-deliveries.ts).
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as text, decoded once. `utf8` says whether it was valid UTF-8, as JSON text must be
 * (RFC 8259 §8.1); only then may it be processed. A lenient decode would swap bad bytes for U+FFFD:
 * the event would be processed, and stored as "the raw body", with bytes the sender never sent. An
 * invalid body is still decoded leniently, for the rejected record an operator reads.
 */
export function decodeBody(raw: Buffer): { text: string; utf8: boolean } {
  try {
    return { text: strictUtf8.decode(raw), utf8: true };
  } catch {
    return { text: raw.toString('utf8'), utf8: false };
  }
}

export interface DeliveryMeta {
  provider: WebhookProvider;
  rawBody: string;
  remoteIp: string | null;
  requestId: string | null;
  receivedAt: number;
}

export function findDelivery(
  db: Kysely<Database>,
  provider: WebhookProvider,
  externalId: string,
): Promise<Pick<WebhookEvent, 'id' | 'outcome'> | undefined> {
  return db
    .selectFrom('webhook_events')
    .select(['id', 'outcome'])
    .where('provider', '=', provider)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

/** The verified delivery that used a signature (by its digest), with its body to compare. */
export function findDeliveryBySignature(
  db: Kysely<Database>,
  signatureDigest: string,
): Promise<Pick<WebhookEvent, 'id' | 'outcome' | 'raw_body'> | undefined> {
  return db
    .selectFrom('webhook_events')
    .select(['id', 'outcome', 'raw_body'])
    .where('signature_digest', '=', signatureDigest)
    .executeTakeFirst();
}

/** A repeated delivery changes nothing but the counters that show Lynk retried. */
export async function recordRepeatDelivery(db: Kysely<Database>, id: number, at: number): Promise<void> {
  await db
    .updateTable('webhook_events')
    .set((eb) => ({ delivery_count: eb('delivery_count', '+', 1), last_received_at: at }))
    .where('id', '=', id)
    .execute();
}

export interface OutcomeUpdate {
  outcome: WebhookOutcome;
  code: string | null;
  message: string | null;
  note: string | null;
  orderId: number | null;
  at: number;
}

/**
 * Stores a signature-verified delivery with its outcome, in one INSERT. Its unique (provider,
 * external id) is the idempotency check, and its unique signature digest (Lynk) makes a signature
 * serve one body only: either conflict fails here and the caller sorts repeat from re-use.
 */
export async function insertVerifiedDelivery(
  db: Kysely<Database>,
  meta: DeliveryMeta,
  ids: { externalId: string | null; signatureDigest: string | null },
  eventType: string | null,
  result: OutcomeUpdate,
): Promise<number> {
  const row = {
    provider: meta.provider,
    external_id: ids.externalId,
    event_type: eventType,
    received_at: meta.receivedAt,
    last_received_at: meta.receivedAt,
    delivery_count: 1,
    raw_body: meta.rawBody,
    signature_valid: 1,
    remote_ip: meta.remoteIp,
    request_id: meta.requestId,
    outcome: result.outcome,
    error_code: result.code,
    error_message: result.message,
    note: result.note,
    attempts: 1,
    processed_at: result.at,
    order_id: result.orderId,
    signature_digest: ids.signatureDigest,
  };
  const inserted = await executeCompiledOnce(db, 'insert verified delivery', Object.values(row), () =>
    db.insertInto('webhook_events').values(row).returning('id'),
  );
  const id = inserted.rows[0]?.id;
  if (id === undefined) throw new Error('webhook event insert returned no id');
  return id;
}

export async function setDeliveryOutcome(db: Kysely<Database>, id: number, update: OutcomeUpdate): Promise<void> {
  await db
    .updateTable('webhook_events')
    .set((eb) => ({
      outcome: update.outcome,
      error_code: update.code,
      error_message: update.message,
      note: update.note,
      order_id: update.orderId,
      attempts: eb('attempts', '+', 1),
      processed_at: update.at,
    }))
    .where('id', '=', id)
    .execute();
}

export function getDelivery(db: Kysely<Database>, id: number): Promise<WebhookEvent | undefined> {
  return db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface DeliveryListFilter {
  provider?: WebhookProvider;
  outcome?: WebhookOutcome;
  limit?: number;
}

/** What a delivery list shows (the CLI and the console); raw bodies are read only for one delivery. */
export const DELIVERY_LIST_COLUMNS = [
  'id',
  'provider',
  'external_id',
  'event_type',
  'received_at',
  'last_received_at',
  'delivery_count',
  'remote_ip',
  'signature_valid',
  'outcome',
  'error_code',
  'error_message',
  'note',
  'attempts',
  'processed_at',
] as const;

export function listDeliveries(db: Kysely<Database>, filter: DeliveryListFilter = {}) {
  let q = db
    .selectFrom('webhook_events')
    .select(DELIVERY_LIST_COLUMNS)
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100);
  if (filter.provider) q = q.where('provider', '=', filter.provider);
  if (filter.outcome) q = q.where('outcome', '=', filter.outcome);
  return q.execute();
}
