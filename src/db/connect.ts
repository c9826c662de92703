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
import { fileSyncBlocking, walSync } from './wal-sync.js';
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
  /**
   * SQLite: checkpoints the WAL when another connection wrote since the last call (a worker thread
   * calls it; see walCheckpointing). Absent on PostgreSQL.
   */
  readonly checkpointWal?: () => CheckpointOutcome;
  /** SQLite: how many WAL pages a commit on this connection lets pass before it checkpoints itself. */
  readonly autoCheckpointPages?: (pages: number) => void;
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
function withStatementCache(
  sqlite: SqliteDatabase.Database,
  gate?: WriteGate,
  afterWrite?: () => void,
): KyselySqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  const gated = gate
    ? gatedStatements(sqlite, gate, afterWrite)
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
 * `afterWrite` runs once a write is committed and the gate free again (a worker's WAL sync).
 */
function gatedStatements(sqlite: SqliteDatabase.Database, gate: WriteGate, afterWrite?: () => void) {
  let transactionEntered = false;
  const endTransaction = () => {
    if (transactionEntered && !sqlite.inTransaction) {
      transactionEntered = false;
      gate.leave();
      afterWrite?.();
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
        afterWrite?.();
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

/** What one checkpointWal() call did (tests read it). */
export type CheckpointOutcome = 'idle' | 'beside' | 'gated';

/**
 * Past this many frames the WAL is checkpointed under the write gate (16 MiB at 4 KiB pages; a
 * webhook writes ~50 frames).
 */
export const GATED_CHECKPOINT_FRAMES = 4000;

/**
 * SQLite checkpoints (copies WAL pages into the database file and syncs both) inside the COMMIT that
 * takes the WAL past 1,000 pages, on the committing thread: on the server's, a stall of the event
 * loop every ~20 single webhooks (a webhook dirties ~50 pages: six tables, forty indexes). A worker
 * thread calls this instead, every fraction of a second, beside the server's writes:
 *
 * 1. a PASSIVE checkpoint copies what the WAL holds. SQLite syncs the database file only when a
 *    pass reaches the WAL's end; a commit landing meanwhile (at 200 webhooks/s, nearly always)
 *    leaves its ~1,000 copied pages unsynced;
 * 2. so the file is synced here (`syncDatabaseFile`, an fdatasync), beside the server's writes;
 * 3. a second PASSIVE pass copies the few frames committed meanwhile; when no commit lands during
 *    it, the checkpoint is complete and the server's next write starts the WAL from its beginning.
 *
 * Only a WAL still past `gatedAfterFrames` after that (steady writes at saturation never leave a
 * gap) gets a last pass under the write gate, so that the checkpoint completes and the WAL stays
 * bounded. Its syncs then cover a few pages: before, the pass under the gate synced every page of
 * the first pass while each webhook waited for the gate (the paced run's p99 tripled).
 */
export function walCheckpointing(
  sqlite: SqliteDatabase.Database,
  gate: WriteGate,
  syncDatabaseFile: () => void,
  gatedAfterFrames = GATED_CHECKPOINT_FRAMES,
): () => CheckpointOutcome {
  let seen = -1;
  const checkpoint = () => sqlite.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  return () => {
    // Not inside this connection's own transaction (a timer may fire while one awaits): next time.
    if (sqlite.inTransaction || gate.held) return 'idle';
    // Changes when another connection committed: an idle database is left alone.
    const version = Number(sqlite.pragma('data_version', { simple: true }));
    if (version === seen) return 'idle';
    seen = version;
    checkpoint();
    syncDatabaseFile();
    const [after] = checkpoint();
    // `log`: the WAL's frames since it last started from its beginning.
    if ((after?.log ?? 0) < gatedAfterFrames) return 'beside';
    const entered = gate.enterSync();
    try {
      checkpoint();
    } finally {
      if (entered) gate.leave();
    }
    return 'gated';
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
  // A worker thread's connection under FULL commits under NORMAL and syncs the WAL right after,
  // outside the gate: as durable when the statement returns, without the server waiting on its fsync.
  const blockingSync = joined && config.synchronous === 'FULL' ? fileSyncBlocking(`${config.file}-wal`) : undefined;
  if (blockingSync) sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite, gate, blockingSync) }),
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
  // The checkpoints' sync of the database file (walCheckpointing), on the connection that runs them.
  const databaseFileSync = fileSyncBlocking(config.file);
  // Under FULL the group commit syncs the WAL itself, on the thread pool (wal-sync.ts).
  const sync = config.synchronous === 'FULL' && !joined ? walSync(`${config.file}-wal`) : undefined;
  return {
    db,
    dialect: 'sqlite',
    transact: sqliteGroupCommit(db, { ...(sync ? { walSync: sync } : {}), writeGate: gate }),
    writeGate: gate.buffer,
    checkpointWal: walCheckpointing(sqlite, gate, databaseFileSync),
    autoCheckpointPages: (pages) => void sqlite.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(pages))}`),
    stats,
    prepareRead,
    async close() {
      await db.destroy();
      sync?.close();
      blockingSync?.close();
      databaseFileSync.close();
    },
  };
}
