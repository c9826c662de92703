import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';
import { searchExpression } from './0006-admin.js';

/**
 * The seller's order list:
 * - `order_items`: what each paid order contained and what the product rules made of each line
 *   (`matched_by` none: no rule knew the product, so it fell to the default), for the order page, the
 *   CSV export and the overview's "payments for products without a rule".
 * - `orders.is_test`: a simulated or "Uji coba" payment, never counted as revenue.
 * - `orders.anonymised_at`: the buyer's data was deleted (UU PDP 27/2022); the order stays for the books.
 * - search indexes on the buyer's email and name and the order number ("starts with", src/db/search-key.ts).
 * Expand-only: the previous version runs on this schema.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .createTable('order_items')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('order_id', 'integer', (c) => c.notNull())
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('uuid', 'text', (c) => c.notNull())
    .addColumn('qty', 'integer', (c) => c.notNull())
    .addColumn('price', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('matched_by', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addUniqueConstraint('order_items_line_unique', ['order_id', 'line_no'])
    .execute();
  await db.schema.createIndex('order_items_matched_idx').on('order_items').columns(['matched_by', 'id']).execute();
  await db.schema.createIndex('order_items_uuid_idx').on('order_items').columns(['uuid', 'action']).execute();
  await db.schema
    .alterTable('orders')
    .addColumn('is_test', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('orders').addColumn('anonymised_at', time).execute();
  // The order page: the webhook delivery and the member an order made.
  await db.schema.createIndex('webhook_events_order_idx').on('webhook_events').column('order_id').execute();
  await db.schema.createIndex('members_source_order_idx').on('members').column('source_order_id').execute();
  const searchIndex = (name: string, column: string) =>
    db.schema.createIndex(name).on('orders').expression(searchExpression(dialect, column)).execute();
  await searchIndex('orders_email_search_idx', 'email');
  await searchIndex('orders_name_search_idx', 'customer_name');
  await searchIndex('orders_no_search_idx', 'order_no');
}
