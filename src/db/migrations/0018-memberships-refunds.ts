import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

/**
 * Memberships that run out, buyers of licenses with an account, and refunds:
 * - `members.is_member`: 1 for a membership account, 0 for a buyer of licenses only (who signs in
 *   with an emailed link to see their keys). Every account made before was a member's: default 1.
 * - `members.membership_ends_at`: null is lifetime; derived from `membership_grants` by the service.
 * - `membership_grants`: one row per purchase (or console grant) of membership time, so a refund
 *   takes back exactly what its order gave and the end is computed again from what is left.
 * - `product_rules.renew_url`: the seller's page to buy the membership again (reminder mails).
 * - `orders.refunded_at`, `refund_reason`: an order the seller refunded (Lynk sends no such event).
 * - `one_time_tokens.new_email`: the address an email-change link confirms.
 * Expand-only, like every migration.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .alterTable('members')
    .addColumn('is_member', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('members').addColumn('membership_ends_at', time).execute();
  await db.schema.createIndex('members_membership_ends_idx').on('members').column('membership_ends_at').execute();
  await db.schema
    .createTable('membership_grants')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('member_id', 'integer', (c) => c.notNull())
    .addColumn('order_id', 'integer')
    .addColumn('product_title', 'text', (c) => c.notNull())
    .addColumn('days', 'integer')
    .addColumn('renew_url', 'text')
    .addColumn('paid_at', time, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('revoked_at', time)
    .execute();
  await db.schema
    .createIndex('membership_grants_member_idx')
    .on('membership_grants')
    .columns(['member_id', 'paid_at'])
    .execute();
  await db.schema.createIndex('membership_grants_order_idx').on('membership_grants').column('order_id').execute();
  await db.schema.alterTable('product_rules').addColumn('renew_url', 'text').execute();
  await db.schema.alterTable('orders').addColumn('refunded_at', time).execute();
  await db.schema.alterTable('orders').addColumn('refund_reason', 'text').execute();
  await db.schema.alterTable('one_time_tokens').addColumn('new_email', 'text').execute();
}
