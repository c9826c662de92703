import { inject } from 'vitest';
import type { PostgresSchema } from './postgres.js';
import { adminPool, createPostgresSchema, databaseOf, TEST_DATABASE_URL } from './postgres.js';
import { runInSchema } from './world-template.js';

/**
 * PostgreSQL worlds' schemas, used again instead of dropped. Replaying the migrated template into a
 * fresh schema and dropping it afterwards cost about 0.3 s and 0.2–0.25 s of PostgreSQL's CPU per
 * world (~150 tables, indexes and sequences made and removed each time: a fifth of the machine's CPU
 * during the suite went to PostgreSQL). Emptying a used schema takes about 3 ms.
 *
 * A closed world's schema comes back only when it is exactly what the template made: no row of its
 * catalog (tables, columns, defaults, constraints, indexes, triggers, sequences, functions, types,
 * privileges) or of its migration records was added, removed or changed since its replay, and any
 * change (a test that added a trigger, dropped an index, or changed a migration row) drops it instead. Coming back, every table
 * but Kysely's own is emptied and every sequence starts again at 1, as in a fresh replay (checked
 * once per process: the template holds no other rows and no used sequence, or nothing is pooled).
 *
 * Pooled schemas are named `t_<run id>…`; the global teardown drops this run's (dropRunSchemas).
 */

/** At most this many clean schemas wait per test process; the rest are dropped. */
const POOL_MAX = 4;

const pool: PostgresSchema[] = [];
/** The script that empties a used schema (run with its search_path), learnt once per process; null: no pooling. */
let cleanScript: Promise<string | null> | undefined;
/** Each pooled schema's token (tokenQuery) as the template made it. */
const tokens = new Map<string, string>();

function runId(): string | null {
  try {
    return inject('worldRunId') ?? null;
  } catch {
    return null; // outside a vitest run: nothing would drop pooled schemas at the end
  }
}

/**
 * A token that changes with any change to a schema's structure or migration records: for each catalog
 * (tables, indexes and sequences, columns, defaults, constraints, indexes, triggers, functions, types,
 * sequences) and for Kysely's two tables, the number of rows and the newest row version (`xmin`): a
 * row added, removed or altered (ALTER TABLE, CREATE INDEX, GRANT, an UPDATE) changes one or the other.
 */
function tokenQuery(schema: string): string {
  const ns = `'${schema}'::regnamespace`;
  const part = (from: string, xmin = 'xmin') =>
    `(select count(*) || ':' || coalesce(max(${xmin}::text::bigint), 0) ${from})`;
  const inSchema = (alias: string, column: string) =>
    `from ${alias} join pg_class c on c.oid = ${column} where c.relnamespace = ${ns}`;
  return `select ${[
    part(`from pg_class where relnamespace = ${ns}`),
    part(inSchema('pg_attribute a', 'a.attrelid'), 'a.xmin'),
    part(inSchema('pg_attrdef d', 'd.adrelid'), 'd.xmin'),
    part(`from pg_constraint where connamespace = ${ns}`),
    part(inSchema('pg_index i', 'i.indexrelid'), 'i.xmin'),
    part(inSchema('pg_trigger t', 't.tgrelid'), 't.xmin'),
    part(inSchema('pg_sequence q', 'q.seqrelid'), 'q.xmin'),
    part(`from pg_proc where pronamespace = ${ns}`),
    part(`from pg_type where typnamespace = ${ns}`),
    part(`from ${schema}.kysely_migration`),
    part(`from ${schema}.kysely_migration_lock`),
  ].join(" || ' ' || ")} as token`;
}

async function catalogToken(schema: PostgresSchema): Promise<string> {
  const { rows } = await adminPool(databaseOf(schema.url)).query<{ token: string }>(tokenQuery(schema.schema));
  return rows[0]?.token ?? '';
}

/**
 * Learns, from a schema just replayed from the template, the script that empties a used one; null
 * (no pooling) when the template itself holds rows or used sequences.
 */
async function learnCleanScript(fresh: PostgresSchema): Promise<string | null> {
  const admin = adminPool(databaseOf(fresh.url));
  const { rows: tables } = await admin.query<{ name: string }>(
    `select relname as name from pg_class where relnamespace = $1::regnamespace and relkind = 'r'
       and relname not in ('kysely_migration', 'kysely_migration_lock') order by relname`,
    [fresh.schema],
  );
  const { rows: sequences } = await admin.query<{ name: string; last_value: string | null }>(
    'select sequencename as name, last_value from pg_sequences where schemaname = $1 order by sequencename',
    [fresh.schema],
  );
  if (sequences.some((s) => s.last_value !== null)) return null;
  const counts = tables.map((t) => `(select count(*) from ${fresh.schema}.${t.name})`).join(' + ');
  const { rows } = await admin.query<{ n: string }>(`select ${counts || '0'} as n`);
  if (Number(rows[0]?.n) !== 0) return null;
  return [
    // Foreign keys are not checked while every table is emptied (superuser only; otherwise the
    // script fails and the schema is dropped as before).
    'set local session_replication_role = replica',
    ...tables.map((t) => `delete from ${t.name}`),
    ...sequences.map((s) => `select setval('${s.name}', 1, false)`),
  ].join('; ');
}

/**
 * Notes `fresh`, a schema just replayed from the template and not yet used, as it should be when it
 * comes back (and learns, once per process, how to empty one).
 */
export async function noteFreshSchema(fresh: PostgresSchema): Promise<void> {
  if (runId() === null) return;
  cleanScript ??= learnCleanScript(fresh).catch(() => null);
  if (await cleanScript) tokens.set(fresh.schema, await catalogToken(fresh));
}

/** A clean, migrated schema from the pool, or null (then make one with createPooledSchema and replay the template). */
export function takeCleanSchema(): PostgresSchema | null {
  return pool.pop() ?? null;
}

/** A fresh schema that may come back to the pool: named after the run, so the run's teardown finds it. */
export function createPooledSchema(): Promise<PostgresSchema> {
  const id = runId();
  return createPostgresSchema(id ?? '');
}

/**
 * Puts a closed world's schema back in the pool when it is as the template made it, emptied;
 * otherwise (or when the pool is full, or outside a run) drops it.
 */
export async function recycleSchema(schema: PostgresSchema): Promise<void> {
  const script = runId() !== null && pool.length < POOL_MAX ? await cleanScript : null;
  const token = tokens.get(schema.schema);
  if (script && token && (await catalogToken(schema)) === token) {
    try {
      await runInSchema(script, adminPool(databaseOf(schema.url)), schema.schema);
      pool.push(schema);
      return;
    } catch {
      // Not emptied (no superuser, say): dropped below instead.
    }
  }
  tokens.delete(schema.schema);
  await schema.drop();
}

/** The global teardown's: drops every schema this run pooled, in every test process. */
export async function dropRunSchemas(id: string): Promise<void> {
  const admin = adminPool(TEST_DATABASE_URL);
  const { rows } = await admin.query<{ name: string }>(
    `select nspname as name from pg_namespace where nspname like $1`,
    [`t\\_${id}%`],
  );
  await Promise.all(rows.map((r) => admin.query(`drop schema if exists ${r.name} cascade`)));
}

/** Dead catalog rows in the test database past which the run starts with a VACUUM of its catalogs. */
const DEAD_CATALOG_ROWS = 50_000;

/**
 * Vacuums the test database's system catalogs when earlier runs left them bloated. Every world
 * schema made and dropped leaves ~1,500 dead catalog rows, and CI's PostgreSQL runs without
 * autovacuum: after a few runs pg_attribute held 1.6 million dead rows (344 MB), and every catalog
 * look-up — each connection's start, each schema made, each CREATE — slowed with it (a query over
 * one schema's catalog rows: 280 ms, 3–4 ms after the VACUUM). Returns the dead rows found.
 */
export async function vacuumTestCatalogs(): Promise<number> {
  const admin = adminPool(TEST_DATABASE_URL);
  const catalogs = [
    'pg_attribute',
    'pg_depend',
    'pg_class',
    'pg_index',
    'pg_constraint',
    'pg_type',
    'pg_trigger',
    'pg_attrdef',
    'pg_sequence',
    'pg_namespace',
  ];
  const { rows } = await admin.query<{ dead: string }>(
    'select coalesce(sum(n_dead_tup), 0) as dead from pg_stat_sys_tables where relname = any($1)',
    [catalogs],
  );
  const dead = Number(rows[0]?.dead);
  if (dead > DEAD_CATALOG_ROWS) await admin.query(`vacuum ${catalogs.join(', ')}`);
  return dead;
}
