import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

/**
 * Sessions, devices, the realtime event log and login rate limits (single-device login).
 * Devices are browsers: a random token in a long-lived HttpOnly cookie (only its hash is kept),
 * bound to the fingerprint the login page computed.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .createTable('devices')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('browser', 'text', (c) => c.notNull())
    .addColumn('os', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_seen_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    // Public half of the `id.secret` cookie value; the secret is kept only as a SHA-256.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id'))
    .addColumn('device_id', 'integer', (c) => c.notNull().references('devices.id'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_seen_at', time, (c) => c.notNull())
    .addColumn('idle_expires_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addColumn('revoked_at', time)
    .addColumn('revoked_reason', 'text')
    .addColumn('ip', 'text')
    .execute();
  await db.schema.createIndex('sessions_member_live_idx').on('sessions').columns(['member_id', 'revoked_at']).execute();
  await db.schema.createIndex('sessions_device_idx').on('sessions').column('device_id').execute();

  await db.schema
    .createTable('realtime_events')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('member_id', 'integer', (c) => c.notNull())
    // null: every device of the member; otherwise only streams of that device.
    .addColumn('device_id', 'integer')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('realtime_events_member_idx')
    .on('realtime_events')
    .columns(['member_id', 'id'])
    .execute();
  await db.schema.createIndex('realtime_events_created_idx').on('realtime_events').column('created_at').execute();

  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_started_at', time, (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();

  // One-time tokens now serve login links and the "keep here" confirmation too; the latter is bound
  // to the device that asked for it.
  await db.schema.alterTable('one_time_tokens').addColumn('device_id', 'integer').execute();
}
