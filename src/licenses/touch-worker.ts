import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import type { Database } from '../db/schema.js';
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

// Kysely only compiles here (typed against the schema); better-sqlite3 runs the SQL synchronously,
// inside one transaction per batch.
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new SqliteIntrospector(kysely),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

function touchQuery(at: number, ids: readonly number[]): CompiledQuery {
  return compiler
    .updateTable('license_activations')
    .set({ last_validated_at: at })
    .where('last_validated_at', '<', at)
    .where('id', 'in', ids)
    .compile();
}

// The SQL depends only on how many ids a chunk has: one prepared statement per chunk size.
const statements = new Map<string, SqliteDatabase.Statement>();
function run(query: CompiledQuery): void {
  let statement = statements.get(query.sql);
  if (!statement) {
    statement = db.prepare(query.sql);
    statements.set(query.sql, statement);
  }
  statement.run(...query.parameters);
}

const writeAll = db.transaction((batches: readonly (readonly [number, readonly number[]])[]) => {
  for (const [at, ids] of batches)
    for (let i = 0; i < ids.length; i += options.chunk) run(touchQuery(at, ids.slice(i, i + options.chunk)));
});

port.on('message', (request: TouchRequest) => {
  let reply: TouchReply;
  if ('close' in request) {
    db.close();
    reply = { id: request.id, ok: true };
  } else {
    try {
      writeAll(request.batches);
      reply = { id: request.id, ok: true };
    } catch (error) {
      reply = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
  port.postMessage(reply);
});
