import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import type { TouchReply, TouchRequest, TouchWorkerData } from './touch-writer.js';

/*
 * The worker thread that writes "last validated" times on SQLite (started by workerTouchWriter; its
 * own bundle, dist/touch-worker.js). better-sqlite3 is synchronous: on the server's own connection
 * this batch's commit (an fsync with SQLITE_SYNCHRONOUS=FULL) and the WAL checkpoint that 1,000
 * scattered row updates a second trigger stalled every request for ~80 ms once a second
 * (bench:licenses p99 83 ms at 1,000/s; 5 ms without these writes). On a connection of its own in
 * a worker thread they block only the worker; SQLite's locking (WAL, busy_timeout) orders it with
 * the server's writes.
 */

const port = parentPort;
if (!port) throw new Error('touch-worker runs as a worker thread (see touch-writer.ts)');
const options = workerData as TouchWorkerData;

const db = new SqliteDatabase(options.file);
db.pragma('busy_timeout = 5000');
db.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);

// One prepared statement, one row per run, all rows of a batch in one transaction: no SQL is built
// per batch. The rows go in id order, so neighbours on a page are written together.
const touch = db.prepare('update license_activations set last_validated_at = ? where id = ? and last_validated_at < ?');

const writeAll = db.transaction((touches: readonly number[]) => {
  const order: number[] = [];
  for (let i = 0; i < touches.length; i += 2) order.push(i);
  order.sort((x, y) => (touches[x] ?? 0) - (touches[y] ?? 0));
  for (const i of order) {
    const at = touches[i + 1];
    touch.run(at, touches[i], at);
  }
});

port.on('message', (request: TouchRequest) => {
  let reply: TouchReply;
  if ('close' in request) {
    db.close();
    reply = { id: request.id, ok: true };
  } else {
    try {
      writeAll(request.touches);
      reply = { id: request.id, ok: true };
    } catch (error) {
      reply = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
  port.postMessage(reply);
});
