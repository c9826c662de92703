import type { Kysely } from 'kysely';
import type { Database, PageQuery, PpobStatus } from '../db/index.js';
import { keysetBound, PAGE_SIZE, paged } from '../db/index.js';
import { hesdaDeliveryIdRange } from './hesda-payload.js';

/**
 * PPOB as operators look it up (the console): the transactions, a page at a time (src/db/keyset.ts),
 * and one transaction with its member and the Hesda deliveries about it.
 */

export interface PpobListQuery extends PageQuery {
  status?: PpobStatus | undefined;
  search?: string | undefined;
}

/**
 * The search is an exact match on a customer number, a Hesda transaction id or a member's email:
 * what an operator copies from a buyer's message or the Hesda dashboard. Each has an index ending
 * in id (0009-ppob-console, the unique Hesda id, the member index), so the OR stays index-backed.
 */
export async function listPpobPage(db: Kysely<Database>, query: PpobListQuery) {
  const limit = query.limit ?? PAGE_SIZE;
  const term = query.search?.trim() ?? '';
  let q = db
    .selectFrom('ppob_transactions')
    .leftJoin('members', 'members.id', 'ppob_transactions.member_id')
    .select([
      'ppob_transactions.id',
      'ppob_transactions.hesda_transaction_id',
      'ppob_transactions.product_code',
      'ppob_transactions.product_name',
      'ppob_transactions.customer_no',
      'ppob_transactions.status',
      'ppob_transactions.created_at',
      'ppob_transactions.updated_at',
      'members.email as member_email',
    ])
    .where('ppob_transactions.id', '<', keysetBound(query))
    .orderBy('ppob_transactions.id', 'desc')
    .limit(limit + 1);
  if (query.status) q = q.where('ppob_transactions.status', '=', query.status);
  if (term !== '') {
    const member = await db
      .selectFrom('members')
      .select('id')
      .where('email', '=', term.toLowerCase())
      .executeTakeFirst();
    q = q.where((eb) =>
      eb.or([
        eb('ppob_transactions.customer_no', '=', term),
        eb('ppob_transactions.hesda_transaction_id', '=', term),
        ...(member ? [eb('ppob_transactions.member_id', '=', member.id)] : []),
      ]),
    );
  }
  return paged(await q.execute(), limit);
}

export async function ppobDetail(db: Kysely<Database>, id: number) {
  const transaction = await db.selectFrom('ppob_transactions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!transaction) return null;
  const member =
    transaction.member_id === null
      ? null
      : await db
          .selectFrom('members')
          .select(['id', 'email', 'name'])
          .where('id', '=', transaction.member_id)
          .executeTakeFirst();
  // Hesda's deliveries carry its transaction id as the prefix of their delivery id (hesdaDeliveryId).
  const range = transaction.hesda_transaction_id ? hesdaDeliveryIdRange(transaction.hesda_transaction_id) : null;
  const deliveries = range
    ? await db
        .selectFrom('webhook_events')
        .select([
          'id',
          'external_id',
          'received_at',
          'delivery_count',
          'outcome',
          'error_code',
          'error_message',
          'note',
        ])
        .where('provider', '=', 'hesda')
        .where('external_id', '>=', range.from)
        .where('external_id', '<', range.to)
        .orderBy('id')
        .limit(100)
        .execute()
    : [];
  return { transaction, member: member ?? null, deliveries };
}
