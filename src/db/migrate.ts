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
import * as linkRevocationEmailProof from './migrations/0012-link-revocation-email-proof.js';
import * as legacyImport from './migrations/0013-legacy-import.js';
import * as licenseTokensWebhooksOut from './migrations/0015-license-tokens-webhooks-out.js';
import * as content from './migrations/0016-content.js';
import * as operations from './migrations/0017-operations.js';
import * as membershipsRefunds from './migrations/0018-memberships-refunds.js';
import * as fairDevices from './migrations/0020-fair-devices.js';
import * as transferResets from './migrations/0021-transfer-resets.js';
import * as ordersConsole from './migrations/0022-orders-console.js';
import * as storeWhatsapp from './migrations/0023-store-whatsapp.js';

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
    '0012-link-revocation-email-proof': { up: (db) => linkRevocationEmailProof.up(db, dialect) },
    '0013-legacy-import': { up: (db) => legacyImport.up(db, dialect) },
    '0015-license-tokens-webhooks-out': { up: (db) => licenseTokensWebhooksOut.up(db, dialect) },
    '0017-operations': { up: (db) => operations.up(db, dialect) },
    '0016-content': { up: (db) => content.up(db, dialect) },
    '0018-memberships-refunds': { up: (db) => membershipsRefunds.up(db, dialect) },
    '0020-fair-devices': { up: (db) => fairDevices.up(db, dialect) },
    '0021-transfer-resets': { up: (db) => transferResets.up(db, dialect) },
    '0022-orders-console': { up: (db) => ordersConsole.up(db, dialect) },
    '0023-store-whatsapp': { up: (db) => storeWhatsapp.up(db, dialect) },
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
  /**
   * Migrations recorded by a newer version that this one does not know. Migrations only expand
   * (tables and nullable columns added, nothing dropped or renamed while a version that reads it may
   * still run), so this version works on that schema: a rolling upgrade runs both at once, and a
   * rollback needs no restore.
   */
  newer: string[];
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
  if (recorded && names.every((name) => recorded.has(name)))
    return { applied: [], newer: [...recorded].filter((name) => !names.includes(name)).sort() };
  const unknown = recorded ? [...recorded].filter((name) => !names.includes(name)) : [];
  if (unknown.length > 0) {
    // Newer migrations recorded while one of ours is missing: not a schema this version can reason about.
    const missing = names.filter((name) => !recorded?.has(name));
    throw new Error(
      `database has migrations this version does not know (${unknown.join(', ')}) but lacks ${missing.join(', ')}: install the version that made them`,
    );
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    // Kysely looks for its bookkeeping tables in every schema it can see; pin them to ours, or a
    // database holding another Gerbang schema (a second deployment, the test suite) confuses it.
    ...(schema !== null ? { migrationTableSchema: schema } : {}),
    // Migration numbers are reserved per change and may land in any order; every migration only
    // expands, so one recorded after a higher-numbered one is applied, not refused.
    allowUnorderedMigrations: true,
  });
  // The migrator reads every table of every schema in the database: a schema another deployment drops
  // meanwhile fails this run before anything is applied, and the next start migrates.
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String((result.error as Error).message ?? result.error)}`);
  }
  return {
    applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    newer: [],
  };
}

/**
 * What `migrateToLatest` would do, without doing it: our migrations not yet recorded, and recorded
 * ones this version does not know (a newer version's). `exists` is false before the first migration.
 */
export async function pendingMigrations<DB>(
  db: Kysely<DB>,
  dialect: Dialect,
): Promise<{ exists: boolean; pending: string[]; newer: string[] }> {
  const schema = dialect === 'postgres' ? await currentSchema(db) : null;
  const names = Object.keys(migrationsFor(dialect));
  const recorded = await recordedMigrations(db, schema);
  if (recorded === null) return { exists: false, pending: names, newer: [] };
  return {
    exists: true,
    pending: names.filter((name) => !recorded.has(name)),
    newer: [...recorded].filter((name) => !names.includes(name)).sort(),
  };
}
