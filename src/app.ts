import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import { adminConsoleRoutes, firstRunRedirect, setupRoutes } from './admin/index.js';
import type { AuthDeps } from './auth/index.js';
import { authCookies, authenticateStream, authRoutes, endMemberSessions, memberGuard } from './auth/index.js';
import type { Runtime } from './clock.js';
import { systemRuntime } from './clock.js';
import type { Config } from './config/index.js';
import {
  contentMemberRoutes,
  databaseStorage,
  downloadSigningKey,
  licenseContentView,
  StampQueue,
} from './content/index.js';
import type { DatabaseHandle } from './db/index.js';
import { isDatabaseUnavailable } from './db/index.js';
import type { ErrorCode } from './errors.js';
import { AppError, errorBody, errorTable } from './errors.js';
import { healthRoutes } from './health.js';
import type { LicenseDeps } from './licenses/index.js';
import { licenseApiRoutes } from './licenses/index.js';
import { createLogger } from './logger.js';
import { memberAreaRoutes } from './members/area.js';
import { memberRoutes } from './members/routes.js';
import { metricsRoutes } from './metrics.js';
import { hesdaSettings, ppobAdminRoutes, ppobMemberRoutes } from './ppob/index.js';
import { storedProductRules, withStoredRules } from './products/index.js';
import type { RealtimeBus } from './realtime/index.js';
import { createMemoryBus, realtimeRoutes, StreamHub } from './realtime/index.js';
import { assetRoutes } from './web/assets.js';
import { answerClientError } from './web/client-error.js';
import { fetchMetadataCheck } from './web/fetch-metadata.js';
import { html } from './web/html.js';
import { page } from './web/layout.js';
import { contentSecurityPolicy, prefersHtml } from './web/respond.js';
import { hesdaWebhookRoutes, lynkWebhookRoutes, PreviousKeyUse, RefusedDeliveries } from './webhooks/index.js';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  runtime?: Runtime;
  logger?: Logger;
  /** Called when a webhook committed and may have queued mail (the server nudges the mail worker). */
  onMailQueued?: () => void;
  /** Realtime fan-out; in-process unless given (the server picks the backend). */
  bus?: RealtimeBus;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The open event streams of this instance (tests and /metrics read its size). */
    streams: StreamHub;
    /** Every route as registered (the security tests walk it, so no new route escapes its guard). */
    routeTable: { method: string; url: string }[];
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

/** Builds the HTTP app without listening: tests call inject() or listen on an ephemeral port. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, database } = deps;
  const runtime = deps.runtime ?? systemRuntime;
  const log = (deps.logger ?? createLogger(config.logLevel)) as FastifyBaseLogger;
  const app = Fastify({
    loggerInstance: log,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    requestIdHeader: false,
    // Accept a caller's request id only when it looks like one; never echo arbitrary bytes into logs.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // A lying Content-Length, smuggling headers, oversized headers: our error shape, not Fastify's.
    clientErrorHandler: (error, socket) => answerClientError(log, error, socket),
  });

  const routeTable: { method: string; url: string }[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url });
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'strict-origin-when-cross-origin');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && !reply.hasHeader('content-security-policy')) {
      reply.header('content-security-policy', contentSecurityPolicy());
    }
    return payload;
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
    return sendError(request, reply, code, error instanceof AppError ? error.message : errorTable[code].message);
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, 'NOT_FOUND', errorTable.NOT_FOUND.message));
  fetchMetadataCheck(app);

  await app.register(fastifyCookie, { secret: config.cookieSecret });
  await app.register(fastifyFormbody);
  const cookies = authCookies(config.publicUrl);
  await app.register(fastifyCsrf, {
    cookieKey: cookies.csrf,
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', signed: true, secure: cookies.secure },
  });

  await app.register(healthRoutes, { db: database.db });
  // Deliveries still signed with the old key of a rotation, so the operator sees when to drop it.
  const previousKeyUse = new PreviousKeyUse();
  // Refused deliveries to either webhook count against one per-IP limit of this instance.
  const refusals = new RefusedDeliveries({
    maxPerIp: config.webhooks.maxRefusedPerIp,
    retentionMs: config.webhooks.rejectedRetentionMs,
  });
  await app.register(lynkWebhookRoutes, {
    db: database.db,
    transact: database.transact,
    config,
    runtime,
    previousKeyUse,
    refusals,
    ...(deps.onMailQueued ? { onStored: deps.onMailQueued } : {}),
  });
  const bus = deps.bus ?? createMemoryBus();
  await app.register(memberRoutes, {
    db: database.db,
    runtime,
    endSessions: (memberId) => endMemberSessions({ db: database.db, runtime, bus }, memberId, 'password_changed'),
  });

  const hub = new StreamHub(config.realtime.heartbeatMs);
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
  };
  const guardDeps = { db: database.db, runtime, settings: config.auth, cookies };
  app.decorateRequest('member', null);
  app.decorateRequest('apiToken', null);
  await app.register(authRoutes, {
    auth,
    config,
    cookies,
    ...(deps.onMailQueued ? { onMailQueued: deps.onMailQueued } : {}),
  });
  await app.register(realtimeRoutes, {
    db: database.db,
    bus,
    hub,
    limits: { perSession: config.realtime.maxStreamsPerSession, perIp: config.realtime.maxStreamsPerIp },
    authenticate: (request) => authenticateStream(guardDeps, request),
  });
  const licenses: LicenseDeps = {
    db: database.db,
    dialect: database.dialect,
    runtime,
    bus,
  };
  await app.register(licenseApiRoutes, {
    deps: licenses,
    limits: config.licenseApi,
    sqlite:
      config.database.kind === 'sqlite'
        ? { file: config.database.file, synchronous: config.database.synchronous }
        : undefined,
  });
  await app.register(memberAreaRoutes, {
    db: database.db,
    requireMember: memberGuard(guardDeps),
    timeZone: config.displayTimeZone,
    licenses,
    productContent: licenseContentView(database.db),
  });
  await app.register(contentMemberRoutes, {
    db: database.db,
    runtime,
    requireMember: memberGuard(guardDeps),
    // The console's rules before PRODUCT_RULES, as webhooks see them: which products are memberships.
    catalog: async () => withStoredRules(config.products, await storedProductRules(database.db)),
    memberVideoUrl: config.memberVideoUrl,
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
  await app.register(setupRoutes, { db: database.db, runtime });
  await app.register(adminConsoleRoutes, {
    db: database.db,
    dialect: database.dialect,
    runtime,
    bus,
    config,
    hub,
    guard: guardDeps,
    onMailQueued: deps.onMailQueued,
  });
  await app.register(metricsRoutes, { token: config.metricsToken, database, hub, previousKeyUse });
  await app.register(assetRoutes);

  app.get('/', { preHandler: firstRunRedirect(database.db) }, async (_request, reply) =>
    reply.header('content-type', 'text/html; charset=utf-8').send(
      page(
        'Gerbang',
        html`<h1>Gerbang aktif</h1>
<p>Server ini menerima pembayaran Lynk.id dan mengirim lisensi serta akun member.</p>
<p class="muted">URL webhook untuk Lynk.id:</p>
<p><code>${config.publicUrl}/webhook/lynk</code></p>
<p><a href="/login">Masuk member</a></p>`,
      ),
    ),
  );
  return app;
}

function sendError(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, message: string) {
  const status = errorTable[code].status;
  if (prefersHtml(request)) {
    return reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .send(
        page(
          'Terjadi masalah',
          html`<h1>${message}</h1><p class="muted">Kode: ${code} · ${request.id}</p><p><a href="/">Kembali</a></p>`,
        ),
      );
  }
  return reply.code(status).send(errorBody(code, request.id, message));
}
