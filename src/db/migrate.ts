import type { Kysely, Migration, MigrationResultSet } from 'kysely';
import { Migrator, sql } from 'kysely';
import type { Dialect } from './dialect.js';
import * as initial from './migrations/0001-initial.js';
import * as sessions from './migrations/0002-sessions.js';
import * as auditApiTokens from './migrations/0003-audit-api-tokens.js';

/** Migrations live in code (the server ships as one bundle), named in order. */
function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': { up: (db) => initial.up(db, dialect) },
    '0002-sessions': { up: (db) => sessions.up(db, dialect) },
    '0003-audit-api-tokens': { up: (db) => auditApiTokens.up(db, dialect) },
  };
}

async function currentSchema<DB>(db: Kysely<DB>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL has no current schema: check search_path in DATABASE_URL');
  return schema;
}

/**
 * SQLSTATE 3F000 invalid_schema_name, 42P01 undefined_table, 42703 undefined_column: what the
 * introspection meets when another schema's objects vanish under it. (A migration of ours failing
 * the same way fails again on the retry, and is reported.)
 */
function isSchemaGone(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === '3F000' || code === '42P01' || code === '42703';
}

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest<DB>(db: Kysely<DB>, dialect: Dialect): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    // Kysely looks for its bookkeeping tables in every schema it can see; pin them to ours, or a
    // database holding another Gerbang schema (a second deployment, the test suite) confuses it.
    ...(dialect === 'postgres' ? { migrationTableSchema: await currentSchema(db) } : {}),
  });
  let result: MigrationResultSet = await migrator.migrateToLatest();
  // Kysely's introspection reads every schema's tables (pg_get_serial_sequence on each); a schema
  // another deployment or test run drops meanwhile fails that read, before any migration ran (they
  // run in one transaction). Only those errors are retried.
  for (let retry = 0; retry < 5 && dialect === 'postgres' && isSchemaGone(result.error); retry++)
    result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String((result.error as Error).message ?? result.error)}`);
  }
  return { applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
