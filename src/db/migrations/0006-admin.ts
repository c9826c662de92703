import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

/**
 * The operator console: product rules edited in the browser, the one-time setup marker, and the
 * indexes that keep its lists and counts fast at 100,000 members and 1,000,000 events. Every list
 * is keyset-paginated on `id` (newest first), so each filter gets an index ending in `id`; search
 * is a prefix match on an index (see src/db/search-key.ts).
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .createTable('product_rules')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    // Exactly one of the two names the product: a Lynk product uuid, or its exact title.
    .addColumn('match_uuid', 'text')
    .addColumn('match_title', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('max_devices', 'integer', (c) => c.notNull())
    .addColumn('validity_days', 'integer')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addUniqueConstraint('product_rules_uuid_uq', ['match_uuid'])
    .addUniqueConstraint('product_rules_title_uq', ['match_title'])
    .execute();

  // One row, ever: the first-run setup inserts id 1 and only the insert that wins creates the
  // admin, so two setups racing on two connections (PostgreSQL) cannot both succeed.
  await db.schema
    .createTable('admin_setup')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('member_id', 'integer')
    .addColumn('completed_at', time, (c) => c.notNull())
    .execute();

  const searchIndex = (name: string, table: string, column: string) =>
    db.schema.createIndex(name).on(table).expression(searchExpression(dialect, column)).execute();
  await searchIndex('members_email_search_idx', 'members', 'email');
  await searchIndex('members_name_search_idx', 'members', 'name');
  await searchIndex('members_phone_search_idx', 'members', 'phone');
  await db.schema.createIndex('members_created_idx').on('members').column('created_at').execute();
  await searchIndex('licenses_key_search_idx', 'licenses', 'license_key');
  await searchIndex('licenses_email_search_idx', 'licenses', 'email');
  await searchIndex('licenses_title_search_idx', 'licenses', 'product_title');
  await db.schema.createIndex('licenses_created_idx').on('licenses').column('created_at').execute();
  await db.schema.createIndex('licenses_order_idx').on('licenses').column('order_id').execute();
  await db.schema.createIndex('orders_created_idx').on('orders').column('created_at').execute();

  await db.schema
    .createIndex('webhook_events_outcome_id_idx')
    .on('webhook_events')
    .columns(['outcome', 'id'])
    .execute();
  await db.schema
    .createIndex('webhook_events_provider_id_idx')
    .on('webhook_events')
    .columns(['provider', 'outcome', 'id'])
    .execute();
  await db.schema.createIndex('mail_outbox_status_id_idx').on('mail_outbox').columns(['status', 'id']).execute();
  await searchIndex('mail_outbox_to_search_idx', 'mail_outbox', 'to_address');
  await db.schema.createIndex('sessions_last_seen_idx').on('sessions').column('last_seen_at').execute();
  await db.schema.createIndex('audit_log_actor_idx').on('audit_log').columns(['actor_type', 'id']).execute();
}

/**
 * Must be the very expression src/db/search-key.ts compares, or the index is not used. On
 * PostgreSQL the "C" collation makes the prefix range [p, p⁺) exactly "starts with p" whatever the
 * database's locale (a linguistic collation would ignore punctuation and break that).
 */
export function searchExpression(dialect: Dialect, column: string) {
  return dialect === 'postgres' ? sql`(lower(${sql.ref(column)}) collate "C")` : sql`lower(${sql.ref(column)})`;
}
