import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

/**
 * PPOB (Hesda) transactions. Our idempotency key is written before Hesda is called, so a retried
 * request never orders twice; Hesda's transaction id arrives with its answer (null until then, and
 * for orders whose outcome is unknown: those wait for reconciliation).
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .createTable('ppob_transactions')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    // Unique, yet NULL while unknown: both dialects allow many NULLs under a unique constraint.
    .addColumn('hesda_transaction_id', 'text', (c) => c.unique())
    .addColumn('member_id', 'integer', (c) => c.references('members.id'))
    .addColumn('product_code', 'text', (c) => c.notNull())
    .addColumn('product_name', 'text', (c) => c.notNull())
    .addColumn('customer_no', 'text', (c) => c.notNull())
    // unknown (stored, Hesda's answer not known yet or never received) · pending · success · failed.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('sn', 'text')
    .addColumn('message', 'text')
    // Why the outcome is unknown (timeout, network, 5xx, malformed answer), for reconciliation.
    .addColumn('last_error', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ppob_transactions_member_idx')
    .on('ppob_transactions')
    .columns(['member_id', 'id'])
    .execute();
  await db.schema
    .createIndex('ppob_transactions_status_idx')
    .on('ppob_transactions')
    .columns(['status', 'id'])
    .execute();
}
