import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { PrepareRead } from '../db/index.js';
import type { ErrorCode } from '../errors.js';
import { errorTable } from '../errors.js';
import { issuesText } from '../shared/zod-issues.js';
import { sendError } from '../web/respond.js';
import { activateLicense } from './activate.js';
import type { CorsOrigins } from './api-cors.js';
import { licenseApiCors } from './api-cors.js';
import type { LicenseApiLimits, LicenseApiQuota } from './api-rate-limit.js';
import { LicenseApiLimiter, recordLicenseApiLimited, sharedCountersFor } from './api-rate-limit.js';
import { licenseApiSchemas, validateAnswerSchema } from './api-schema.js';
import { deactivateLicense } from './deactivate.js';
import type { ActivationView, LicenseDeps, TokenLicense } from './deps.js';
import type { DeviceTokens } from './device-tokens.js';
import { licenseLookup } from './lookup.js';
import type { StartTouchWorker } from './touch-writer.js';
import { poolTouchWriter, workerTouchWriter } from './touch-writer.js';
import { transferAllowances, transferSettings } from './transfers.js';
import { validateLicense } from './validate.js';
import { ValidationTouches } from './validation-touches.js';

export interface LicenseApiOptions {
  deps: LicenseDeps;
  limits: LicenseApiLimits;
  /** LICENSE_API_CORS_ORIGINS. */
  corsOrigins: CorsOrigins;
  /** LICENSE_PREFIX: keys are accepted in any letter case (not `prefix`: Fastify reads that as a route prefix). */
  keyPrefix: string;
  /** Signed license tokens for offline checks (LICENSE_TOKENS). */
  tokens: DeviceTokens;
  /**
   * SQLite only (absent on PostgreSQL): the database file, so "last validated" writes get a connection
   * of their own, and its synchronous reads for the validate look-up.
   */
  sqlite?:
    | {
        file: string;
        synchronous: 'FULL' | 'NORMAL';
        startWorker?: StartTouchWorker | undefined;
        prepareRead?: PrepareRead | undefined;
      }
    | undefined;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const activationJson = (a: ActivationView) => ({
  id: a.id,
  name: a.name,
  created_at: iso(a.createdAt),
  last_validated_at: iso(a.lastValidatedAt),
});

const VALID_MESSAGE = 'Lisensi valid.';

/** The published key set of license tokens (RFC 7517 JWKS). */
export const LICENSE_KEYS_PATH = '/.well-known/gerbang-license-keys.json';

/**
 * The rate-limit fields of the IETF draft (draft-ietf-httpapi-ratelimit-headers): the counter
 * closest to refusing — per key or per IP — in Limit/Remaining, seconds until its window ends in
 * Reset, and both policies (`w` = window in seconds) in Policy.
 */
function rateLimitHeaders(reply: FastifyReply, quota: LicenseApiQuota, policy: string): void {
  reply.header('ratelimit-limit', String(quota.limit));
  reply.header('ratelimit-remaining', String(quota.remaining));
  reply.header('ratelimit-reset', String(Math.max(1, Math.ceil(quota.resetMs / 1000))));
  reply.header('ratelimit-policy', policy);
}

/** The RateLimit-Policy field: the same on every answer, so written once. */
function rateLimitPolicy(limits: LicenseApiLimits): string {
  const window = Math.round(limits.windowMs / 1000);
  return `${limits.maxPerKey};w=${window};comment="per key", ${limits.maxPerIp};w=${window};comment="per IP"`;
}

/**
 * The public license API for a seller's app or page: JSON in, JSON out, no session, no cookies.
 * Rate-limited per IP and per key before any look-up. Answers carry stable codes; messages are
 * Indonesian. Routes only translate: the rules live in the services.
 */
export const licenseApiRoutes: FastifyPluginAsync<LicenseApiOptions> = async (app, options) => {
  const { deps, limits, sqlite, tokens } = options;
  const schemas = licenseApiSchemas(options.keyPrefix);
  const policy = rateLimitPolicy(limits);
  licenseApiCors(app, options.corsOrigins);
  const limiter = new LicenseApiLimiter(limits, sharedCountersFor(deps.db, deps.dialect), (error) =>
    app.log.error({ err: error }, 'license api: merging rate-limit counters failed'),
  );
  // On SQLite the writes go through a worker thread's connection (their commit would block requests).
  const writer = sqlite
    ? workerTouchWriter(sqlite.file, sqlite.synchronous, sqlite.startWorker)
    : poolTouchWriter(deps.db);
  const lookup = licenseLookup(deps.db, sqlite?.prepareRead);
  const touches = new ValidationTouches(writer, (error) =>
    app.log.error({ err: error }, 'last_validated_at write failed'),
  );
  // Before the database closes: tokens already asked for are signed, and the pending "last validated"
  // times are written, not dropped.
  app.addHook('onClose', async () => {
    await tokens.close();
    await touches.close();
    await limiter.merge();
  });
  const fail = (request: FastifyRequest, reply: FastifyReply, code: ErrorCode, extra: Record<string, unknown> = {}) => {
    request.log.info({ code }, `license api: ${code}`);
    return sendError(request, reply, code, { details: extra });
  };

  /** Releases the app may still make on a license (null: no limit), so it knows whether offering one helps. */
  const transfersRemaining = async (licenseId: number) => {
    const now = deps.runtime.now();
    const allowances = await transferAllowances(deps.db, [licenseId], transferSettings(deps), now);
    return allowances.get(licenseId)?.remaining ?? null;
  };

  /** Counts the request, then parses it; null when an answer (429, 400) was already sent. */
  async function admit<T extends { key: string }>(
    request: FastifyRequest,
    reply: FastifyReply,
    schema: z.ZodType<T>,
  ): Promise<T | null> {
    const parsed = schema.safeParse(request.body);
    // Malformed requests count against the IP too: a flood of them is still a flood.
    const decision = limiter.consume(request.ip, parsed.success ? parsed.data.key : null, deps.runtime.now());
    rateLimitHeaders(reply, decision.quota, policy);
    if (!decision.ok) {
      const seconds = Math.ceil(decision.retryAfterMs / 1000);
      reply.header('retry-after', String(seconds));
      request.log.warn({ ip: request.ip }, 'license api rate limited');
      if (decision.firstRefusals.length > 0) {
        const refused = {
          counters: decision.firstRefusals,
          ip: request.ip,
          key: parsed.success ? parsed.data.key : null,
        };
        // The 429 goes out even if the note cannot be written (the limit is the defence, the note its trace).
        await recordLicenseApiLimited(deps.db, refused, limits, deps.runtime.now()).catch((error: unknown) =>
          request.log.error({ err: error }, 'license api: recording the rate-limit event failed'),
        );
      }
      void fail(request, reply, 'RATE_LIMITED', {
        message: `Terlalu banyak permintaan. Coba lagi dalam ${seconds} detik.`,
      });
      return null;
    }
    if (!parsed.success) {
      const message = issuesText(parsed.error);
      void fail(request, reply, 'INVALID_PAYLOAD', { message: `${errorTable.INVALID_PAYLOAD.message} ${message}` });
      return null;
    }
    return parsed.data;
  }

  /** A token for the device, or null (tokens off). A signing failure costs the token, not the answer. */
  const tokenFor = async (
    request: FastifyRequest,
    license: TokenLicense,
    activationId: number,
    fingerprint: string,
  ) => {
    try {
      return await tokens.issue(license, activationId, fingerprint);
    } catch (error) {
      request.log.error({ err: error }, 'license token could not be signed');
      return null;
    }
  };

  // The first signing key is made at start (not by the first activation), so the key set an app
  // ships with can be fetched before any token exists. A database down now only defers it.
  app.addHook('onReady', async () => {
    if (tokens.enabled)
      await tokens
        .publishedKeys()
        .catch((error: unknown) => app.log.warn({ err: error }, 'license signing key not ready yet'));
  });

  app.get(LICENSE_KEYS_PATH, async (_request, reply) => {
    // Apps cache the set; an app meeting an unknown `kid` (a rotation) fetches it again.
    reply.header('cache-control', 'public, max-age=300');
    return { keys: await tokens.publishedKeys() };
  });

  app.post('/api/licenses/activate', async (request, reply) => {
    const body = await admit(request, reply, schemas.activate);
    if (!body) return reply;
    const result = await activateLicense(
      deps,
      { key: body.key },
      { fingerprint: body.fingerprint, name: body.name || 'Perangkat' },
    );
    if (!result.ok) {
      // At the limit: the devices in use (id, name, time; never their fingerprints), so the app can offer to release one.
      const details =
        result.code === 'ACTIVATION_LIMIT'
          ? {
              max_devices: result.maxDevices,
              activations: result.activations.map(activationJson),
              transfers_remaining: await transfersRemaining(result.licenseId),
            }
          : {};
      return fail(request, reply, result.code, details);
    }
    return reply.code(result.created ? 201 : 200).send({
      activated: true,
      created: result.created,
      activation: activationJson(result.activation),
      replaced_activation_ids: result.replaced,
      token: await tokenFor(request, result.license, result.activation.id, body.fingerprint),
    });
  });

  app.post(
    '/api/licenses/validate',
    { schema: { response: { 200: validateAnswerSchema } } },
    async (request, reply) => {
      const body = await admit(request, reply, schemas.validate);
      if (!body) return reply;
      const result = await validateLicense(deps, touches, { key: body.key, fingerprint: body.fingerprint }, lookup);
      // 200 for every verdict: "invalid" is an answer, not a failed request (as Keygen's validate).
      if (!result.ok) return { valid: false, code: result.code, message: errorTable[result.code].message };
      return {
        valid: true,
        code: 'VALID',
        message: VALID_MESSAGE,
        license: {
          expires_at: iso(result.license.expiresAt),
          max_devices: result.license.maxDevices,
          activations_used: result.license.activationsUsed,
        },
        activation: result.activation ? activationJson(result.activation) : null,
        // Only for a device that holds an activation: the token is bound to it.
        token:
          result.activation && body.fingerprint !== undefined
            ? await tokenFor(request, result.license.token, result.activation.id, body.fingerprint)
            : null,
      };
    },
  );

  app.post('/api/licenses/deactivate', async (request, reply) => {
    const body = await admit(request, reply, schemas.deactivate);
    if (!body) return reply;
    const target =
      body.activation_id !== undefined ? { activationId: body.activation_id } : { fingerprint: body.fingerprint ?? '' };
    const origin = { ip: request.ip, userAgent: String(request.headers['user-agent'] ?? '') };
    const result = await deactivateLicense(deps, body.key, target, origin);
    if (!result.ok) {
      if (result.code !== 'TRANSFER_LIMIT') return fail(request, reply, result.code);
      reply.header('retry-after', String(Math.max(1, Math.ceil((result.retryAt - deps.runtime.now()) / 1000))));
      return fail(request, reply, 'TRANSFER_LIMIT', {
        max_transfers: result.maxTransfers,
        transfers_remaining: 0,
        retry_at: iso(result.retryAt),
      });
    }
    return { deactivated: true, activation_id: result.activationId, transfers_remaining: result.transfersRemaining };
  });
};
