import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from './schema.js';

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
export function sqliteGroupCommit(db: Kysely<Database>): Transact {
  const queue: Job[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    // Let the requests already read from the sockets join this batch.
    await yieldToEventLoop();
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      const outcomes: (() => void)[] = [];
      try {
        await db.transaction().execute(async (trx) => {
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
        });
        for (const settle of outcomes) settle();
      } catch (error) {
        // The COMMIT itself failed (disk full, I/O error): nothing of this batch is stored.
        for (const job of batch) job.reject(error);
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

export function plainTransactions(db: Kysely<Database>): Transact {
  return (work) => db.transaction().execute(work);
}
