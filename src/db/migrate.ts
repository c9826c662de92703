import type { Kysely, Migration, MigrationResultSet } from 'kysely';
import { Migrator, sql } from 'kysely';
import type { Dialect } from './dialect.js';
import * as initial from './migrations/0001-initial.js';
import * as sessions from './migrations/0002-sessions.js';
import * as auditApiTokens from './migrations/0003-audit-api-tokens.js';
import * as ppob from './migrations/0004-ppob.js';
import * as licenseActivations from './migrations/0005-license-activations.js';
import * as admin from './migrations/0006-admin.js';
import * as productRuleOnLimit from './migrations/0008-product-rule-on-limit.js';
import * as ppobConsole from './migrations/0009-ppob-console.js';
import * as webhookHardening from './migrations/0010-webhook-hardening.js';
import * as content from './migrations/0016-content.js';

/** Migrations live in code (the server ships as one bundle), named in order. */
function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': { up: (db) => initial.up(db, dialect) },
    '0002-sessions': { up: (db) => sessions.up(db, dialect) },
    '0003-audit-api-tokens': { up: (db) => auditApiTokens.up(db, dialect) },
    '0004-ppob': { up: (db) => ppob.up(db, dialect) },
    '0005-license-activations': { up: (db) => licenseActivations.up(db, dialect) },
    '0006-admin': { up: (db) => admin.up(db, dialect) },
    '0008-product-rule-on-limit': { up: (db) => productRuleOnLimit.up(db) },
    '0009-ppob-console': { up: (db) => ppobConsole.up(db) },
    '0010-webhook-hardening': { up: (db) => webhookHardening.up(db) },
    '0016-content': { up: (db) => content.up(db, dialect) },
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
 * Kysely's migrator introspects the tables of every schema it can see, calling
 * pg_get_serial_sequence('schema.table') on each: a schema that another deployment (or another
 * test) drops at that moment fails our run with 3F000 "schema … does not exist" (or 42P01 / 42703 for one
 * of its tables or columns) before anything was applied. Such a run is simply tried again.
 */
const FOREIGN_SCHEMA_RETRIES = 12; // with the growing pause below, about 4 s in all

function droppedForeignSchema(error: unknown, ours: string | null): boolean {
  const raw = error as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  // The driver's error may arrive wrapped (Kysely keeps it as the cause).
  const e = raw?.code === undefined && raw?.cause ? raw.cause : raw;
  if (ours === null) return false;
  const message = String(e?.message ?? '');
  if (e?.code === '3F000') return !message.includes(`"${ours}"`);
  // 42703: a column vanished under the introspection (its table's schema was being dropped).
  if (e?.code === '42703') return true;
  // 42P01 names the relation with its schema when the introspection hit another schema's table.
  const schema = e?.code === '42P01' ? /relation "([^".]+)\./.exec(message)?.[1] : undefined;
  return schema !== undefined && schema !== ours;
}

/**
 * The migrations this database has recorded, or null before the first migration. Read directly:
 * Kysely's migrator, even with nothing to do, introspects every table of every schema (about half a
 * second on a PostgreSQL shared with other schemas), and every server start and CLI command migrates.
 */
async function recordedMigrations<DB>(db: Kysely<DB>, schema: string | null): Promise<Set<string> | null> {
  const table = sql.table(schema === null ? 'kysely_migration' : `${schema}.kysely_migration`);
  try {
    const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(db);
    return new Set(rows.map((row) => row.name));
  } catch {
    return null; // no bookkeeping table yet: the migrator creates it
  }
}

export async function migrateToLatest<DB>(db: Kysely<DB>, dialect: Dialect): Promise<MigrationReport> {
  const schema = dialect === 'postgres' ? await currentSchema(db) : null;
  // Up to date (exactly our migrations recorded): nothing to apply, as the migrator would find. Anything
  // else (pending, unknown or missing names) goes to the migrator, which applies or refuses as before.
  const names = Object.keys(migrationsFor(dialect));
  const recorded = await recordedMigrations(db, schema);
  if (recorded?.size === names.length && names.every((name) => recorded.has(name))) return { applied: [] };
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    // Kysely looks for its bookkeeping tables in every schema it can see; pin them to ours, or a
    // database holding another Gerbang schema (a second deployment, the test suite) confuses it.
    ...(schema !== null ? { migrationTableSchema: schema } : {}),
  });
  let result: MigrationResultSet = await migrator.migrateToLatest();
  for (let retry = 1; retry <= FOREIGN_SCHEMA_RETRIES && droppedForeignSchema(result.error, schema); retry++) {
    await new Promise((resolve) => setTimeout(resolve, 60 * retry));
    result = await migrator.migrateToLatest();
  }
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String((result.error as Error).message ?? result.error)}`);
  }
  return { applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
