import type { ColumnDataType, Kysely } from 'kysely';
import { sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/** Auto-increment primary key type: SQLite's rowid alias vs. a PostgreSQL identity column. */
export function idColumn(dialect: Dialect): ColumnDataType {
  return dialect === 'postgres' ? 'serial' : 'integer';
}

/** Epoch milliseconds need 64 bits; SQLite integers are 64-bit already. */
export function timeColumn(dialect: Dialect): ColumnDataType {
  return dialect === 'postgres' ? 'bigint' : 'integer';
}

/** True when the error is a unique-constraint violation, in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  // PostgreSQL SQLSTATE 23505; better-sqlite3 codes SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY.
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A cheap round trip, used by /readyz. */
export async function pingDatabase<DB>(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}
