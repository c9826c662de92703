import { parentPort, workerData } from 'node:worker_threads';
import { systemRuntime } from './clock.js';
import { openDatabase, WORKER_SIDE } from './db/index.js';
import type { MailThreadData, MailThreadReply, MailThreadRequest } from './mail/index.js';
import { devTransport, fonnteTransport, forwardingLog, MailWorker, mailTransportFor } from './mail/index.js';
import { linkIssuer } from './members/index.js';
import { queueMembershipReminders } from './orders/index.js';
import { brandReader } from './web/brand.js';

/*
 * The mail worker's thread on SQLite (started by MailThread in mail/thread.ts; its own bundle,
 * dist/mail-thread.js). It wires what server.ts wires for the in-process worker, on a connection of
 * its own to the same file: its statements and commits (an fsync each under SQLITE_SYNCHRONOUS=FULL)
 * block this thread only, and it takes the write gate (db/write-gate.ts) around its writes so the
 * server's thread never sleeps in SQLite's busy handler behind them.
 */

const port = parentPort;
if (!port) throw new Error('mail-thread runs as a worker thread (see mail/thread.ts)');
const { config, writeGate } = workerData as MailThreadData;
if (config.database.kind !== 'sqlite') throw new Error('mail-thread serves SQLite only');

/** A few hundred pages at full speed: each checkpoint stays short, and the WAL small. */
const CHECKPOINT_EVERY_MS = 100;
/** Each commit here drops the server connection's page cache: few, large batches (worker.ts). */
const THREAD_BATCH = 100;
/** Mail a quarter of a second later at low rates, for a fifth of the commits (and page-cache drops). */
const NUDGE_DELAY_MS = 250;
const log = forwardingLog(port, config.logLevel);
const database = openDatabase(config.database, {
  statementTimeoutMs: config.databaseStatementTimeoutMs,
  joinWriteGate: { buffer: writeGate, side: WORKER_SIDE },
});
// This thread checkpoints the WAL, the server's thread no longer does (see checkpointWal): never
// inside its own commits either, which hold the write gate.
database.autoCheckpointPages?.(0);
const checkpoints = setInterval(() => {
  try {
    database.checkpointWal?.();
  } catch (error) {
    log.warn({ err: error }, 'WAL checkpoint failed; trying again shortly');
  }
}, CHECKPOINT_EVERY_MS);
const transport = mailTransportFor(config) ?? devTransport();
const worker = new MailWorker({
  db: database.db,
  dialect: database.dialect,
  config,
  runtime: systemRuntime,
  transport,
  log,
  issueLink: linkIssuer(systemRuntime),
  brand: brandReader(database.db),
  whatsapp: config.whatsapp ? fonnteTransport(config.whatsapp) : undefined,
  queueDue: (db, now) => queueMembershipReminders(db, now, { whatsapp: config.whatsapp !== null }),
  batchSize: THREAD_BATCH,
  nudgeDelayMs: NUDGE_DELAY_MS,
});

port.on('message', (request: MailThreadRequest) => {
  if (request.type === 'nudge') worker.nudge();
  else
    void (async () => {
      await worker.stop();
      clearInterval(checkpoints);
      transport.close();
      await database.close();
      port.postMessage({ type: 'stopped' } satisfies MailThreadReply);
      port.close();
    })();
});
worker.start();
