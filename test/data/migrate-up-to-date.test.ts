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
    const world = await createWorld(dialect, {}, { runsMigrator: true, dropsTables: true });
    try {
      const { db } = world.database;
      expect(await migrateToLatest(db, dialect)).toEqual({ applied: [], newer: [] });
      // As if this database was last migrated by a release without 0021 (later ones applied).
      await sql`drop table transfer_reset_requests`.execute(db);
      await sql`delete from kysely_migration where name = '0021-transfer-resets'`.execute(db);
      expect(await migrateToLatest(db, dialect)).toEqual({ applied: ['0021-transfer-resets'], newer: [] });
      expect(await migrateToLatest(db, dialect)).toEqual({ applied: [], newer: [] });
    } finally {
      await world.close();
    }
  });
});
