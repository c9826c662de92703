import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { createMigrationSchema, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { DIALECTS } from '../helpers/world.js';

/**
 * Kysely's migrator reads every schema of its database, and one dropped under it fails the run. The
 * suite drops world schemas all the time (and other runs share the test database), so migrations run
 * in this run's own database (test/helpers/postgres.ts), where nothing is dropped: churn beside it
 * never reaches them, without any retry.
 */
describe.each(DIALECTS.filter((d) => d === 'postgres'))('migrations beside other schemas (%s)', () => {
  it('migrating from scratch succeeds while schemas with serial columns are created and dropped in the shared database', async () => {
    const churn = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await churn.connect();
    let stop = false;
    let churned = 0;
    const churning = (async () => {
      while (!stop) {
        const name = `churn_${randomBytes(4).toString('hex')}`;
        await churn.query(`create schema ${name}; create table ${name}.t (id serial primary key)`);
        await churn.query(`drop schema ${name} cascade`);
        churned++;
      }
    })();
    try {
      for (let i = 0; i < 5; i++) {
        const schema = await createMigrationSchema();
        const database = openDatabase({ kind: 'postgres', url: schema.url }, { poolSize: 2 });
        try {
          const report = await migrateToLatest(database.db, 'postgres');
          expect(report.applied.length).toBeGreaterThan(0);
          expect(await migrateToLatest(database.db, 'postgres')).toEqual({ applied: [], newer: [] });
        } finally {
          await database.close();
        }
      }
    } finally {
      stop = true;
      await churning;
      await churn.end();
    }
    expect(churned).toBeGreaterThan(0);
  }, 120_000);
});
