import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, Dialect } from '../../src/db/index.js';

/**
 * Every row of every table (the migration bookkeeping too), read before and after a hostile request:
 * the proof of "never a write" is that nothing outside the allowed changes differs. Raw webhook
 * bodies are left out of the comparison (no code path updates one, and some are a megabyte).
 */

export interface SchemaColumn {
  table: string;
  column: string;
  type: string;
}

export type TableRows = Map<string, string[]>;

export async function schemaColumns(db: Kysely<Database>, dialect: Dialect): Promise<SchemaColumn[]> {
  if (dialect === 'postgres') {
    const { rows } = await sql<SchemaColumn>`
      select table_name as "table", column_name as "column", data_type as "type"
      from information_schema.columns where table_schema = current_schema()
      order by table_name, ordinal_position`.execute(db);
    return rows;
  }
  const { rows } = await sql<SchemaColumn>`
    select m.name as "table", p.name as "column", p.type as "type"
    from sqlite_master m join pragma_table_info(m.name) p
    where m.type = 'table' and m.name not like 'sqlite_%'
    order by m.name, p.cid`.execute(db);
  return rows;
}

/** All rows of all tables in one statement (one round trip: the runner reads them twice per request). */
export async function snapshotRows(
  db: Kysely<Database>,
  dialect: Dialect,
  columns: readonly SchemaColumn[],
): Promise<TableRows> {
  const byTable = new Map<string, string[]>();
  for (const c of columns) {
    if (c.table === 'webhook_events' && c.column === 'raw_body') continue;
    byTable.set(c.table, [...(byTable.get(c.table) ?? []), c.column]);
  }
  const asJson = dialect === 'postgres' ? sql`json_build_array` : sql`json_array`;
  const selects = [...byTable].map(
    ([table, names]) =>
      sql`select ${table} as t, cast(${asJson}(${sql.join(names.map((n) => sql.ref(n)))}) as text) as r from ${sql.table(table)}`,
  );
  const { rows } = await sql<{ t: string; r: string }>`${sql.join(selects, sql` union all `)}`.execute(db);
  const snapshot: TableRows = new Map([...byTable.keys()].map((table) => [table, []]));
  for (const row of rows) snapshot.get(row.t)?.push(row.r);
  for (const list of snapshot.values()) list.sort();
  return snapshot;
}

/** What changed in one table: rows that are new (or changed, seen as new) and rows that are gone. */
export interface TableChange {
  added: string[];
  removed: string[];
}

export function diffRows(before: TableRows, after: TableRows): Map<string, TableChange> {
  const changes = new Map<string, TableChange>();
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const left = countRows(before.get(table) ?? []);
    const right = countRows(after.get(table) ?? []);
    const added: string[] = [];
    const removed: string[] = [];
    for (const [row, n] of right) for (let i = left.get(row) ?? 0; i < n; i++) added.push(row);
    for (const [row, n] of left) for (let i = right.get(row) ?? 0; i < n; i++) removed.push(row);
    if (added.length > 0 || removed.length > 0) changes.set(table, { added, removed });
  }
  return changes;
}

function countRows(rows: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row, (counts.get(row) ?? 0) + 1);
  return counts;
}
