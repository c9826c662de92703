import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DatabaseHandle, WebhookProvider } from './db/index.js';
import type { StreamHub } from './realtime/index.js';
import { sendError } from './web/respond.js';
import type { PreviousKeyUse } from './webhooks/index.js';

/**
 * Prometheus metrics of one instance (docs/DEPLOY.md lists them with what to graph). A registry per
 * app, not prom-client's global one: tests build many apps in one process.
 */
export interface Metrics {
  readonly registry: Registry;
  observeRequest(request: FastifyRequest, reply: FastifyReply): void;
  /** The same for an answer given below Fastify (the event stream's, at its head). */
  observeAnswer(method: string, route: string, status: number, seconds: number): void;
  webhookOutcome(provider: WebhookProvider, outcome: string): void;
  /** Reads the outbox gauges (one grouped count), just before a scrape. */
  refreshOutbox(): Promise<void>;
}

export interface MetricsSources {
  database: DatabaseHandle;
  hub: StreamHub;
  previousKeyUse: PreviousKeyUse;
  /** The realtime LISTEN connection's state (PostgreSQL only). */
  realtimeListening?: (() => boolean) | undefined;
  /** The clock the outbox's times were written with. */
  now: () => number;
  /** argon2 computations running and waiting for a turn (src/members/hash-slots.ts). */
  passwordHashing: { readonly active: number; readonly waiting: number };
}

/** Seconds: an HTML page or a webhook takes milliseconds; a PPOB order up to HESDA_TIMEOUT_SECONDS. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { database, hub, previousKeyUse } = sources;
  // Statements /metrics runs itself (the outbox gauges) are left out of gerbang_db_queries_total, so
  // reading it does not move it (the realtime benchmark checks that idle streams cost none).
  let ownQueries = 0;
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });

  const http = new Histogram({
    name: 'gerbang_http_request_duration_seconds',
    help: 'HTTP answers by route (the pattern, e.g. /admin/member/:id), method and status class.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'gerbang_webhook_deliveries_total',
    help: 'Webhook deliveries by provider and outcome (processed, ignored, failed, duplicate, refused, rate_limited, unavailable, test).',
    labelNames: ['provider', 'outcome'] as const,
    registers: [registry],
  });
  new Counter({
    name: 'gerbang_webhook_previous_key_total',
    help: 'Webhooks verified only by the previous key of a rotation (retries included).',
    labelNames: ['provider'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ provider: 'lynk' }, previousKeyUse.lynk);
      this.inc({ provider: 'hesda' }, previousKeyUse.hesda);
    },
  });
  new Counter({
    name: 'gerbang_db_queries_total',
    help: 'Database statements run since start (not counting those of /metrics itself).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(Math.max(0, database.stats.queries - ownQueries));
    },
  });
  gauge('gerbang_realtime_streams', 'Open realtime event streams on this instance.', () => hub.size);
  if (Number.isFinite(hub.capacity))
    gauge(
      'gerbang_realtime_streams_max',
      'Streams this instance holds before refusing new ones (ulimit -n minus REALTIME_FD_HEADROOM).',
      () => hub.capacity,
    );
  new Counter({
    name: 'gerbang_realtime_events_delivered_total',
    help: 'Events written to streams.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(hub.delivered);
    },
  });
  const listening = sources.realtimeListening;
  if (listening)
    gauge('gerbang_realtime_listen_connected', 'The LISTEN connection to PostgreSQL is up (1) or lost (0).', () =>
      listening() ? 1 : 0,
    );
  const pool = database.poolStats;
  if (pool) {
    gauge('gerbang_db_pool_connections', 'PostgreSQL pool connections open (in use and idle).', () => pool().total);
    gauge('gerbang_db_pool_idle', 'PostgreSQL pool connections idle.', () => pool().idle);
    gauge('gerbang_db_pool_waiting', 'Requests waiting for a PostgreSQL pool connection.', () => pool().waiting);
    gauge('gerbang_db_pool_max', 'DATABASE_POOL_SIZE.', () => pool().max);
  }
  const hashing = sources.passwordHashing;
  gauge('gerbang_password_hashes_active', 'Password hashes (argon2) computing now.', () => hashing.active);
  gauge(
    'gerbang_password_hashes_waiting',
    'Password hashes (logins, new passwords) waiting for a turn.',
    () => hashing.waiting,
  );
  gauge('nodejs_heap_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed);

  const outbox = new Gauge({
    name: 'gerbang_mail_outbox',
    help: 'Mails in the outbox by status (pending includes retries and sending; failed gave up).',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const oldest = new Gauge({
    name: 'gerbang_mail_outbox_oldest_pending_seconds',
    help: 'Age of the oldest mail not yet sent (0 when none waits).',
    registers: [registry],
  });
  const retrying = new Gauge({
    name: 'gerbang_mail_outbox_retrying',
    help: 'Pending mails whose last attempt failed (SMTP refused or unreachable).',
    registers: [registry],
  });

  return {
    registry,
    observeRequest(request, reply) {
      this.observeAnswer(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
    },
    observeAnswer(method, route, status, seconds) {
      http.observe({ method, route, status: `${Math.floor(status / 100)}xx` }, seconds);
    },
    webhookOutcome(provider, outcome) {
      webhooks.inc({ provider, outcome });
    },
    async refreshOutbox() {
      const before = database.stats.queries;
      try {
        const rows = await database.db
          .selectFrom('mail_outbox')
          .select((eb) => [
            'status',
            eb.fn.countAll<number>().as('n'),
            eb.fn.min('created_at').as('oldest'),
            eb.fn.sum<number>(eb.case().when('attempts', '>', 0).then(1).else(0).end()).as('retrying'),
          ])
          .where('status', 'in', ['pending', 'sending', 'failed'])
          .groupBy('status')
          .execute();
        const of = (status: string) => rows.find((r) => r.status === status);
        outbox.set({ status: 'pending' }, Number(of('pending')?.n ?? 0) + Number(of('sending')?.n ?? 0));
        outbox.set({ status: 'failed' }, Number(of('failed')?.n ?? 0));
        const waiting = [of('pending')?.oldest, of('sending')?.oldest].filter((v) => v !== null && v !== undefined);
        oldest.set(waiting.length === 0 ? 0 : Math.max(0, (sources.now() - Math.min(...waiting.map(Number))) / 1000));
        retrying.set(Number(of('pending')?.retrying ?? 0));
      } finally {
        ownQueries += database.stats.queries - before;
      }
    },
  };
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface MetricsRouteOptions {
  /** Without a token the endpoint does not exist (nothing about the server is public by default). */
  token: string | undefined;
  metrics: Metrics;
}

/** GET /metrics in the Prometheus text format, behind METRICS_TOKEN. */
export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, { token, metrics }) => {
  if (!token) return;
  app.get('/metrics', async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, token)) {
      return sendError(request, reply, 'UNAUTHENTICATED', { message: 'Token metrics salah.', json: true });
    }
    // The outbox gauges are best effort: the database down must not hide the other metrics.
    await metrics.refreshOutbox().catch(() => {});
    return reply
      .header('content-type', metrics.registry.contentType)
      .header('cache-control', 'no-store')
      .send(await metrics.registry.metrics());
  });
};
