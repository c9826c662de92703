import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';

export const DELIVERY_PAGE_SIZE = 50;

/** An endpoint's deliveries, newest first, keyset-paginated by id (the console's delivery log). */
export async function listEndpointDeliveries(db: Kysely<Database>, endpointId: number, before?: number) {
  let q = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
    .select([
      'd.id',
      'm.webhook_id',
      'm.event_type',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'd.last_status',
      'd.last_error',
      'd.created_at',
      'd.delivered_at',
    ])
    .where('d.endpoint_id', '=', endpointId)
    .orderBy('d.id', 'desc')
    .limit(DELIVERY_PAGE_SIZE + 1);
  if (before !== undefined) q = q.where('d.id', '<', before);
  const rows = await q.execute();
  const page = rows.slice(0, DELIVERY_PAGE_SIZE);
  const next = rows.length > DELIVERY_PAGE_SIZE ? (page.at(-1)?.id ?? null) : null;
  return { rows: page, next };
}

/** One delivery with its message, endpoint and every attempt (newest first). */
export async function deliveryDetail(db: Kysely<Database>, id: number) {
  const delivery = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select([
      'd.id',
      'd.endpoint_id',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'd.retry_from',
      'd.last_status',
      'd.last_error',
      'd.created_at',
      'd.delivered_at',
      'm.webhook_id',
      'm.event_type',
      'm.payload',
      'e.url',
    ])
    .where('d.id', '=', id)
    .executeTakeFirst();
  if (!delivery) return null;
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', '=', id)
    .orderBy('id', 'desc')
    .limit(100)
    .execute();
  return { delivery, attempts };
}

/**
 * "Kirim ulang": the same message again, with the same `webhook-id` (a receiver that already has
 * it drops the copy; one that lost it gets it), now and with a fresh retry window. A delivery
 * being sent right now is left alone.
 */
export async function resendDelivery(db: Kysely<Database>, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: now, retry_from: now, lease_until: null })
    .where('id', '=', id)
    .where('status', '!=', 'sending')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
