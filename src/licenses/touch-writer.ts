import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/index.js';

/**
 * Writes a batch of "last validated" times: activation id → the time to store. A time never moves
 * an activation's time back (a late batch loses to a newer one).
 */
export interface TouchWriter {
  write(touches: ReadonlyMap<number, number>): Promise<void>;
  close(): Promise<void>;
}

/** Activations per PostgreSQL statement: two arrays of this many bigints are one parameter each. */
const CHUNK = 5000;

/**
 * PostgreSQL: one statement per 5,000 activations, whatever their times (the ids and times travel
 * as two arrays), on the pool's connections, awaited and never blocking. Grouping by time instead
 * took one round trip per distinct millisecond: about one per validation on a busy server.
 */
export function poolTouchWriter(db: Kysely<Database>): TouchWriter {
  return {
    async write(touches) {
      const entries = [...touches];
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < entries.length; i += CHUNK) {
          const chunk = entries.slice(i, i + CHUNK);
          await sql`
            update license_activations as a set last_validated_at = v.at
            from unnest(${chunk.map(([id]) => id)}::int8[], ${chunk.map(([, at]) => at)}::int8[]) as v(id, at)
            where a.id = v.id and a.last_validated_at < v.at`.execute(trx);
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
}

/** `touches`: activation id, time, activation id, time, … (a flat array is the cheapest to post). */
export type TouchRequest = { id: number; touches: readonly number[] } | { id: number; close: true };
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
    const w = startWorker({ file, synchronous });
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
    write: (touches) =>
      send((id) => {
        const flat: number[] = [];
        for (const [activationId, at] of touches) flat.push(activationId, at);
        return { id, touches: flat };
      }),
    async close() {
      if (!worker) return;
      const closing = worker;
      await send((id) => ({ id, close: true })).catch(() => {});
      await closing.terminate();
      worker = null;
    },
  };
}
