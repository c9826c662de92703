import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, Dialect, WebhookDelivery } from '../db/index.js';

/**
 * Claims up to `limit` due deliveries (pending and due, or `sending` whose lease ran out) of
 * enabled endpoints, marks them `sending` with a lease and counts the attempt — the mail outbox's
 * claim (src/mail/claim.ts), on this table. One statement; PostgreSQL adds FOR UPDATE SKIP LOCKED
 * so instances never claim the same row, SQLite's single writer makes it exclusive already.
 */
export async function claimDueDeliveries(
  db: Kysely<Database>,
  dialect: Dialect,
  now: number,
  limit: number,
  leaseMs: number,
): Promise<WebhookDelivery[]> {
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const result = await sql<WebhookDelivery>`
    update webhook_deliveries set status = 'sending', lease_until = ${now + leaseMs}, attempts = attempts + 1
    where id in (
      select id from webhook_deliveries
      where ((status = 'pending' and next_attempt_at <= ${now}) or (status = 'sending' and lease_until < ${now}))
        and endpoint_id in (select id from webhook_endpoints where enabled = 1)
      order by next_attempt_at, id
      limit ${limit}
      ${lock}
    )
    returning *`.execute(db);
  return result.rows;
}

/**
 * When the worker next has a delivery to make: the earliest pending retry or expiring lease of an
 * enabled endpoint, or null (a disabled endpoint's deliveries wait without waking anyone).
 */
export async function nextDeliveryDueAt(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => [
      eb.fn.min('next_attempt_at').filterWhere('status', '=', 'pending').as('pending'),
      eb.fn.min('lease_until').filterWhere('status', '=', 'sending').as('lease'),
    ])
    .where('status', 'in', ['pending', 'sending'])
    .where('endpoint_id', 'in', (eb) => eb.selectFrom('webhook_endpoints').select('id').where('enabled', '=', 1))
    .executeTakeFirst();
  const times = [row?.pending, row?.lease].filter((t): t is number => t !== null && t !== undefined).map(Number);
  return times.length > 0 ? Math.min(...times) : null;
}

/** What one claimed delivery sends: its message and where to. */
export async function deliveryTargets(db: Kysely<Database>, deliveryIds: readonly number[]) {
  if (deliveryIds.length === 0) return new Map<number, DeliveryTarget>();
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select(['d.id', 'm.webhook_id', 'm.payload', 'e.url', 'e.secret'])
    .where('d.id', 'in', deliveryIds)
    .execute();
  return new Map<number, DeliveryTarget>(rows.map((r) => [r.id, r]));
}

export interface DeliveryTarget {
  webhook_id: string;
  payload: string;
  url: string;
  /** Sealed (src/secret-box.ts). */
  secret: string;
}
