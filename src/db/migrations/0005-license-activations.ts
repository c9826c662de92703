import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

/**
 * License activations: the devices a license is used on (the old system's `device_active` column,
 * never finished). Two partial unique indexes over the live rows make the limit a database fact:
 * a slot number (1..max_devices) and a fingerprint can each be held by one live activation only,
 * so two devices racing for the last slot cannot both get it, whatever the dialect or process.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .alterTable('licenses')
    .addColumn('on_limit', 'text', (c) => c.notNull().defaultTo('refuse'))
    .execute();
  await db.schema.alterTable('licenses').addColumn('revoked_reason', 'text').execute();

  await db.schema
    .createTable('license_activations')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('license_id', 'integer', (c) => c.notNull().references('licenses.id'))
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('fingerprint_hash', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_validated_at', time, (c) => c.notNull())
    .addColumn('revoked_at', time)
    .addColumn('revoked_reason', 'text')
    .execute();
  await db.schema
    .createIndex('license_activations_live_slot_uq')
    .on('license_activations')
    .columns(['license_id', 'slot'])
    .unique()
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('license_activations_live_fingerprint_uq')
    .on('license_activations')
    .columns(['license_id', 'fingerprint_hash'])
    .unique()
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
  // History (revoked rows) is listed per license too.
  await db.schema
    .createIndex('license_activations_license_idx')
    .on('license_activations')
    .columns(['license_id', 'id'])
    .execute();
}
