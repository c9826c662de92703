import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { RealtimeEvent } from '../realtime/index.js';
import { recordRealtimeEvents } from '../realtime/index.js';
import type { HesdaUpdate } from './hesda-payload.js';
import { UNKNOWN_TRANSACTION } from './reconcile.js';
import { advancePpobStatus, findPpobByHesdaId, transactionEvents } from './transactions.js';

/** What a verified `transaction.update` did, stored on its event row; `recorded` is published after commit. */
export type HesdaUpdateOutcome =
  | { outcome: 'processed'; note: string; recorded: RealtimeEvent[] }
  | { outcome: 'ignored' | 'failed'; code: string; message: string; recorded: RealtimeEvent[] };

/**
 * Applies one status report inside the caller's transaction (the webhook's event row commits with
 * it). Unknown transaction ids are not an error of the sender: they are kept (as failed, with
 * UNKNOWN_TRANSACTION) for reconciliation, and applied later if our order's answer names them.
 */
export async function applyHesdaUpdate(
  db: Kysely<Database>,
  update: HesdaUpdate,
  now: number,
): Promise<HesdaUpdateOutcome> {
  const row = await findPpobByHesdaId(db, update.transaction_id);
  if (!row) {
    return {
      outcome: 'failed',
      code: UNKNOWN_TRANSACTION,
      message: `transaksi Hesda ${update.transaction_id} tidak dikenal; disimpan untuk rekonsiliasi`,
      recorded: [],
    };
  }
  const moved = await advancePpobStatus(
    db,
    row,
    { status: update.status, sn: update.sn, message: update.message, productName: update.product_name ?? undefined },
    now,
  );
  if (!moved) {
    return {
      outcome: 'ignored',
      code: 'NO_TRANSITION',
      message: `transaksi #${row.id} tetap ${row.status} (Hesda melaporkan ${update.status})`,
      recorded: [],
    };
  }
  const recorded = await recordRealtimeEvents(db, transactionEvents(moved), now);
  return {
    outcome: 'processed',
    note: `transaksi #${row.id}: ${row.status} → ${moved.status}${moved.sn ? `, sn ${moved.sn}` : ''}`,
    recorded,
  };
}
