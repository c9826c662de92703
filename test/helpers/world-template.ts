import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/db/index.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';

/**
 * Migrating a fresh database took most of a world's setup (about 0.25 s on SQLite, 1–1.5 s on
 * PostgreSQL, where Kysely's migrator introspects every schema in the database). The real
 * migrations therefore run once per test run into templates, and each world gets a copy:
 * SQLite copies the migrated file, PostgreSQL replays, into the world's own fresh schema, every
 * statement the migrations (and Kysely's bookkeeping) ran. A copy is checked against its template
 * once, so a world is exactly what migrating would have made. Migrating from scratch stays tested
 * (test/cli/commands.test.ts, test/data/migrate-beside-others.test.ts, and building these templates).
 */
export interface WorldTemplates {
  /** A migrated, closed SQLite file (WAL checkpointed): copied to each world's database file. */
  sqliteFile: string;
  /** The migration as one script for `search_path` set to a fresh schema; SCHEMA_TOKEN marks the schema's name. */
  postgresScript: string | null;
  /** The folder holding the template file, removed by `disposeWorldTemplates`. */
  dir: string;
}

/** Stands for the world's schema in postgresScript (Kysely qualifies its own bookkeeping tables). */
export const SCHEMA_TOKEN = '__gerbang_world_schema__';

/** `postgresUrl`: a database where no schema is dropped while the migrator runs (postgres.ts, the run's own). */
export async function buildWorldTemplates(postgresUrl: string | null): Promise<WorldTemplates> {
  const dir = mkdtempSync(join(tmpdir(), 'gerbang-template-'));
  const sqliteFile = join(dir, 'gerbang.db');
  const sqlite = openDatabase({ kind: 'sqlite', file: sqliteFile, synchronous: 'NORMAL' });
  try {
    await migrateToLatest(sqlite.db, 'sqlite');
  } finally {
    await sqlite.close(); // the last connection closing checkpoints the WAL into the file
  }
  return { sqliteFile, dir, postgresScript: postgresUrl ? await recordPostgresMigration(postgresUrl) : null };
}

export function disposeWorldTemplates(templates: WorldTemplates): void {
  rmSync(templates.dir, { recursive: true, force: true });
}

/** A fresh migrated SQLite database at `file` (which must not exist yet). */
export function copySqliteTemplate(templates: WorldTemplates, file: string): void {
  copyFileSync(templates.sqliteFile, file);
}

/** Migrates the empty schema `schema` by replaying the recorded script: one round trip, all or nothing. */
export function replayPostgresTemplate(script: string, admin: pg.Pool, schema: string): Promise<void> {
  return runInSchema(script.replaceAll(SCHEMA_TOKEN, schema), admin, schema);
}

/** Runs `script` with `search_path` set to `schema`, in one transaction and one round trip: all or nothing. */
export async function runInSchema(script: string, admin: pg.Pool, schema: string): Promise<void> {
  const client = await admin.connect();
  try {
    await client.query(`begin; set local search_path to ${schema}; ${script}; commit`);
    client.release();
  } catch (error) {
    // The failed statement left the transaction open: this connection must not serve anyone else.
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

const urlFor = (url: string, schema: string) => `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;

/** Runs the real migrations into a scratch schema, keeping every statement that changed something. */
async function recordPostgresMigration(url: string): Promise<string> {
  const template = `gerbang_template_${randomBytes(6).toString('hex')}`;
  const copy = `${template}_copy`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  const statements: string[] = [];
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: urlFor(url, template), max: 2 }) }),
    log: (event) => {
      if (event.level !== 'query') return;
      const { sql, parameters } = event.query;
      // Reads (introspection, state checks) change nothing, the migration lock guards a run that is over,
      // and the replay brings its own transaction.
      if (/^\s*(select|begin|commit|rollback|savepoint|release)\b/i.test(sql) || /\bpg_advisory_/.test(sql)) return;
      statements.push(inlineParameters(sql, parameters).replaceAll(`"${template}"`, `"${SCHEMA_TOKEN}"`));
    },
  });
  try {
    await admin.query(`create schema ${template}`);
    await migrateToLatest(db, 'postgres');
    const script = statements.join(';\n');
    if (script.includes(template)) throw new Error(`the recorded migration names its schema unquoted: ${template}`);
    await admin.query(`create schema ${copy}`);
    await replayPostgresTemplate(script, admin, copy);
    const [made, copied] = [await catalog(admin, template), await catalog(admin, copy)];
    if (made !== copied) throw new Error(`a replayed schema differs from a migrated one:\n${made}\n---\n${copied}`);
    return script;
  } finally {
    await db.destroy();
    await admin.query(`drop schema if exists ${template} cascade; drop schema if exists ${copy} cascade`);
    await admin.end();
  }
}

function inlineParameters(sql: string, parameters: readonly unknown[]): string {
  if (parameters.length === 0) return sql;
  return sql.replace(/\$(\d+)/g, (_, n: string) => literal(parameters[Number(n) - 1]));
}

function literal(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  throw new Error(`cannot inline a migration parameter of type ${typeof value}`);
}

/** Tables, columns, defaults, constraints, indexes and bookkeeping rows of a schema, with its name taken out. */
async function catalog(admin: pg.Pool, schema: string): Promise<string> {
  const queries = [
    `select table_name, column_name, data_type, is_nullable, column_default, collation_name, is_identity
       from information_schema.columns where table_schema = $1 order by 1, 2`,
    `select conrelid::regclass::text as rel, conname, pg_get_constraintdef(oid) as def
       from pg_constraint where connamespace = $1::regnamespace order by 1, 2`,
    'select tablename, indexname, indexdef from pg_indexes where schemaname = $1 order by 1, 2',
    'select sequencename, data_type, start_value from pg_sequences where schemaname = $1 order by 1',
    `select name, $1 as s from ${schema}.kysely_migration order by name`,
    `select id, is_locked, $1 as s from ${schema}.kysely_migration_lock order by id`,
  ];
  const parts: unknown[] = [];
  for (const query of queries) parts.push((await admin.query(query, [schema])).rows);
  return JSON.stringify(parts).replaceAll(schema, 'S');
}
