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
      expect(await migrateToLatest(db, dialect)).toEqual({ applied: [] });
      // As if this database was last migrated by the release before 0013.
      for (const [table, column] of [
        ['members', 'imported_at'],
        ['members', 'password_change_required'],
        ['licenses', 'imported_at'],
        ['licenses', 'legacy_order_no'],
        ['licenses', 'legacy_transaction_no'],
      ] as const)
        await sql`alter table ${sql.table(table)} drop column ${sql.ref(column)}`.execute(db);
      await sql`delete from kysely_migration where name = '0013-legacy-import'`.execute(db);
      expect(await migrateToLatest(db, dialect)).toEqual({ applied: ['0013-legacy-import'] });
      expect(await migrateToLatest(db, dialect)).toEqual({ applied: [] });
    } finally {
      await world.close();
    }
  });
});
