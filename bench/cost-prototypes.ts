import SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../src/db/index.js';

/**
 * Stand-ins for two changes proposed in docs/BENCHMARKS.md, so their effect can be measured
 * before anyone edits src/. Neither is used by the server.
 */

/**
 * Kysely's SQLite driver calls better-sqlite3's prepare() for every query, parsing and planning the
 * same SQL again each time. This hands Kysely a database whose prepare() returns a cached statement
 * (better-sqlite3 statements are reusable; Gerbang never streams, so none is iterated while reused).
 * Same pragmas as src/db/connect.ts.
 */
export function cachedStatementsDatabase(
  file: string,
  sync: 'FULL' | 'NORMAL',
): { db: Kysely<Database>; close(): Promise<void> } {
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${sync}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const statements = new Map<string, SqliteStatement>();
  const database: KyselySqliteDatabase = {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql) as unknown as SqliteStatement;
        // Bounded: queries with IN-lists of varying length produce many distinct texts.
        if (statements.size >= 500) statements.clear();
        statements.set(sql, statement);
      }
      return statement;
    },
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return { db, close: () => db.destroy() };
}

/**
 * formatPaidAt (src/mail/templates/layout.ts) builds a new Intl.DateTimeFormat for every mail;
 * building one costs far more than formatting with it. While fn runs, constructing a
 * DateTimeFormat with the same arguments returns one shared instance, like a module-level constant
 * in layout.ts would.
 */
export async function withCachedDateTimeFormat<T>(fn: () => Promise<T>): Promise<T> {
  const original = Intl.DateTimeFormat;
  const formats = new Map<string, Intl.DateTimeFormat>();
  // A function, not an arrow: `new Intl.DateTimeFormat(…)` must still work, and returning an object
  // from a constructor makes `new` yield that object.
  function cached(locales?: string | string[], options?: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
    const key = JSON.stringify([locales, options]);
    let format = formats.get(key);
    if (!format) {
      format = new original(locales, options);
      formats.set(key, format);
    }
    return format;
  }
  const intl = Intl as { DateTimeFormat: unknown };
  intl.DateTimeFormat = cached;
  try {
    return await fn();
  } finally {
    intl.DateTimeFormat = original;
  }
}
