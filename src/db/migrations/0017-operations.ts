import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

/**
 * Two tables for running several instances:
 * - `webhook_signing_keys`: the Lynk and Hesda webhook keys, read by every instance from the
 *   database, so a rotation takes effect everywhere at once whatever the restart order. One key per
 *   provider has no `expires_at` (the current one); the previous one keeps verifying until its
 *   `expires_at`. The key itself is stored as is: an HMAC needs it.
 * - `webhook_test_pings`: one row per provider counting the "Test URL" posts of the sender's
 *   dashboard (never stored one by one; they grant nothing), so the console can show the last one.
 * Expand-only, like every migration: an instance of the previous version runs on this schema.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .createTable('webhook_signing_keys')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time)
    .execute();
  await db.schema
    .createIndex('webhook_signing_keys_provider_idx')
    .on('webhook_signing_keys')
    .columns(['provider', 'id'])
    .execute();
  await db.schema
    .createTable('webhook_test_pings')
    .addColumn('provider', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('last_at', time, (c) => c.notNull())
    .addColumn('last_signed', 'integer', (c) => c.notNull())
    .execute();
}
