import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

// Migrations see the database untyped: they describe a past schema, not the current one.
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('order_no', 'text', (c) => c.notNull().unique())
    .addColumn('transaction_no', 'text', (c) => c.notNull().unique())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('external_ref', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('customer_name', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('grand_total', dialect === 'postgres' ? 'double precision' : 'real', (c) => c.notNull())
    .addColumn('paid_at', 'text')
    .addColumn('created_at', timeColumn(dialect), (c) => c.notNull())
    // A payment (Lynk refId) makes at most one order, whatever message ids its deliveries carry.
    .addUniqueConstraint('orders_provider_external_ref_uq', ['provider', 'external_ref'])
    .execute();
  await db.schema.createIndex('orders_email_idx').on('orders').column('email').execute();

  await db.schema
    .createTable('members')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('password_set_at', timeColumn(dialect))
    .addColumn('source_order_id', 'integer', (c) => c.references('orders.id'))
    .addColumn('created_at', timeColumn(dialect), (c) => c.notNull())
    .addColumn('updated_at', timeColumn(dialect), (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('licenses')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('license_key', 'text', (c) => c.notNull().unique())
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('unit_no', 'integer', (c) => c.notNull())
    .addColumn('product_uuid', 'text', (c) => c.notNull())
    .addColumn('product_title', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('lynk_ref_id', 'text', (c) => c.notNull())
    .addColumn('max_devices', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expires_at', timeColumn(dialect))
    .addColumn('created_at', timeColumn(dialect), (c) => c.notNull())
    .addColumn('revoked_at', timeColumn(dialect))
    // Each paid unit (item line × qty) yields exactly one license, even if processing runs twice.
    .addUniqueConstraint('licenses_order_line_unit_uq', ['order_id', 'line_no', 'unit_no'])
    .execute();
  await db.schema.createIndex('licenses_email_idx').on('licenses').column('email').execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('event_type', 'text')
    .addColumn('received_at', timeColumn(dialect), (c) => c.notNull())
    .addColumn('last_received_at', timeColumn(dialect), (c) => c.notNull())
    .addColumn('delivery_count', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('raw_body', 'text', (c) => c.notNull())
    .addColumn('signature_valid', 'integer', (c) => c.notNull())
    .addColumn('remote_ip', 'text')
    .addColumn('request_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('note', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('processed_at', timeColumn(dialect))
    .addColumn('order_id', 'integer', (c) => c.references('orders.id'))
    // Idempotency: one row per provider delivery id (NULL for rejected attempts, which never collide).
    .addUniqueConstraint('webhook_events_provider_external_id_uq', ['provider', 'external_id'])
    .execute();
  await db.schema.createIndex('webhook_events_received_idx').on('webhook_events').column('received_at').execute();
  await db.schema
    .createIndex('webhook_events_outcome_idx')
    .on('webhook_events')
    .columns(['outcome', 'received_at'])
    .execute();

  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text')
    .addColumn('html_body', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('transport', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', timeColumn(dialect), (c) => c.notNull())
    .addColumn('lease_until', timeColumn(dialect))
    .addColumn('last_error', 'text')
    .addColumn('smtp_message_id', 'text')
    .addColumn('created_at', timeColumn(dialect), (c) => c.notNull())
    .addColumn('sent_at', timeColumn(dialect))
    .execute();
  await db.schema.createIndex('mail_outbox_due_idx').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();

  await db.schema
    .createTable('one_time_tokens')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id'))
    .addColumn('created_at', timeColumn(dialect), (c) => c.notNull())
    .addColumn('expires_at', timeColumn(dialect), (c) => c.notNull())
    .addColumn('used_at', timeColumn(dialect))
    .execute();
}
