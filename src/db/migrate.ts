import type { Kysely, Migration, MigrationResultSet } from 'kysely';
import { Migrator, sql } from 'kysely';
import type { Dialect } from './dialect.js';
import * as initial from './migrations/0001-initial.js';
import * as sessions from './migrations/0002-sessions.js';
import * as auditApiTokens from './migrations/0003-audit-api-tokens.js';
import * as licenseActivations from './migrations/0005-license-activations.js';

/** Migrations live in code (the server ships as one bundle), named in order. */
function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': { up: (db) => initial.up(db, dialect) },
    '0002-sessions': { up: (db) => sessions.up(db, dialect) },
    '0003-audit-api-tokens': { up: (db) => auditApiTokens.up(db, dialect) },
    '0005-license-activations': { up: (db) => licenseActivations.up(db, dialect) },
  };
}

async function currentSchema<DB>(db: Kysely<DB>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL has no current schema: check search_path in DATABASE_URL');
  return schema;
}

export interface MigrationReport {
  applied: string[];
}

/**
 * Kysely's PostgreSQL introspection (which the migrator runs before anything else) reads every
 * schema of the database and calls pg_get_serial_sequence() on their tables: a schema another
 * process drops meanwhile (parallel test runs, a second deployment cleaning up) fails it with
 * "schema … does not exist" (SQLSTATE 3F000) although ours is fine. Nothing was changed yet at that
 * point, so trying again is safe.
 */
const INTROSPECTION_ATTEMPTS = 5;

export async function migrateToLatest<DB>(db: Kysely<DB>, dialect: Dialect): Promise<MigrationReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db, dialect);
    } catch (error) {
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      if (dialect !== 'postgres' || code !== '3F000' || attempt >= INTROSPECTION_ATTEMPTS) throw error;
    }
  }
}

async function migrateOnce<DB>(db: Kysely<DB>, dialect: Dialect): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    // Kysely looks for its bookkeeping tables in every schema it can see; pin them to ours, or a
    // database holding another Gerbang schema (a second deployment, the test suite) confuses it.
    ...(dialect === 'postgres' ? { migrationTableSchema: await currentSchema(db) } : {}),
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String((result.error as Error).message ?? result.error)}`, {
      cause: result.error,
    });
  }
  return { applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
