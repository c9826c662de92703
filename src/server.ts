import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { systemRuntime } from './clock.js';
import type { Config } from './config/index.js';
import { trustedProxyPeer } from './config/index.js';
import { capConnectionsPerAddress } from './connection-cap.js';
import { migrateWhenReachable } from './database-wait.js';
import type { DatabaseHandle } from './db/index.js';
import { openDatabase, WORKER_SIDE, WriteGate } from './db/index.js';
import { licenseExpirySweep } from './licenses/index.js';
import { createLogger } from './logger.js';
import type { StartMailThread } from './mail/index.js';
import { devTransport, fonnteTransport, MailThread, MailWorker, mailTransportFor } from './mail/index.js';
import { linkIssuer } from './members/index.js';
import { queueMembershipReminders } from './orders/index.js';
import type { PostgresBus, RealtimeBus } from './realtime/index.js';
import { createMemoryBus, createPostgresBus } from './realtime/index.js';
import { brandReader } from './web/brand.js';
import { WebhookWorker } from './webhooks-out/index.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/**
 * How long shutdown waits for the requests under way. Handlers end far sooner (database waits are
 * bounded); only a sender trickling its body can take longer, and it is cut off so the process
 * exits before serve.ts's 15 s deadline and the unit's TimeoutStopSec.
 */
const DRAIN_LIMIT_MS = 10_000;

/** 40 MiB of WAL (4 KiB pages): reached only when the mail thread's checkpoints stopped. */
const FALLBACK_CHECKPOINT_PAGES = 10_000;

export interface ServerOptions {
  /** Starts the SQLite mail thread: the bundle's dist/mail-thread.js unless given (tests run the source). */
  startMailThread?: StartMailThread;
}

/** Opens the database, migrates, starts the mail and webhook workers and listens. server.ts only wires; app.ts builds. */
export async function startServer(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
  options: ServerOptions = {},
): Promise<RunningServer> {
  const migrations = await migrateWhenReachable(config, logger);
  if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, 'database migrated');
  if (migrations.newer.length > 0)
    logger.warn(
      { newer: migrations.newer },
      'database has migrations of a newer version: running on it (migrations only add), upgrade this instance soon',
    );
  const database = openDatabase(config.database, {
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  });
  let app: FastifyInstance | undefined;
  let worker: MailWorker | MailThread | undefined;
  let webhooks: WebhookWorker | undefined;
  let bus: RealtimeBus | PostgresBus | undefined;
  let url: string;
  const transport = mailTransportFor(config);
  // Losing LISTEN ends this instance's streams: browsers reconnect to one that still hears events.
  let onListenLost = () => {};
  try {
    bus = await openBus(config, database, logger, () => onListenLost());
    const listening = 'listening' in bus ? bus : null;
    app = await buildApp({
      config,
      database,
      logger,
      bus,
      onMailQueued: () => worker?.nudge(),
      onWebhookQueued: () => webhooks?.nudge(),
      ...(listening ? { realtimeListening: () => listening.listening } : {}),
    });
    const streams = app.streams;
    onListenLost = () => {
      const ended = streams.endOpenStreams();
      if (ended > 0) logger.warn({ streams: ended }, 'realtime streams ended: LISTEN connection lost');
    };
    capConnectionsPerAddress(app.server, {
      max: config.http.maxConnectionsPerIp,
      exempt: trustedProxyPeer(config.trustProxy),
      log: logger,
    });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    // PORT=0 picks a free port; without PUBLIC_URL, links in mail must carry the real one.
    const mailConfig = new URL(config.publicUrl).port === '0' ? { ...config, publicUrl: url } : config;
    worker = database.writeGate
      ? sqliteMailThread(mailConfig, database.writeGate, logger, options.startMailThread)
      : new MailWorker({
          db: database.db,
          dialect: database.dialect,
          config: mailConfig,
          runtime: systemRuntime,
          transport: transport ?? devTransport(),
          log: logger.child({ component: 'mail' }),
          issueLink: linkIssuer(systemRuntime),
          brand: brandReader(database.db),
          whatsapp: config.whatsapp ? fonnteTransport(config.whatsapp) : undefined,
          queueDue: (db, now) => queueMembershipReminders(db, now, { whatsapp: config.whatsapp !== null }),
        });
    if (transport === null) logger.warn('mail is not sent by this server (MAIL_TRANSPORT=none)');
    else if (config.mail.paused) logger.warn('mail sending paused (MAIL_PAUSED): mail stays queued');
    else {
      worker.start();
      // The mail thread checkpoints the WAL from now on; this connection only past a large backlog
      // (a thread that died, or not keeping up), rather than stalling requests every ~1,000 pages.
      if (worker instanceof MailThread) database.autoCheckpointPages?.(FALLBACK_CHECKPOINT_PAGES);
    }
    webhooks = new WebhookWorker({
      db: database.db,
      dialect: database.dialect,
      runtime: systemRuntime,
      log: logger.child({ component: 'webhooks-out' }),
      settings: { masterSecret: config.cookieSecret, ...config.webhooksOut },
      sweeps: [licenseExpirySweep],
    });
    webhooks.start();
  } catch (error) {
    await app?.close();
    await bus?.close();
    transport?.close();
    await database.close();
    throw error;
  }
  const running = { app, worker, webhooks, bus };
  let closing: Promise<void> | null = null;
  return {
    app: running.app,
    url,
    close() {
      closing ??= (async () => {
        // Draining first, with the listener still open: new requests are answered 503 with
        // Retry-After (src/drain.ts; nginx tries another instance, Lynk retries), streams are told
        // to reconnect elsewhere, and the requests under way (webhooks committing) finish.
        const drained = running.app.drain.begin();
        running.app.streams.closeAll();
        if (!(await settlesWithin(drained, DRAIN_LIMIT_MS))) {
          logger.warn({ limitMs: DRAIN_LIMIT_MS }, 'requests still unfinished after draining: connections cut');
          running.app.server.closeAllConnections();
        }
        // Then the listener closes. A keep-alive connection whose request was in flight stays open
        // after its answer, and the listener would wait out keepAliveTimeout (72 s) for it: such
        // connections are closed as soon as they fall idle.
        const sweep = setInterval(() => running.app.server.closeIdleConnections(), 50);
        try {
          await running.app.close();
        } finally {
          clearInterval(sweep);
        }
        await running.worker.stop();
        await running.webhooks.stop();
        await running.bus.close();
        transport?.close();
        await database.close();
      })();
      return closing;
    },
  };
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * SQLite: the mail worker in a thread of its own, on the second core (mail/thread.ts). A thread that
 * dies may have held the write gate: it is freed, and a new thread sends what the old one had not.
 */
function sqliteMailThread(
  config: Config,
  writeGate: SharedArrayBuffer,
  logger: Logger,
  start: StartMailThread | undefined,
): MailThread {
  const gate = new WriteGate(writeGate, WORKER_SIDE, 0);
  return new MailThread({
    data: { config, writeGate },
    log: logger.child({ component: 'mail' }),
    ...(start ? { start } : {}),
    onThreadLost: () => gate.releaseFor(WORKER_SIDE),
  });
}

/**
 * The realtime fan-out: in-process for SQLite (one process owns the file), LISTEN/NOTIFY for
 * PostgreSQL, where other instances may share the database.
 */
function openBus(
  config: Config,
  database: DatabaseHandle,
  logger: Logger,
  onListenLost: () => void,
): Promise<RealtimeBus | PostgresBus> | RealtimeBus {
  if (config.database.kind === 'sqlite') return createMemoryBus();
  return createPostgresBus({
    url: config.database.url,
    db: database.db,
    log: logger.child({ component: 'realtime' }),
    onListenLost,
  });
}
