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
import { walSync } from './wal-sync.js';
import type { WriteSide } from './write-gate.js';
import { WriteGate } from './write-gate.js';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** For hot write paths (webhooks): group-committed on SQLite, a plain transaction on PostgreSQL. */
  readonly transact: Transact;
  /** Statements run since start (GET /metrics; the realtime benchmark checks idle streams cost none). */
  readonly stats: { queries: number };
  /**
   * SQLite: the gate its writers share (write-gate.ts); a worker thread opening the same file with
   * `joinWriteGate` takes it around its writes. Absent on PostgreSQL.
   */
  readonly writeGate?: SharedArrayBuffer;
  /** The PostgreSQL pool's connections (GET /metrics); absent on SQLite. */
  readonly poolStats?: () => { total: number; idle: number; waiting: number; max: number };
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
 * Kysely's SQLite driver prepares every query anew: SQLite parses and plans the same SQL again for
 * each webhook (measured: a fifth of the CPU per request). better-sqlite3 statements are reusable,
 * and Gerbang never iterates one while running another, so prepared statements are kept by SQL
 * text. Bounded, because IN-lists of varying length make distinct texts.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, gate?: WriteGate): KyselySqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  const gated = gate
    ? gatedStatements(sqlite, gate)
    : (_sql: string, statement: SqliteDatabase.Statement) => statement as unknown as SqliteStatement;
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = gated(sql, sqlite.prepare(sql));
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * Takes the write gate around what writes: a transaction from BEGIN to its end, a write outside
 * one. Reads never wait (WAL lets them run beside any writer). Kysely's SQLite driver sends BEGIN,
 * COMMIT and ROLLBACK as exactly these texts; savepoints only run inside a transaction.
 */
function gatedStatements(sqlite: SqliteDatabase.Database, gate: WriteGate) {
  let transactionEntered = false;
  const endTransaction = () => {
    if (transactionEntered && !sqlite.inTransaction) {
      transactionEntered = false;
      gate.leave();
    }
  };
  return (sql: string, prepared: SqliteDatabase.Statement): SqliteStatement => {
    const statement = prepared as unknown as SqliteStatement;
    const around = <T>(run: () => T): T => {
      if (sql === 'begin') {
        // Already held by this side: a group-commit batch took it before its BEGIN.
        if (!gate.held) transactionEntered = gate.enterSync();
        try {
          return run();
        } finally {
          endTransaction();
        }
      }
      if (sql === 'commit' || sql === 'rollback') {
        try {
          return run();
        } finally {
          endTransaction();
        }
      }
      if (sqlite.inTransaction || gate.held) return run();
      const entered = gate.enterSync();
      try {
        return run();
      } finally {
        if (entered) gate.leave();
      }
    };
    const bounds = sql === 'begin' || sql === 'commit' || sql === 'rollback';
    if (!bounds && prepared.readonly) return statement;
    return {
      reader: statement.reader,
      all: (parameters) => around(() => statement.all(parameters)),
      run: (parameters) => around(() => statement.run(parameters)),
      iterate: (parameters) => statement.iterate(parameters),
    };
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
  /** SQLite, in a worker thread: the server's write gate (DatabaseHandle.writeGate), taken as `side`. */
  joinWriteGate?: { buffer: SharedArrayBuffer; side: WriteSide };
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
  const busyMs = Math.min(options.statementTimeoutMs ?? SQLITE_MAX_BUSY_MS, SQLITE_MAX_BUSY_MS);
  const joined = options.joinWriteGate;
  const gate = joined ? new WriteGate(joined.buffer, joined.side, busyMs) : WriteGate.create(busyMs);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite, gate) }),
    log: () => void stats.queries++,
  });
  // Under FULL the group commit syncs the WAL itself, on the thread pool (wal-sync.ts).
  const sync = config.synchronous === 'FULL' ? walSync(`${config.file}-wal`) : undefined;
  return {
    db,
    dialect: 'sqlite',
    transact: sqliteGroupCommit(db, { ...(sync ? { walSync: sync } : {}), writeGate: gate }),
    writeGate: gate.buffer,
    stats,
    async close() {
      await db.destroy();
      sync?.close();
    },
  };
}
