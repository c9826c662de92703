import type { Kysely } from 'kysely';
import type { Database, PpobTransaction } from '../db/index.js';
import { hesdaDeliveryIdRange, hesdaUpdateSchema } from './hesda-payload.js';
import { advancePpobStatus } from './transactions.js';

/** Stored on a verified webhook whose transaction id we did not know (yet). */
export const UNKNOWN_TRANSACTION = 'UNKNOWN_TRANSACTION';

/**
 * Hesda may call back before its answer to /order reaches us. Such a callback is stored as failed
 * with UNKNOWN_TRANSACTION; once the answer names the transaction, those deliveries are applied in
 * the order they arrived and marked processed, in the caller's transaction. (webhook_events is the
 * shared events store's table; read here directly to keep ppob free of the webhooks folder.)
 */
export async function applyEarlyCallbacks(
  db: Kysely<Database>,
  row: PpobTransaction,
  now: number,
): Promise<PpobTransaction> {
  if (!row.hesda_transaction_id) return row;
  const range = hesdaDeliveryIdRange(row.hesda_transaction_id);
  const early = await db
    .selectFrom('webhook_events')
    .select(['id', 'raw_body'])
    .where('provider', '=', 'hesda')
    .where('error_code', '=', UNKNOWN_TRANSACTION)
    .where('external_id', '>=', range.from)
    .where('external_id', '<', range.to)
    .orderBy('id')
    .execute();
  let current = row;
  for (const event of early) {
    const parsed = hesdaUpdateSchema.safeParse(JSON.parse(event.raw_body));
    if (!parsed.success) continue;
    const update = parsed.data;
    const moved = await advancePpobStatus(
      db,
      current,
      { status: update.status, sn: update.sn, message: update.message, productName: update.product_name ?? undefined },
      now,
    );
    if (moved) current = moved;
    await db
      .updateTable('webhook_events')
      .set((eb) => ({
        outcome: moved ? 'processed' : 'ignored',
        error_code: moved ? null : 'NO_TRANSITION',
        error_message: moved ? null : `status ${current.status} tidak berubah`,
        note: `transaksi #${current.id}: diterapkan setelah jawaban order (${update.status})`,
        attempts: eb('attempts', '+', 1),
        processed_at: now,
      }))
      .where('id', '=', event.id)
      .execute();
  }
  return current;
}
