import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { WebhookEventInput, WebhookEventType, WebhookSweep } from '../webhooks-out/index.js';
import { isoTime, queueWebhookEvents } from '../webhooks-out/index.js';
import { licenseState } from './status.js';

/**
 * The license events sent to the seller's systems. Each carries the license as the seller knows it
 * (key, product, buyer, limits; never a fingerprint or its hash) plus what happened. They are
 * queued in the transaction of the change, so an event exists exactly when its change does.
 */

async function licenseJson(db: Kysely<Database>, licenseId: number, now: number) {
  const row = await db
    .selectFrom('licenses as l')
    .innerJoin('orders as o', 'o.id', 'l.order_id')
    .select([
      'l.id',
      'l.license_key',
      'l.status',
      'l.expires_at',
      'l.product_uuid',
      'l.product_title',
      'l.email',
      'l.max_devices',
      'l.on_limit',
      'l.created_at',
      'o.order_no',
    ])
    .where('l.id', '=', licenseId)
    .executeTakeFirstOrThrow();
  const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
  return {
    id: row.id,
    key: row.license_key,
    status: licenseState({ status: row.status, expires_at: expiresAt }, now),
    product: { uuid: row.product_uuid, title: row.product_title },
    email: row.email,
    max_devices: row.max_devices,
    on_limit: row.on_limit,
    expires_at: isoTime(expiresAt),
    created_at: isoTime(row.created_at),
    order_no: row.order_no,
  };
}

/** One license event; its data (a query) is built only if an endpoint listens. */
export function licenseEvent(
  db: Kysely<Database>,
  type: WebhookEventType,
  licenseId: number,
  now: number,
  extra: Record<string, unknown> = {},
  dedupeKey?: string,
): WebhookEventInput {
  return {
    type,
    ...(dedupeKey ? { dedupeKey } : {}),
    data: async () => ({ license: await licenseJson(db, licenseId, now), ...extra }),
  };
}

/** `license.issued` for every license of an order (the list itself is read only for a listener). */
export function orderLicensesIssued(db: Kysely<Database>, orderId: number, now: number) {
  return async (): Promise<WebhookEventInput[]> => {
    const rows = await db.selectFrom('licenses').select('id').where('order_id', '=', orderId).orderBy('id').execute();
    return rows.map((r) => licenseEvent(db, 'license.issued', r.id, now));
  };
}

/**
 * `license.expired` when a license passes its expiry. Expiry is derived from `expires_at` (no row
 * changes), so the webhook worker sweeps for it: revoked licenses are left out (they ended before).
 */
export const licenseExpirySweep: WebhookSweep = {
  name: 'license.expired',
  async nextDue(db, after) {
    const row = await db
      .selectFrom('licenses')
      .select((eb) => eb.fn.min('expires_at').as('at'))
      .where('expires_at', '>', after)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  },
  announce(trx, from, to, ctx) {
    return queueWebhookEvents(
      trx,
      async () => {
        const rows = await trx
          .selectFrom('licenses')
          .select(['id', 'expires_at'])
          .where('expires_at', '>', from)
          .where('expires_at', '<=', to)
          .where('status', '=', 'active')
          .orderBy('expires_at')
          .orderBy('id')
          .execute();
        return rows.map((r) =>
          licenseEvent(
            trx,
            'license.expired',
            r.id,
            ctx.now,
            { expired_at: isoTime(r.expires_at) },
            `license.expired:${r.id}`,
          ),
        );
      },
      ctx,
    );
  },
};
