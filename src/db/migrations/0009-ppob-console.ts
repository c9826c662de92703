import type { Kysely } from 'kysely';

/**
 * The console's PPOB search by customer number (a buyer asking "where is my top-up to 0812…"):
 * an exact match, newest first, answered from this index like every other console list.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('ppob_transactions_customer_idx')
    .on('ppob_transactions')
    .columns(['customer_no', 'id'])
    .execute();
}
