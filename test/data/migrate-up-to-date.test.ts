import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/index.js';
import { createWorld, DIALECTS } from '../helpers/world.js';

/**
 * migrateToLatest answers "up to date" itself when every migration is recorded (skipping Kysely's
 * all-schema introspection at each server start and CLI command). It must never skip a pending one.
 */
describe.each(DIALECTS)('migrating a database that is up to date or behind (%s)', (dialect) => {
  it('applies nothing when all are recorded, and the missing one when the newest is not', async () => {
    const world = await createWorld(dialect, {}, { runsMigrator: true });
    try {
      const { db } = world.database;
      expect(await migrateToLatest(db, dialect)).toEqual({ applied: [], newer: [] });
      // As if this database was last migrated by the release before 0015.
      for (const table of [
        'webhook_attempts',
        'webhook_deliveries',
        'webhook_messages',
        'webhook_endpoints',
        'webhook_sweeps',
        'license_signing_keys',
      ])
        await sql`drop table ${sql.table(table)}`.execute(db);
      await sql`drop index licenses_expires_at_idx`.execute(db);
      await sql`alter table licenses drop column offline_grace_days`.execute(db);
      await sql`alter table product_rules drop column offline_grace_days`.execute(db);
      await sql`delete from kysely_migration where name = '0015-license-tokens-webhooks-out'`.execute(db);
      expect(await migrateToLatest(db, dialect)).toEqual({ applied: ['0015-license-tokens-webhooks-out'], newer: [] });
      expect(await migrateToLatest(db, dialect)).toEqual({ applied: [], newer: [] });
    } finally {
      await world.close();
    }
  });
});
