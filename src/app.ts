import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import { adminConsoleRoutes, firstRunRedirect, setupRoutes } from './admin/index.js';
import type { AuthDeps } from './auth/index.js';
import {
  authCookies,
  authenticateStream,
  authRoutes,
  endMemberSessions,
  memberGuard,
  newPasswordRoutes,
  oldLoginRoutes,
  sessionStarter,
} from './auth/index.js';
import type { Runtime } from './clock.js';
import { systemRuntime } from './clock.js';
import type { Config } from './config/index.js';
import { clientAddress, fastifyTrustProxy } from './config/index.js';
import {
  contentMemberRoutes,
  databaseStorage,
  downloadSigningKey,
  licenseContentView,
  StampQueue,
} from './content/index.js';
import type { DatabaseHandle } from './db/index.js';
import { isDatabaseUnavailable } from './db/index.js';
import { DRAIN_RETRY_AFTER_SECONDS, Drain } from './drain.js';
import type { ErrorCode } from './errors.js';
import { AppError, errorTable } from './errors.js';
import { healthRoutes } from './health.js';
import type { LicenseDeps, StartSigningWorker, StartTouchWorker } from './licenses/index.js';
import { DeviceTokens, LicenseTokenSigner, licenseApiRoutes } from './licenses/index.js';
import { createLogger, redactUrl } from './logger.js';
import { accountRoutes, memberAreaRoutes, memberRoutes, transferResetRoutes } from './member-area/index.js';
import { passwordHashing } from './members/index.js';
import { createMetrics, metricsRoutes } from './metrics.js';
import { openBuyerAccount } from './orders/index.js';
import { hesdaSettings, ppobAdminRoutes, ppobMemberRoutes } from './ppob/index.js';
import { storedProductRules, withStoredRules } from './products/index.js';
import type { RealtimeBus } from './realtime/index.js';
import {
  createMemoryBus,
  createStreamEndpoint,
  openFileLimit,
  realtimeRoutes,
  StreamHub,
  streamCeiling,
  streamDoor,
} from './realtime/index.js';
import { assetRoutes } from './web/assets.js';
import { applyBrand, BrandCache, DEFAULT_BRAND } from './web/brand.js';
import { answerClientError } from './web/client-error.js';
import { fetchMetadataCheck } from './web/fetch-metadata.js';
import { html } from './web/html.js';
import type { RequestTaker } from './web/http-server.js';
import { httpServerTaking } from './web/http-server.js';
import { page } from './web/layout.js';
import { requestIdFrom } from './web/request-id.js';
import { contentSecurityPolicy, SECURITY_HEADERS, sendError } from './web/respond.js';
import { strictJsonBodies } from './web/strict-json.js';
import {
  databaseKeyring,
  hesdaWebhookRoutes,
  lynkWebhookRoutes,
  PreviousKeyUse,
  RefusedDeliveries,
  TestPings,
  webhookEnvKeys,
} from './webhooks/index.js';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  runtime?: Runtime;
  logger?: Logger;
  /** Called when a webhook committed and may have queued mail (the server nudges the mail worker). */
  onMailQueued?: () => void;
  /** Realtime fan-out; in-process unless given (the server picks the backend). */
  bus?: RealtimeBus;
  /** Starts the SQLite "last validated" writer's thread: the bundle's dist/touch-worker.js unless given. */
  startTouchWorker?: StartTouchWorker;
  /** Starts the license tokens' signing thread: the bundle's dist/signing-worker.js unless given. */
  startSigningWorker?: StartSigningWorker;
  /** Called when a change committed events for the seller's webhooks (the server nudges their worker). */
  onWebhookQueued?: () => void;
  /** The PostgreSQL bus's LISTEN state: /readyz and new streams depend on it. */
  realtimeListening?: () => boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The open event streams of this instance (tests and /metrics read its size). */
    streams: StreamHub;
    /** Every route as registered (the security tests walk it, so no new route escapes its guard). */
    routeTable: { method: string; url: string }[];
    /** Shutdown's first half: new requests get 503 + Retry-After while those under way finish. */
    drain: Drain;
  }
}

/** Fastify's own error codes that are the client's fault, mapped onto our table. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_CSRF_INVALID_TOKEN: 'CSRF_REJECTED',
  FST_CSRF_MISSING_SECRET: 'CSRF_REJECTED',
};

/**
 * An idle keep-alive connection is closed by the proxy before we close it: nginx's upstream
 * keepalive_timeout is 60 s, and a connection we close just as nginx reuses it fails a POST with 502.
 */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** Probes and scrapes: every few seconds from nginx, systemd or Prometheus; not worth a log line. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/**
 * A socket silent both ways this long is dead. Handlers end far sooner (database waits are bounded,
 * a Hesda order at most HESDA_TIMEOUT_SECONDS) and event streams send a heartbeat at least every 20 s.
 */
const SILENT_SOCKET_TIMEOUT_MS = 5 * 60_000;

/** Builds the HTTP app without listening: tests call inject() or listen on an ephemeral port. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, database } = deps;
  const runtime = deps.runtime ?? systemRuntime;
  const logger = deps.logger ?? createLogger(config.logLevel);
  const log = logger as FastifyBaseLogger;
  // The request line is built only when it will be written (LOG_LEVEL=warn, the bench's, writes none).
  const logsRequests = logger.isLevelEnabled('info');
  // The event stream is answered below Fastify (src/realtime/stream-socket.ts); its door is set
  // once the realtime routes are, before the server listens.
  let takeStream: RequestTaker = () => false;
  const app = Fastify({
    loggerInstance: log,
    serverFactory: httpServerTaking((req, res, fastify) => takeStream(req, res, fastify)),
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: 1024 * 1024,
    // Slow senders (slowloris: headers or a body trickled a byte at a time) are cut off with a 408
    // once the whole request has not arrived in time. Only the request counts: an event stream's
    // request is complete at once, so it lives on. Node checks every connection once a second
    // (default 30 s, which would let a slow request outlive its limit by half a minute).
    requestTimeout: config.http.requestTimeoutMs,
    http: { headersTimeout: config.http.requestTimeoutMs, connectionsCheckingInterval: 1000 },
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: SILENT_SOCKET_TIMEOUT_MS,
    // While closing, our drain answers (JSON, Retry-After), not Fastify's own 503 shape.
    return503OnClosing: false,
    requestIdHeader: false,
    // Accept a caller's request id only when it looks like one; never echo arbitrary bytes into logs.
    genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
    // One line per request (onResponse below), and none for probes and scrapes.
    logController: new LogController({ disableRequestLogging: true }),
    // A lying Content-Length, smuggling headers, oversized headers: our error shape, not Fastify's.
    clientErrorHandler: (error, socket) => answerClientError(log, error, socket),
  });

  strictJsonBodies(app);
  const drain = new Drain();
  drain.track(app.server);
  app.decorate('drain', drain);
  // First of all hooks: a draining instance does no new work, not even a session lookup. (A
  // callback hook: every request passes here, and it costs no promise.)
  app.addHook('onRequest', (request, reply, done) => {
    if (!drain.active) return done();
    reply.header('retry-after', String(DRAIN_RETRY_AFTER_SECONDS));
    sendError(request, reply, 'SHUTTING_DOWN');
  });

  // Deliveries still signed with the old key of a rotation, so the operator sees when to drop it.
  const previousKeyUse = new PreviousKeyUse();
  const hub = new StreamHub(config.realtime.heartbeatMs, streamCeiling(openFileLimit(), config.realtime.fdHeadroom));
  const metrics = createMetrics({
    database,
    hub,
    previousKeyUse,
    realtimeListening: deps.realtimeListening,
    now: () => runtime.now(),
    passwordHashing,
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request, reply);
    if (logsRequests && !QUIET_PATHS.has(request.routeOptions.url ?? '')) {
      request.log.info(
        {
          method: request.method,
          url: redactUrl(request.url),
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    }
    done();
  });

  const routeTable: { method: string; url: string }[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url });
  });

  const brand = new BrandCache(database.db, () => Date.now());
  // Read once at start, so no page waits for it later (see BrandCache).
  app.addHook('onReady', async () => {
    void brand.get();
  });
  // A callback hook: every answer passes here, and only a page waits for anything (its brand).
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    // Every answer given while draining closes its connection, so a proxy does not reuse one that
    // is about to go away.
    if (drain.active) reply.header('connection', 'close');
    reply.header('x-content-type-options', SECURITY_HEADERS['x-content-type-options']);
    if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', SECURITY_HEADERS['x-frame-options']);
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', SECURITY_HEADERS['referrer-policy']);
    const type = reply.getHeader('content-type');
    if (typeof type !== 'string' || !type.startsWith('text/html')) return done(null, payload);
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', contentSecurityPolicy());
    if (typeof payload !== 'string') return done(null, payload);
    // Every page shows the seller's brand; with the database unreachable, Gerbang's own.
    brand
      .get()
      .catch(() => DEFAULT_BRAND)
      .then((current) => applyBrand(payload, current))
      .then((branded) => done(null, branded), done);
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    // The database down or locked is not a bug of the request: 503, so clients and balancers retry.
    const code: ErrorCode =
      error instanceof AppError
        ? error.code
        : isDatabaseUnavailable(error)
          ? 'STORAGE_UNAVAILABLE'
          : (FASTIFY_CODES[error.code] ?? (error.validation ? 'BAD_REQUEST' : 'INTERNAL'));
    const status = errorTable[code].status;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code }, `request rejected: ${code}`);
    const message =
      error instanceof AppError
        ? error.message
        : code === 'PAYLOAD_TOO_LARGE'
          ? `Body terlalu besar (maksimal ${kibibytes(request.routeOptions.bodyLimit)} KB).`
          : errorTable[code].message;
    return sendError(request, reply, code, { message });
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, 'NOT_FOUND'));
  fetchMetadataCheck(app, config.publicUrl);

  // The first secret signs, every listed one verifies: a rotation does not void forms already open.
  await app.register(fastifyCookie, { secret: [...config.cookieSecrets] });
  await app.register(fastifyFormbody);
  const cookies = authCookies(config.publicUrl);
  await app.register(fastifyCsrf, {
    cookieKey: cookies.csrf,
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', signed: true, secure: cookies.secure },
  });

  await app.register(healthRoutes, {
    db: database.db,
    ...(deps.realtimeListening ? { realtimeListening: deps.realtimeListening } : {}),
  });
  // Refused deliveries to either webhook count against one per-IP limit of this instance.
  const refusals = new RefusedDeliveries({
    maxPerIp: config.webhooks.maxRefusedPerIp,
    retentionMs: config.webhooks.rejectedRetentionMs,
  });
  const onWebhookQueued = deps.onWebhookQueued;
  // A stored payment may have queued mail and events for the seller's systems: wake their senders.
  // The endpoints' sender only when it has something (its claim is a write on this thread).
  const onStored =
    deps.onMailQueued || onWebhookQueued
      ? (stored: { webhookDeliveries: number }) => {
          deps.onMailQueued?.();
          if (stored.webhookDeliveries > 0) onWebhookQueued?.();
        }
      : undefined;
  const keyring = databaseKeyring({
    db: database.db,
    env: webhookEnvKeys(config),
    now: () => runtime.now(),
    log: app.log,
  });
  // Read once before the first delivery, so none waits for it.
  await Promise.all([keyring.keys('lynk'), keyring.keys('hesda')]);
  await app.register(lynkWebhookRoutes, {
    keyring,
    onOutcome: (outcome) => metrics.webhookOutcome('lynk', outcome),
    testPings: new TestPings(database.db),
    db: database.db,
    transact: database.transact,
    config,
    runtime,
    previousKeyUse,
    refusals,
    ...(onStored ? { onStored } : {}),
  });
  const bus = deps.bus ?? createMemoryBus();

  app.decorate('streams', hub);
  // Open streams never end on their own: without this, close() would wait for every browser.
  app.addHook('preClose', async () => hub.closeAll());
  const auth: AuthDeps = {
    db: database.db,
    dialect: database.dialect,
    runtime,
    settings: config.auth,
    bus,
    log: app.log,
    onWebhookQueued,
    openBuyerAccount: (email) => openBuyerAccount(database.db, email, runtime.now()),
  };
  const guardDeps = { db: database.db, runtime, settings: config.auth, cookies };
  const signIn = sessionStarter(auth, cookies);
  await app.register(memberRoutes, {
    db: database.db,
    runtime,
    endSessions: (memberId) => endMemberSessions({ db: database.db, runtime, bus }, memberId, 'password_changed'),
    signIn,
  });
  app.decorateRequest('member', null);
  app.decorateRequest('apiToken', null);
  await app.register(authRoutes, {
    auth,
    config,
    cookies,
    ...(deps.onMailQueued ? { onMailQueued: deps.onMailQueued } : {}),
  });
  await app.register(newPasswordRoutes, { auth, guard: guardDeps });
  await app.register(accountRoutes, {
    auth,
    requireMember: memberGuard(guardDeps),
    signIn,
    onMailQueued: deps.onMailQueued,
  });
  await app.register(oldLoginRoutes);
  const openStream = createStreamEndpoint({
    db: database.db,
    bus,
    hub,
    limits: { perSession: config.realtime.maxStreamsPerSession, perIp: config.realtime.maxStreamsPerIp },
    authenticate: (cookieHeader) => authenticateStream(guardDeps, cookieHeader ? app.parseCookie(cookieHeader) : {}),
    available: deps.realtimeListening,
    log: app.log,
  });
  await app.register(realtimeRoutes, { open: openStream });
  takeStream = streamDoor({
    open: openStream,
    requestId: requestIdFrom,
    clientIp: clientAddress(config.trustProxy),
    draining: () => drain.active,
    drainRetryAfterSeconds: DRAIN_RETRY_AFTER_SECONDS,
    // As onResponse does for Fastify's answers, at the stream's head.
    onAnswered: (answer) => {
      metrics.observeAnswer('GET', answer.route, answer.status, answer.ms / 1000);
      log.info(
        {
          reqId: answer.requestId,
          method: 'GET',
          url: redactUrl(answer.url),
          status: answer.status,
          ms: Math.round(answer.ms),
        },
        'request',
      );
    },
    log: app.log,
  });
  const licenses: LicenseDeps = {
    db: database.db,
    dialect: database.dialect,
    runtime,
    bus,
    onWebhookQueued,
    transfers: config.licenseTransfers,
  };
  const signer = new LicenseTokenSigner({
    db: database.db,
    now: runtime.now,
    log: app.log,
    secrets: { masterSecret: config.cookieSecret, defaultGraceDays: config.licenseTokens.graceDays },
    startWorker: deps.startSigningWorker,
  });
  await app.register(licenseApiRoutes, {
    deps: licenses,
    limits: config.licenseApi,
    corsOrigins: config.licenseApi.corsOrigins,
    keyPrefix: config.licensePrefix,
    tokens: new DeviceTokens(
      signer,
      { enabled: config.licenseTokens.enabled, graceDays: config.licenseTokens.graceDays, issuer: config.publicUrl },
      runtime.now,
    ),
    sqlite:
      config.database.kind === 'sqlite'
        ? {
            file: config.database.file,
            synchronous: config.database.synchronous,
            startWorker: deps.startTouchWorker,
            prepareRead: database.prepareRead,
          }
        : undefined,
  });
  await app.register(memberAreaRoutes, {
    db: database.db,
    requireMember: memberGuard(guardDeps),
    timeZone: config.displayTimeZone,
    licenses,
    productContent: licenseContentView(database.db),
    onMailQueued: deps.onMailQueued,
  });
  await app.register(transferResetRoutes, { licenses });
  await app.register(contentMemberRoutes, {
    db: database.db,
    runtime,
    requireMember: memberGuard(guardDeps),
    // The console's rules before PRODUCT_RULES, as webhooks see them: which products are memberships.
    catalog: async () => withStoredRules(config.products, await storedProductRules(database.db)),
    memberVideoUrl: config.memberVideoUrl,
    timeZone: config.displayTimeZone,
    signingKey: downloadSigningKey(config.cookieSecret),
    delivery: {
      db: database.db,
      storage: databaseStorage(database.db),
      stamps: new StampQueue(),
      stampMaxBytes: config.content.stampMaxBytes,
      log: app.log,
    },
  });
  await app.register(hesdaWebhookRoutes, {
    keyring,
    onOutcome: (outcome) => metrics.webhookOutcome('hesda', outcome),
    db: database.db,
    transact: database.transact,
    runtime,
    secretKey: config.ppob.secretKey,
    previousSecretKey: config.ppob.secretKeyPrevious,
    previousKeyUse,
    bus,
    refusals,
  });
  const ppobDeps = { db: database.db, runtime, bus, log: app.log, hesda: hesdaSettings(config.ppob) };
  await app.register(ppobAdminRoutes, ppobDeps);
  await app.register(ppobMemberRoutes, {
    db: database.db,
    requireMember: memberGuard(guardDeps),
    timeZone: config.displayTimeZone,
  });
  await app.register(setupRoutes, { db: database.db, runtime, signIn });
  await app.register(adminConsoleRoutes, {
    db: database.db,
    dialect: database.dialect,
    runtime,
    bus,
    config,
    hub,
    guard: guardDeps,
    onMailQueued: deps.onMailQueued,
    onWebhookQueued,
    brand,
  });
  await app.register(metricsRoutes, { token: config.metricsToken, metrics });
  await app.register(assetRoutes, { brand });

  // The shop's front door for buyers: the store, and the way in. (The webhook URL is the seller's
  // business: it is in the console and in `gerbang doctor`.)
  app.get('/', { preHandler: firstRunRedirect(database.db) }, async (_request, reply) => {
    const store = await brand.get();
    return reply.header('content-type', 'text/html; charset=utf-8').send(
      page(
        store.storeName,
        html`<h1 id="store-name">${store.storeName}</h1>
<p>Sudah membeli? Masuk untuk melihat produk, kunci lisensi dan materi Anda.</p>
<p><a class="button-link" href="/login" id="member-login">Masuk member</a></p>
<p class="muted">Lupa kata sandi? Di halaman masuk, minta tautan masuk lewat email.</p>`,
      ),
    );
  });
  return app;
}

function kibibytes(bytes: number): number {
  return Math.round(bytes / 1024);
}
