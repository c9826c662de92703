import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { systemRuntime } from './clock.js';
import type { Config } from './config/index.js';
import type { DatabaseHandle } from './db/index.js';
import { migrateToLatest, openDatabase } from './db/index.js';
import { licenseExpirySweep } from './licenses/index.js';
import { createLogger } from './logger.js';
import { devTransport, MailWorker, smtpTransport } from './mail/index.js';
import type { RealtimeBus } from './realtime/index.js';
import { createMemoryBus, createPostgresBus } from './realtime/index.js';
import { WebhookWorker } from './webhooks-out/index.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Opens the database, migrates, starts the mail and webhook workers and listens. server.ts only wires; app.ts builds. */
export async function startServer(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningServer> {
  const database = openDatabase(config.database, { poolSize: config.databasePoolSize });
  let app: FastifyInstance | undefined;
  let worker: MailWorker | undefined;
  let webhooks: WebhookWorker | undefined;
  let bus: RealtimeBus | undefined;
  let url: string;
  const transport = config.mail.smtpUrl ? smtpTransport(config.mail.smtpUrl, config.mail.leaseMs) : devTransport();
  try {
    const migrations = await migrateToLatest(database.db, database.dialect);
    if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, 'database migrated');
    bus = await openBus(config, database, logger);
    app = await buildApp({
      config,
      database,
      logger,
      bus,
      onMailQueued: () => worker?.nudge(),
      onWebhookQueued: () => webhooks?.nudge(),
    });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    // PORT=0 picks a free port; without PUBLIC_URL, links in mail must carry the real one.
    const mailConfig = new URL(config.publicUrl).port === '0' ? { ...config, publicUrl: url } : config;
    worker = new MailWorker({
      db: database.db,
      dialect: database.dialect,
      config: mailConfig,
      runtime: systemRuntime,
      transport,
      log: logger.child({ component: 'mail' }),
    });
    worker.start();
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
    transport.close();
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
        // Streams are told to reconnect elsewhere and new requests get 503 (app.ts, Fastify), in-flight
        // webhooks finish; then the worker, the bus and the database.
        // A keep-alive connection whose request was in flight when close() began stays open after
        // its answer, and the listener would wait out keepAliveTimeout (72 s) for it: such
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
        transport.close();
        await database.close();
      })();
      return closing;
    },
  };
}

/**
 * The realtime fan-out: in-process for SQLite (one process owns the file), LISTEN/NOTIFY for
 * PostgreSQL, where other instances may share the database.
 */
function openBus(config: Config, database: DatabaseHandle, logger: Logger): Promise<RealtimeBus> | RealtimeBus {
  if (config.database.kind === 'sqlite') return createMemoryBus();
  return createPostgresBus({ url: config.database.url, db: database.db, log: logger.child({ component: 'realtime' }) });
}
