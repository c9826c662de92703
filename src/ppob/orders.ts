import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Runtime } from '../clock.js';
import type { Database, PpobTransaction } from '../db/index.js';
import { isUniqueViolation } from '../db/index.js';
import type { Failure, Ok } from '../errors.js';
import type { Log } from '../logger.js';
import { findMemberByEmail } from '../members/index.js';
import type { RealtimeBus, RealtimeEvent } from '../realtime/index.js';
import { recordRealtimeEvents } from '../realtime/index.js';
import type { HesdaSettings } from './hesda-client.js';
import { placeHesdaOrder } from './hesda-client.js';
import { applyEarlyCallbacks } from './reconcile.js';
import {
  advancePpobStatus,
  findPpobByKey,
  insertPpobTransaction,
  markPpobUnknown,
  transactionEvents,
} from './transactions.js';

export interface PpobDeps {
  db: Kysely<Database>;
  runtime: Runtime;
  bus: RealtimeBus;
  log: Log;
  /** Null when HESDA_API_URL is not set: ordering is off. */
  hesda: HesdaSettings | null;
}

export interface PpobOrderInput {
  productCode: string;
  customerNo: string;
  memberEmail?: string | undefined;
  /** The caller's key for retries of the same request; a random one when absent. */
  idempotencyKey?: string | undefined;
}

/**
 * Accepted (or, with `duplicate`, found already placed under this idempotency key), or refused. A
 * rejected order and one whose outcome is unknown are stored: their failure carries the transaction.
 */
export type PpobOrderResult =
  | Ok<{ duplicate: boolean; transaction: PpobTransaction }>
  | Failure<'PPOB_ORDER_REJECTED' | 'PPOB_OUTCOME_UNKNOWN', { transaction: PpobTransaction }>
  | Failure<'PPOB_NOT_CONFIGURED' | 'PPOB_MEMBER_NOT_FOUND' | 'IDEMPOTENCY_CONFLICT'>;

/**
 * Places one order with Hesda. The row (with our idempotency key) and its audit entry commit
 * BEFORE the HTTP call, so a retried request finds it and never orders twice; a call whose outcome
 * cannot be known leaves the row `unknown` for reconciliation. Nothing here ever re-sends.
 */
export async function placePpobOrder(
  deps: PpobDeps,
  input: PpobOrderInput,
  actor: AuditActor,
): Promise<PpobOrderResult> {
  const { db, runtime, log } = deps;
  if (!deps.hesda) return { ok: false, code: 'PPOB_NOT_CONFIGURED' };
  const key = input.idempotencyKey ?? `gbp_${runtime.randomBytes(16).toString('hex')}`;
  const seen = await findPpobByKey(db, key);
  if (seen) return sameOrSeen(seen, input);
  let memberId: number | null = null;
  if (input.memberEmail !== undefined) {
    const member = await findMemberByEmail(db, input.memberEmail);
    if (!member) return { ok: false, code: 'PPOB_MEMBER_NOT_FOUND' };
    memberId = member.id;
  }

  let stored: PpobTransaction;
  try {
    stored = await db.transaction().execute(async (trx) => {
      const now = runtime.now();
      const row = await insertPpobTransaction(
        trx,
        { idempotencyKey: key, memberId, productCode: input.productCode, customerNo: input.customerNo },
        now,
      );
      await recordAudit(
        trx,
        actor,
        {
          action: 'ppob.order',
          target: { type: 'ppob_transaction', id: row.id },
          details: { product_code: row.product_code, customer_no: row.customer_no, member_id: memberId },
        },
        now,
      );
      return row;
    });
  } catch (error) {
    // The same key sent twice at once: the other request stored it first and owns the call.
    const other = isUniqueViolation(error) ? await findPpobByKey(db, key) : undefined;
    if (!other) throw error;
    return sameOrSeen(other, input);
  }

  const answer = await placeHesdaOrder(deps.hesda, {
    productCode: stored.product_code,
    customerNo: stored.customer_no,
    idempotencyKey: key,
  });
  if (answer.kind === 'unknown') {
    const reason = `${answer.reason}: ${answer.detail}`;
    log.warn({ transactionId: stored.id, reason: answer.reason }, 'hesda order outcome unknown; needs reconciliation');
    await markPpobUnknown(db, stored.id, reason, runtime.now());
    return { ok: false, code: 'PPOB_OUTCOME_UNKNOWN', transaction: { ...stored, last_error: reason } };
  }

  let outcome: { row: PpobTransaction; recorded: RealtimeEvent[] };
  try {
    outcome = await db.transaction().execute(async (trx) => {
      const now = runtime.now();
      const report =
        answer.kind === 'accepted'
          ? {
              status: answer.status,
              sn: null,
              message: answer.message || null,
              productName: answer.productName,
              hesdaTransactionId: answer.transactionId,
              lastError: null,
            }
          : { status: 'failed' as const, sn: null, message: answer.message, lastError: `HTTP ${answer.httpStatus}` };
      let row = (await advancePpobStatus(trx, stored, report, now)) ?? stored;
      if (answer.kind === 'accepted') row = await applyEarlyCallbacks(trx, row, now);
      const recorded = await recordRealtimeEvents(trx, transactionEvents(row), now);
      return { row, recorded };
    });
  } catch (error) {
    // Hesda answered but the answer could not be stored: the order may exist there, so reconcile.
    const reason = `answer not stored: ${error instanceof Error ? error.message : String(error)}`;
    log.error({ err: error, transactionId: stored.id }, 'hesda order answer could not be stored; needs reconciliation');
    await markPpobUnknown(db, stored.id, reason, runtime.now()).catch(() => {});
    return { ok: false, code: 'PPOB_OUTCOME_UNKNOWN', transaction: { ...stored, last_error: reason } };
  }
  const { row, recorded } = outcome;
  publish(deps.bus, recorded);
  log.info(
    { transactionId: row.id, hesdaId: row.hesda_transaction_id, status: row.status },
    `ppob order ${answer.kind}`,
  );
  return answer.kind === 'accepted'
    ? { ok: true, duplicate: false, transaction: row }
    : { ok: false, code: 'PPOB_ORDER_REJECTED', transaction: row };
}

/** An idempotency key seen before: the same order again is a duplicate, another order a conflict. */
function sameOrSeen(seen: PpobTransaction, input: PpobOrderInput): PpobOrderResult {
  return sameOrder(seen, input)
    ? { ok: true, duplicate: true, transaction: seen }
    : { ok: false, code: 'IDEMPOTENCY_CONFLICT' };
}

function sameOrder(row: PpobTransaction, input: PpobOrderInput): boolean {
  return row.product_code === input.productCode && row.customer_no === input.customerNo;
}

export function publish(bus: RealtimeBus, events: RealtimeEvent[]): void {
  if (events.length > 0) bus.publish(events);
}
