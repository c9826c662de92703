import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { PpobTransaction } from '../db/index.js';
import { isUniqueViolation } from '../db/index.js';
import type { Result } from '../errors.js';
import { recordRealtimeEvents } from '../realtime/index.js';
import type { PpobDeps } from './orders.js';
import { publish } from './orders.js';
import { applyEarlyCallbacks } from './reconcile.js';
import { advancePpobStatus, transactionEvents } from './transactions.js';

/** What the operator learned from the Hesda dashboard about an order whose outcome was unknown. */
export type PpobResolution = { hesdaTransactionId: string } | { notOrdered: true };

export type PpobResolveResult = Result<
  { transaction: PpobTransaction },
  'NOT_FOUND' | 'NOT_UNKNOWN' | 'HESDA_ID_TAKEN'
>;

/** Shown to the member when Hesda never received the order. */
export const NOT_ORDERED_MESSAGE = 'Pesanan tidak tercatat di Hesda (rekonsiliasi operator).';

/**
 * Closes the reconciliation of one `unknown` order, never by re-sending it: either Hesda has it
 * (its transaction id is recorded, the order becomes pending, and callbacks stored while the id was
 * unknown are applied), or it does not (failed). Audited, announced to the member's pages.
 */
export async function resolvePpobTransaction(
  deps: Pick<PpobDeps, 'db' | 'runtime' | 'bus'>,
  id: number,
  resolution: PpobResolution,
  actor: AuditActor,
): Promise<PpobResolveResult> {
  try {
    const outcome = await deps.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('ppob_transactions').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return { ok: false, code: 'NOT_FOUND' } as const;
      const now = deps.runtime.now();
      const report =
        'hesdaTransactionId' in resolution
          ? {
              status: 'pending' as const,
              sn: null,
              message: null,
              hesdaTransactionId: resolution.hesdaTransactionId,
              lastError: null,
            }
          : { status: 'failed' as const, sn: null, message: NOT_ORDERED_MESSAGE, lastError: row.last_error };
      if (row.status !== 'unknown') return { ok: false, code: 'NOT_UNKNOWN' } as const;
      let moved = await advancePpobStatus(trx, row, report, now);
      if (!moved) return { ok: false, code: 'NOT_UNKNOWN' } as const;
      moved = await applyEarlyCallbacks(trx, moved, now);
      await recordAudit(
        trx,
        actor,
        {
          action: 'ppob.reconcile',
          target: { type: 'ppob_transaction', id },
          details:
            'hesdaTransactionId' in resolution
              ? { hesda_transaction_id: resolution.hesdaTransactionId }
              : { not_ordered: true },
        },
        now,
      );
      const recorded = await recordRealtimeEvents(trx, transactionEvents(moved), now);
      return { ok: true, transaction: moved, recorded } as const;
    });
    if (!outcome.ok) return outcome;
    publish(deps.bus, outcome.recorded);
    return { ok: true, transaction: outcome.transaction };
  } catch (error) {
    // The id names another of our transactions: the operator looked at the wrong order.
    if (isUniqueViolation(error)) return { ok: false, code: 'HESDA_ID_TAKEN' };
    throw error;
  }
}
