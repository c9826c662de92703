import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * The tests' PostgreSQL: schemas in the shared test database for worlds, and this run's own database
 * for the tests whose database Kysely's migrator migrates.
 *
 * Why two places: the migrator introspects every table of every schema in its database, and a schema
 * dropped meanwhile fails it ("schema … does not exist"). Worlds start from a replayed template (no
 * migrator) and are dropped in the background; the run's own database holds only schemas that stay
 * until the run ends (the global teardown drops the whole database), and no other run shares it.
 */

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let postgresReachable: boolean | undefined;

/** Is the machine's PostgreSQL there? With REQUIRE_POSTGRES=1 (CI) its absence fails the suite instead. */
export async function postgresAvailable(): Promise<boolean> {
  if (postgresReachable !== undefined) return postgresReachable;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    postgresReachable = true;
  } catch (error) {
    if (process.env.REQUIRE_POSTGRES === '1')
      throw new Error(`REQUIRE_POSTGRES=1 but PostgreSQL at ${TEST_DATABASE_URL} is unreachable: ${String(error)}`);
    postgresReachable = false;
  } finally {
    await client.end().catch(() => {});
  }
  return postgresReachable;
}

const adminPools = new Map<string, pg.Pool>();

/** Creates and drops schemas: one small pool per database and test process (a connection costs 10–130 ms). */
export function adminPool(databaseUrl: string): pg.Pool {
  let pool = adminPools.get(databaseUrl);
  if (!pool) {
    pool = new pg.Pool({ connectionString: databaseUrl, max: 3, allowExitOnIdle: true });
    pool.on('error', () => {}); // an idle connection lost: the pool opens another
    adminPools.set(databaseUrl, pool);
  }
  return pool;
}

/** The database a schema URL points into (its search_path option taken off). */
export function databaseOf(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete('options');
  return parsed.toString();
}

export interface PostgresSchema {
  /** Pins search_path to the schema. */
  url: string;
  schema: string;
  drop(): Promise<void>;
}

async function createSchemaIn(databaseUrl: string, drop: boolean, prefix = ''): Promise<PostgresSchema> {
  const schema = `t_${prefix}${randomBytes(6).toString('hex')}`;
  await adminPool(databaseUrl).query(`create schema ${schema}`);
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    schema,
    drop: async () => {
      if (drop) await adminPool(databaseUrl).query(`drop schema if exists ${schema} cascade`);
    },
  };
}

/**
 * A fresh, empty schema in the shared test database, for a world that replays the migrated template.
 * `prefix` (lower-case hex) starts its name after `t_`: a run's pooled schemas (schema-pool.ts).
 */
export function createPostgresSchema(prefix = ''): Promise<PostgresSchema> {
  return createSchemaIn(TEST_DATABASE_URL, true, prefix);
}

/**
 * A fresh, empty schema in this run's own database, where Kysely's migrator may run (from scratch, or
 * from behind). Its drop() does nothing: the schema goes with the database when the run ends.
 */
export async function createMigrationSchema(): Promise<PostgresSchema> {
  return createSchemaIn(await migrationDatabaseUrl(), false);
}

/**
 * A schema in a database of its own, dropped with it: for a test that drops tables while the migrator
 * runs, which must never happen in the run's migration database (a migrator introspecting beside it
 * fails with "relation … does not exist", see above).
 */
export async function createPrivateSchema(): Promise<PostgresSchema> {
  const databaseUrl = await createRunDatabase();
  const schema = await createSchemaIn(databaseUrl, false);
  return { ...schema, drop: () => dropRunDatabase(databaseUrl) };
}

const RUN_DATABASE_PREFIX = 'gerbang_run_';
/** A run database older than this was left by a run that crashed before its teardown. */
const STALE_RUN_MS = 24 * 3600_000;

/** Creates this run's own database (test/global-setup.ts); dropRunDatabase removes it. */
export async function createRunDatabase(): Promise<string> {
  const admin = adminPool(TEST_DATABASE_URL);
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname like '${RUN_DATABASE_PREFIX}%'`,
  );
  for (const { datname } of rows) {
    const createdAt = Number(/^gerbang_run_(\d+)_/.exec(datname)?.[1]);
    if (Date.now() - createdAt > STALE_RUN_MS) await admin.query(`drop database if exists ${datname} with (force)`);
  }
  const name = `${RUN_DATABASE_PREFIX}${Date.now()}_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropRunDatabase(databaseUrl: string): Promise<void> {
  const pool = adminPools.get(databaseUrl);
  adminPools.delete(databaseUrl);
  await pool?.end();
  const name = new URL(databaseUrl).pathname.slice(1);
  await adminPool(TEST_DATABASE_URL).query(`drop database if exists ${name} with (force)`);
}

let runDatabase: Promise<string> | undefined;

/** The run's own database (test/global-setup.ts); made here, and dropped at exit, outside a vitest run. */
export function migrationDatabaseUrl(): Promise<string> {
  runDatabase ??= (async () => {
    try {
      const provided = inject('migrationDatabaseUrl');
      if (provided) return provided;
    } catch {
      // not inside a vitest run (a script importing the helpers)
    }
    const created = await createRunDatabase();
    process.once('beforeExit', () => void dropRunDatabase(created));
    return created;
  })();
  return runDatabase;
}
