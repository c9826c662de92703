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

/** What the worker thread is started with (touch-worker.ts reads it as its workerData). */
export interface TouchWorkerData {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  /** Ids per UPDATE, as poolTouchWriter's. */
  chunk: number;
}

export type TouchRequest =
  | { id: number; batches: readonly (readonly [number, readonly number[]])[] }
  | { id: number; close: true };
export type TouchReply = { id: number; ok: true } | { id: number; ok: false; error: string };

/** Starts the worker thread running touch-worker.ts with `workerData` (see startBundledTouchWorker). */
export type StartTouchWorker = (workerData: TouchWorkerData) => Worker;

/**
 * The server runs as one bundle, dist/gerbang.js, and the worker is a bundle of its own beside it
 * (scripts/build.mjs), dist/touch-worker.js. Run from the TypeScript sources (tests), Node cannot start
 * a .ts worker by itself: the caller passes a starter that can (test/helpers/touch-worker.ts).
 */
export const startBundledTouchWorker: StartTouchWorker = (workerData) => {
  if (import.meta.url.endsWith('.ts'))
    throw new Error('touch writer: running from source, pass startTouchWorker (or run the bundle: npm run build)');
  return new Worker(new URL('./touch-worker.js', import.meta.url), { workerData });
};

/** SQLite: the writes run in a worker thread on a connection of its own (see touch-worker.ts). */
export function workerTouchWriter(
  file: string,
  synchronous: 'FULL' | 'NORMAL',
  startWorker: StartTouchWorker = startBundledTouchWorker,
): TouchWriter {
  let worker: Worker | null = null;
  let nextId = 0;
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  const start = (): Worker => {
    const w = startWorker({ file, synchronous, chunk: CHUNK });
    w.unref();
    w.on('message', (m: TouchReply) => {
      const pending = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.ok) pending?.resolve();
      else pending?.reject(new Error(m.error || 'touch write failed'));
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
  const send = (request: (id: number) => TouchRequest) =>
    new Promise<void>((resolve, reject) => {
      worker ??= start();
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.postMessage(request(id));
    });
  return {
    write: (byTime) => send((id) => ({ id, batches: [...byTime] })),
    async close() {
      if (!worker) return;
      const closing = worker;
      await send((id) => ({ id, close: true })).catch(() => {});
      await closing.terminate();
      worker = null;
    },
  };
}
