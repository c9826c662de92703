import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from './schema.js';
import type { WalSync } from './wal-sync.js';
import type { WriteGate } from './write-gate.js';

/** Runs `work` in a transaction of its own (or, on SQLite, its own savepoint in a shared one). */
export type Transact = <T>(work: (trx: Kysely<Database>) => Promise<T>) => Promise<T>;

const MAX_BATCH = 64;

interface Job {
  work: (trx: Kysely<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for SQLite: its one writer commits (and with synchronous=FULL, fsyncs) once per
 * batch of webhooks instead of once per webhook. Jobs that arrive while the event loop is busy are
 * collected, run one after another inside one transaction, each in its own SAVEPOINT so that one
 * failing job rolls back alone, and every caller hears its result only after the shared COMMIT: a
 * 200 still means "durably stored". PostgreSQL has real concurrent transactions and does not batch.
 */
export function sqliteGroupCommit(db: Kysely<Database>, options: GroupCommitOptions = {}): Transact {
  const queue: Job[] = [];
  let flushing = false;
  const { walSync, writeGate } = options;

  /**
   * The batch's transaction. With a WAL sync, its COMMIT runs under synchronous=NORMAL (frames written,
   * not synced) and FULL is back before any other statement: the connection is held throughout.
   */
  const commitBatch = async (batch: Job[], outcomes: (() => void)[]): Promise<void> => {
    if (!walSync) return await db.transaction().execute((trx) => runJobs(trx, batch, outcomes));
    await db.connection().execute(async (connection) => {
      await sql`pragma synchronous = normal`.execute(connection);
      try {
        await connection.transaction().execute((trx) => runJobs(trx, batch, outcomes));
      } finally {
        await sql`pragma synchronous = full`.execute(connection);
      }
    });
  };
  /** Another thread writing (the mail worker): wait for it here, where the event loop runs on. */
  const commitGated = async (batch: Job[], outcomes: (() => void)[]): Promise<void> => {
    const entered = writeGate ? await writeGate.enterAsync() : false;
    try {
      await commitBatch(batch, outcomes);
    } finally {
      if (entered) writeGate?.leave();
    }
  };

  async function flush(): Promise<void> {
    // Let the requests already read from the sockets join this batch.
    await yieldToEventLoop();
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      const outcomes: (() => void)[] = [];
      try {
        await commitGated(batch, outcomes);
      } catch (error) {
        // The COMMIT itself failed (disk full, I/O error): nothing of this batch is stored.
        for (const job of batch) job.reject(error);
        outcomes.length = 0;
      }
      if (outcomes.length > 0) {
        if (walSync) {
          // What FULL would have done inside COMMIT, off the event loop: nobody hears "stored"
          // before it. The next batch runs meanwhile; one sync covers every commit before it.
          walSync().then(
            () => settleAll(outcomes),
            (error: unknown) => {
              for (const job of batch) job.reject(error);
            },
          );
        } else settleAll(outcomes);
      }
      if (queue.length > 0) await yieldToEventLoop();
    }
    flushing = false;
  }

  return <T>(work: (trx: Kysely<Database>) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!flushing) {
        flushing = true;
        void flush();
      }
    });
}

function settleAll(outcomes: readonly (() => void)[]): void {
  for (const settle of outcomes) settle();
}

async function runJobs(trx: Kysely<Database>, batch: Job[], outcomes: (() => void)[]): Promise<void> {
  for (const job of batch) {
    await sql`savepoint job`.execute(trx);
    try {
      const value = await job.work(trx);
      await sql`release job`.execute(trx);
      outcomes.push(() => job.resolve(value));
    } catch (error) {
      await sql`rollback to job`.execute(trx);
      await sql`release job`.execute(trx);
      outcomes.push(() => job.reject(error));
    }
  }
}

export interface GroupCommitOptions {
  /**
   * For synchronous=FULL: commit under NORMAL and sync the WAL off the event loop before answering
   * (wal-sync.ts). Without it each COMMIT syncs in place, as the connection's setting says.
   */
  walSync?: WalSync;
  /** Taken for each batch without blocking the event loop (write-gate.ts). */
  writeGate?: WriteGate;
}

export function plainTransactions(db: Kysely<Database>): Transact {
  return (work) => db.transaction().execute(work);
}
