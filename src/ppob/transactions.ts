import type { Kysely } from 'kysely';
import type { Database, PpobTransaction } from '../db/index.js';
import type { NewRealtimeEvent, RealtimeEventData } from '../realtime/index.js';
import type { HesdaStatus, PpobStatus } from './status.js';
import { nextPpobStatus, ppobStatusLabel } from './status.js';

/** Queries over ppob_transactions; every write runs on the caller's transaction handle. */

export interface NewPpobTransaction {
  idempotencyKey: string;
  memberId: number | null;
  productCode: string;
  customerNo: string;
}

/** Stored before Hesda is called, as `unknown`: a crash mid-call leaves a row to reconcile, never a lost order. */
export async function insertPpobTransaction(
  db: Kysely<Database>,
  input: NewPpobTransaction,
  now: number,
): Promise<PpobTransaction> {
  return db
    .insertInto('ppob_transactions')
    .values({
      idempotency_key: input.idempotencyKey,
      hesda_transaction_id: null,
      member_id: input.memberId,
      product_code: input.productCode,
      product_name: '',
      customer_no: input.customerNo,
      status: 'unknown',
      sn: null,
      message: null,
      last_error: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findPpobByKey(db: Kysely<Database>, key: string): Promise<PpobTransaction | undefined> {
  return db.selectFrom('ppob_transactions').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

export function findPpobByHesdaId(db: Kysely<Database>, hesdaId: string): Promise<PpobTransaction | undefined> {
  return db.selectFrom('ppob_transactions').selectAll().where('hesda_transaction_id', '=', hesdaId).executeTakeFirst();
}

export interface PpobListFilter {
  status?: PpobStatus;
  memberId?: number;
  limit?: number;
}

export function listPpobTransactions(db: Kysely<Database>, filter: PpobListFilter = {}): Promise<PpobTransaction[]> {
  let q = db
    .selectFrom('ppob_transactions')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.memberId !== undefined) q = q.where('member_id', '=', filter.memberId);
  return q.execute();
}

export interface StatusReport {
  status: HesdaStatus;
  sn: string | null;
  message: string | null;
  productName?: string | undefined;
  hesdaTransactionId?: string | undefined;
  lastError?: string | null;
}

/**
 * Moves a transaction forward if the rule allows. The UPDATE repeats the status it read in its
 * WHERE: on PostgreSQL a concurrent update of the row makes this one re-check against the
 * committed row and match nothing; on SQLite writers are serialised anyway. So two identical
 * webhooks at once make exactly one transition. Returns the new row, or null for no change.
 */
export async function advancePpobStatus(
  db: Kysely<Database>,
  current: PpobTransaction,
  report: StatusReport,
  now: number,
): Promise<PpobTransaction | null> {
  const next = nextPpobStatus(current.status, report.status);
  if (next === null) return null;
  const updated = await db
    .updateTable('ppob_transactions')
    .set({
      status: next,
      sn: report.sn === null || report.sn === '' ? current.sn : report.sn,
      message: report.message ?? current.message,
      product_name: current.product_name || report.productName || '',
      ...(report.hesdaTransactionId ? { hesda_transaction_id: report.hesdaTransactionId } : {}),
      ...(report.lastError !== undefined ? { last_error: report.lastError } : {}),
      updated_at: now,
    })
    .where('id', '=', current.id)
    .where('status', '=', current.status)
    .returningAll()
    .executeTakeFirst();
  return updated ?? null;
}

/** Hesda's answer could not be known: the row stays `unknown`, with why, for reconciliation. */
export async function markPpobUnknown(db: Kysely<Database>, id: number, reason: string, now: number): Promise<void> {
  await db
    .updateTable('ppob_transactions')
    .set({ last_error: reason.slice(0, 500), updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'unknown')
    .execute();
}

/** What the member's open transactions page needs to show the change (nothing more). */
export type TransactionUpdatedData = RealtimeEventData['transaction.updated'];

export function transactionUpdatedData(row: PpobTransaction): TransactionUpdatedData {
  return {
    id: row.id,
    status: row.status,
    statusLabel: ppobStatusLabel(row.status),
    productCode: row.product_code,
    productName: row.product_name,
    customerNo: row.customer_no,
    sn: row.sn,
    message: row.message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The event for every open page of the owner; none for transactions without a member. */
export function transactionEvents(row: PpobTransaction): NewRealtimeEvent[] {
  if (row.member_id === null) return [];
  return [{ memberId: row.member_id, deviceId: null, kind: 'transaction.updated', data: transactionUpdatedData(row) }];
}
