import type { Expression, SqlBool } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Index-backed search: "starts with" on lower(column), written as the range [p, p⁺) where p⁺ is p
 * with its last character incremented. A range is answered from a B-tree index in both dialects,
 * while LIKE '%p%' reads every row (and LIKE 'p%' uses an index on neither lower() expression).
 * The compared expression is exactly the one the 0006-admin migration indexed.
 */
export function startsWith(dialect: Dialect, column: string, prefix: string): Expression<SqlBool> {
  const key = prefix.toLowerCase();
  const expr = searchKey(dialect, column);
  return sql<SqlBool>`(${expr} >= ${key} and ${expr} < ${successor(key)})`;
}

/** Starts with `prefix` in any of the columns (each its own index range; the planner ORs them). */
export function startsWithAny(dialect: Dialect, columns: readonly string[], prefix: string): Expression<SqlBool> {
  return sql<SqlBool>`(${sql.join(
    columns.map((column) => startsWith(dialect, column, prefix)),
    sql` or `,
  )})`;
}

/** Case-insensitive equality on the same indexed expression (a member's licenses by email). */
export function equalsKey(dialect: Dialect, column: string, value: string): Expression<SqlBool> {
  return sql<SqlBool>`(${searchKey(dialect, column)} = ${value.toLowerCase()})`;
}

function searchKey(dialect: Dialect, column: string) {
  return dialect === 'postgres' ? sql`(lower(${sql.ref(column)}) collate "C")` : sql`lower(${sql.ref(column)})`;
}

/** The smallest string greater than every string starting with `prefix` (in code point order). */
export function successor(prefix: string): string {
  const chars = [...prefix];
  const last = chars.pop();
  if (last === undefined) return '\u{10FFFF}';
  const code = last.codePointAt(0) ?? 0;
  // U+10FFFF has no successor: drop it and increment the character before instead.
  if (code >= 0x10ffff) return successor(chars.join(''));
  // Skip the surrogate range, which is not a character.
  const next = code + 1 === 0xd800 ? 0xe000 : code + 1;
  return chars.join('') + String.fromCodePoint(next);
}
