import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

/**
 * Offline license tokens and webhooks to the seller's systems.
 *
 * - `license_signing_keys`: Ed25519 keys that sign license tokens. The private key is stored
 *   sealed (src/secret-box.ts); a retired key's public half stays published until the last token
 *   it signed has expired (`published_until`).
 * - `offline_grace_days` on product rules and on licenses: how long a token lets an app work
 *   offline. A license keeps the value it was issued with, like its device limit.
 * - `webhook_endpoints` / `webhook_messages` / `webhook_deliveries` / `webhook_attempts`: the
 *   outgoing webhook outbox. A message is one event with its stable `webhook_id`; a delivery is
 *   that message to one endpoint (claimed, retried, leased like the mail outbox); an attempt is
 *   one HTTP call, for the delivery log.
 * - `webhook_sweeps`: how far time-driven events (a license passing its expiry) were announced.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema.alterTable('licenses').addColumn('offline_grace_days', 'integer').execute();
  await db.schema.alterTable('product_rules').addColumn('offline_grace_days', 'integer').execute();
  // The expiry sweep finds the next license to expire without reading the table.
  await db.schema.createIndex('licenses_expires_at_idx').on('licenses').column('expires_at').execute();

  await db.schema
    .createTable('license_signing_keys')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('kid', 'text', (c) => c.notNull().unique())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text', (c) => c.notNull())
    // 1 on the key that signs, null on retired ones: the unique index lets two instances creating
    // the first key (or rotating at once) end with exactly one signing key.
    .addColumn('active', 'integer', (c) => c.unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('retired_at', time)
    .addColumn('published_until', time)
    .execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_messages')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('webhook_id', 'text', (c) => c.notNull().unique())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // One message per fact (e.g. `license.expired:42`), however many instances notice it.
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('message_id', 'integer', (c) => c.notNull().references('webhook_messages.id'))
    .addColumn('endpoint_id', 'integer', (c) => c.notNull().references('webhook_endpoints.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', time, (c) => c.notNull())
    // Retries stop WEBHOOK_OUT_RETRY_DAYS after this (the event, or an operator's "Kirim ulang").
    .addColumn('retry_from', time, (c) => c.notNull())
    .addColumn('lease_until', time)
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('delivered_at', time)
    .addUniqueConstraint('webhook_deliveries_message_endpoint_uq', ['message_id', 'endpoint_id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due_idx')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint_idx')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('delivery_id', 'integer', (c) => c.notNull().references('webhook_deliveries.id'))
    .addColumn('attempted_at', time, (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_excerpt', 'text')
    .execute();
  await db.schema
    .createIndex('webhook_attempts_delivery_idx')
    .on('webhook_attempts')
    .columns(['delivery_id', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_sweeps')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('swept_until', time, (c) => c.notNull())
    .execute();
}
