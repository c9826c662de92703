/**
 * Bind parameters one statement may carry on both dialects. SQLite refuses more than
 * SQLITE_MAX_VARIABLE_NUMBER (32,766 since 3.32; the build better-sqlite3 ships) and PostgreSQL's
 * wire protocol counts them in 16 bits (65,535): a multi-row INSERT past either fails as a whole,
 * whatever its rows hold. The lower limit serves both, so one code path runs on either dialect.
 */
export const MAX_BIND_PARAMETERS = 32_766;

/** How many rows of `columns` values each fit one statement. */
export function rowsPerStatement(columns: number): number {
  return Math.max(1, Math.floor(MAX_BIND_PARAMETERS / Math.max(1, columns)));
}

/**
 * `rows` cut, in order, into runs that each fit one INSERT. Kysely gives every row of an INSERT the
 * union of all rows' columns, so that union is the width that counts.
 */
export function statementChunks<T extends object>(rows: readonly T[]): T[][] {
  const columns = new Set<string>();
  for (const row of rows) for (const column of Object.keys(row)) columns.add(column);
  const size = rowsPerStatement(columns.size);
  const chunks: T[][] = [];
  for (let from = 0; from < rows.length; from += size) chunks.push(rows.slice(from, from + size));
  return chunks;
}
