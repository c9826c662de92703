import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';

/** Writes a batch of "last validated" times: activation ids grouped by the time to store. */
export interface TouchWriter {
  write(byTime: ReadonlyMap<number, readonly number[]>): Promise<void>;
  close(): Promise<void>;
}

const CHUNK = 500;

/** PostgreSQL (and tests): the pool's connections; the statements are awaited, never blocking. */
export function poolTouchWriter(db: Kysely<Database>): TouchWriter {
  return {
    async write(byTime) {
      await db.transaction().execute(async (trx) => {
        for (const [at, ids] of byTime) {
          for (let i = 0; i < ids.length; i += CHUNK) {
            await trx
              .updateTable('license_activations')
              .set({ last_validated_at: at })
              .where('id', 'in', ids.slice(i, i + CHUNK))
              .where('last_validated_at', '<', at)
              .execute();
          }
        }
      });
    },
    async close() {},
  };
}

/*
 * The worker's whole program. better-sqlite3 is synchronous: on the server's own connection this
 * batch's commit (an fsync with SQLITE_SYNCHRONOUS=FULL) and the WAL checkpoint that 1,000
 * scattered row updates a second trigger stalled every request for ~80 ms once a second
 * (bench:licenses p99 83 ms at 1,000/s; 5 ms without these writes). On a connection of its own in
 * a worker thread they block only the worker; SQLite's locking (WAL, busy_timeout) orders it with
 * the server's writes.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
const chunk = ${CHUNK};
const statements = new Map();
const update = (n) => {
  let s = statements.get(n);
  if (!s) {
    s = db.prepare('update license_activations set last_validated_at = ? where last_validated_at < ? and id in (' + new Array(n).fill('?').join(',') + ')');
    statements.set(n, s);
  }
  return s;
};
const writeAll = db.transaction((batches) => {
  for (const [at, ids] of batches)
    for (let i = 0; i < ids.length; i += chunk) {
      const part = ids.slice(i, i + chunk);
      update(part.length).run(at, at, ...part);
    }
});
parentPort.on('message', (message) => {
  if (message.close) { db.close(); parentPort.postMessage({ id: message.id, ok: true }); return; }
  try { writeAll(message.batches); parentPort.postMessage({ id: message.id, ok: true }); }
  catch (error) { parentPort.postMessage({ id: message.id, ok: false, error: String(error && error.message || error) }); }
});
`;

/** SQLite: the writes run in a worker thread on a connection of its own (see WORKER_SOURCE). */
export function workerTouchWriter(file: string, synchronous: 'FULL' | 'NORMAL'): TouchWriter {
  // The worker resolves the driver by absolute path: the server's cwd may hold no node_modules.
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  let worker: Worker | null = null;
  let nextId = 0;
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  const start = (): Worker => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, synchronous, driver } });
    w.unref();
    w.on('message', (m: { id: number; ok: boolean; error?: string }) => {
      const pending = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.ok) pending?.resolve();
      else pending?.reject(new Error(m.error ?? 'touch write failed'));
    });
    const fail = (error: Error) => {
      worker = null;
      for (const pending of waiting.values()) pending.reject(error);
      waiting.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`touch writer exited with ${code}`)));
    return w;
  };
  const send = (message: object) =>
    new Promise<void>((resolve, reject) => {
      worker ??= start();
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  return {
    write: (byTime) => send({ batches: [...byTime] }),
    async close() {
      if (!worker) return;
      const closing = worker;
      await send({ close: true }).catch(() => {});
      await closing.terminate();
      worker = null;
    },
  };
}
