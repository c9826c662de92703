import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { createPostgresSchema, DIALECTS, TEST_DATABASE_URL } from '../helpers/world.js';

/**
 * Several deployments (or test runs, or instances) share one PostgreSQL: Kysely's introspection reads
 * every schema, so a schema dropped elsewhere mid-migration must not fail ours.
 */
describe.each(DIALECTS.filter((d) => d === 'postgres'))('migrations beside other schemas (%s)', () => {
  it('migrating succeeds while other schemas with serial columns are created and dropped', async () => {
    const churn = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await churn.connect();
    let stop = false;
    const churning = (async () => {
      while (!stop) {
        const name = `churn_${randomBytes(4).toString('hex')}`;
        await churn.query(`create schema ${name}; create table ${name}.t (id serial primary key)`);
        await churn.query(`drop schema ${name} cascade`);
      }
    })();
    try {
      for (let i = 0; i < 5; i++) {
        const schema = await createPostgresSchema();
        const database = openDatabase({ kind: 'postgres', url: schema.url }, { poolSize: 2 });
        try {
          const report = await migrateToLatest(database.db, 'postgres');
          expect(report.applied.length).toBeGreaterThan(0);
        } finally {
          await database.close();
          await schema.drop();
        }
      }
    } finally {
      stop = true;
      await churning;
      await churn.end();
    }
  }, 120_000);
});
