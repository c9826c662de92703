import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

/**
 * Fair device rules:
 * - `device_events`: what the limits count and the console's sharing signals read — takeovers
 *   (done and refused), session conflicts, logins, license releases and refused activations. Only
 *   the network prefix of the address is kept (/24 for IPv4, /48 for IPv6), never the address:
 *   that is all a "many places" signal needs.
 * - members: a takeover limit from the membership's product rule (null: TAKEOVER_LIMIT) and when the
 *   seller last reset the member's takeover count.
 * - licenses: releases allowed per 30 days (null: LICENSE_MAX_TRANSFERS) and the last reset.
 * - product_rules: the same two overrides for console rules.
 * Expand-only: nullable columns and a new table, so the previous version runs on this schema.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .createTable('device_events')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('member_id', 'integer')
    .addColumn('license_id', 'integer')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('device_id', 'integer')
    .addColumn('ip_prefix', 'text')
    .addColumn('browser', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('os', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('device_events_member_idx')
    .on('device_events')
    .columns(['member_id', 'kind', 'at'])
    .execute();
  await db.schema
    .createIndex('device_events_license_idx')
    .on('device_events')
    .columns(['license_id', 'kind', 'at'])
    .execute();
  await db.schema.createIndex('device_events_at_idx').on('device_events').column('at').execute();
  await db.schema.alterTable('members').addColumn('takeover_limit', 'integer').execute();
  await db.schema.alterTable('members').addColumn('takeovers_reset_at', time).execute();
  await db.schema.alterTable('licenses').addColumn('max_transfers', 'integer').execute();
  await db.schema.alterTable('licenses').addColumn('transfers_reset_at', time).execute();
  await db.schema.alterTable('product_rules').addColumn('takeover_limit', 'integer').execute();
  await db.schema.alterTable('product_rules').addColumn('max_transfers', 'integer').execute();
}
