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

/** Socket errors of a database that cannot be reached (refused, reset, partitioned, not resolvable). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * SQLSTATE connection_exception (class 08), shutting down / starting up (57P01-57P03), too many
 * connections, and our own bounds: statement_timeout (57014) and idle_in_transaction_session_timeout
 * (25P03) ending a wait that would otherwise hold the request.
 */
const PG_UNAVAILABLE = /^(08|57P0[123]$|53300$|57014$|25P03$)/;
/** A file locked past busy_timeout, read-only, unreadable or full: retry later, it is not the payload. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|READONLY|IOERR|CANTOPEN|FULL)/;
/** What node-postgres says, without a code, when its connection dies, never opens or goes silent (query_timeout). */
const PG_CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection is closed|Query read timeout/;

/**
 * True when the database could not be reached or could not take a write right now (rather than the
 * statement being wrong): the request is answered 503 so the sender retries later, and nothing is
 * recorded as a processing failure.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || PG_UNAVAILABLE.test(code) || SQLITE_UNAVAILABLE.test(code)) return true;
  }
  if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return true;
  // Node reports a refused connection to several addresses as an AggregateError.
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
