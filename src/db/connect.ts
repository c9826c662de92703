import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config/index.js';
import type { Dialect } from './dialect.js';
import type { Transact } from './group-commit.js';
import { plainTransactions, sqliteGroupCommit } from './group-commit.js';
import { openPostgresPool } from './postgres-pool.js';
import type { Database } from './schema.js';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** For hot write paths (webhooks): group-committed on SQLite, a plain transaction on PostgreSQL. */
  readonly transact: Transact;
  /** Statements run since start (GET /metrics; the realtime benchmark checks idle streams cost none). */
  readonly stats: { queries: number };
  /** The PostgreSQL pool's connections (GET /metrics); absent on SQLite. */
  readonly poolStats?: () => { total: number; idle: number; waiting: number; max: number };
  /** SQLite only: a read statement prepared once and run synchronously (see PrepareRead). */
  readonly prepareRead?: PrepareRead;
  close(): Promise<void>;
}

// int8 (COUNT(*), bigint times) arrives as a string by default; our values stay far below 2^53.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

const STATEMENT_CACHE_SIZE = 500;

/**
 * A read run on better-sqlite3 directly, for a hot path where Kysely's promise layers cost more than
 * the query itself (the license API's look-up: ~9 µs of ~25). The SQL comes from a Kysely query
 * compiled by the caller, never from text; the statement is prepared once, here. Rows come as
 * arrays in `columns` order: better-sqlite3 builds an object per row by interning every column
 * name again (measured: a fifth of the look-up).
 */
export type PrepareRead = (sql: string) => {
  columns: readonly string[];
  all(parameters: readonly unknown[]): unknown[][];
};

/**
 * Kysely's SQLite driver prepares every query anew: SQLite parses and plans the same SQL again for
 * each webhook (measured: a fifth of the CPU per request). better-sqlite3 statements are reusable,
 * and Gerbang never iterates one while running another, so prepared statements are kept by SQL
 * text. Bounded, because IN-lists of varying length make distinct texts.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): KyselySqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql) as unknown as SqliteStatement;
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connections of the pool (default 10). */
  poolSize?: number;
  /**
   * The server's bound on any wait for the database (DATABASE_STATEMENT_TIMEOUT_MS); unset for the
   * CLI and migrations, whose long statements are the operator's choice.
   */
  statementTimeoutMs?: number;
}

/** SQLite's busy wait blocks the whole event loop (better-sqlite3 is synchronous): never longer than this. */
const SQLITE_MAX_BUSY_MS = 5000;

export function openDatabase(config: DatabaseConfig, options: OpenDatabaseOptions = {}): DatabaseHandle {
  if (config.kind === 'postgres') {
    const { pool, kysely } = openPostgresPool({
      url: config.url,
      max: options.poolSize ?? 10,
      types: pgTypes,
      statementTimeoutMs: options.statementTimeoutMs,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    // The pool listens for errors on idle clients only. A checked-out one (inside a transaction)
    // whose connection dies emits 'error' too, and unheard that is an uncaught exception: the
    // whole server would crash on a database restart. Its query rejects anyway (the request answers
    // 503), and the pool drops the broken client when it is released.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    const stats = { queries: 0 };
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: kysely }),
      log: () => void stats.queries++,
    });
    const max = options.poolSize ?? 10;
    const poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max });
    return { db, dialect: 'postgres', transact: plainTransactions(db), stats, poolStats, close: () => db.destroy() };
  }

  // The shop's data (buyers, keys, sessions) is the service user's alone: a new data directory is
  // 0700 and a new database file 0600, whatever the umask.
  mkdirSync(dirname(config.file), { recursive: true, mode: 0o700 });
  const created = !existsSync(config.file);
  const sqlite = new SqliteDatabase(config.file);
  if (created) chmodSync(config.file, 0o600);
  // WAL lets readers run beside the writer. synchronous=FULL (default) fsyncs every commit, so a
  // 200 answer survives power loss; NORMAL survives a process crash but may lose the last commits
  // on power loss (SQLITE_SYNCHRONOUS).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${config.synchronous}`);
  sqlite.pragma('foreign_keys = ON');
  // Another process holding the write lock (a CLI command, a backup) is waited for, within bounds.
  sqlite.pragma(`busy_timeout = ${Math.min(options.statementTimeoutMs ?? SQLITE_MAX_BUSY_MS, SQLITE_MAX_BUSY_MS)}`);
  // A 64 MiB page cache and memory-mapped reads keep the hot B-trees (events, orders, licenses,
  // outbox) out of read() system calls as the file grows; the defaults are sized for phones.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('mmap_size = 268435456');
  sqlite.pragma('temp_store = MEMORY');
  const stats = { queries: 0 };
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    log: () => void stats.queries++,
  });
  const prepareRead: PrepareRead = (sql) => {
    const statement = sqlite.prepare(sql);
    if (!statement.reader) throw new Error('prepareRead takes statements that return rows');
    statement.raw(true);
    return {
      columns: statement.columns().map((c) => c.name),
      all(parameters) {
        stats.queries++;
        return statement.all(...parameters) as unknown[][];
      },
    };
  };
  return { db, dialect: 'sqlite', transact: sqliteGroupCommit(db), stats, prepareRead, close: () => db.destroy() };
}
