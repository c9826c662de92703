import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../web/respond.js';

/** Web origins whose pages may read the license API's answers: any ('*') or a list. */
export type CorsOrigins = '*' | readonly string[];

/** What a page may read besides the body: the rate-limit fields (to back off) and the request id. */
const EXPOSED = 'RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, Retry-After, X-Request-Id';
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const DEFAULT_HEADERS = 'Content-Type, X-Request-Id';
/** A header list a preflight may ask for: names only (no CR/LF, nothing to inject). */
const HEADER_LIST = /^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/;

/** The Access-Control-Allow-Origin for a request's Origin, or null when that origin is not allowed. */
export function allowedOrigin(origins: CorsOrigins, origin: string | undefined): string | null {
  if (origins === '*') return '*';
  return origin !== undefined && origins.includes(origin) ? origin : null;
}

function allowOrigin(reply: FastifyReply, origins: CorsOrigins, origin: string | undefined): boolean {
  // With a list the answer depends on Origin: caches must keep one copy per origin.
  if (origins !== '*') reply.header('vary', 'Origin');
  const allowed = allowedOrigin(origins, origin);
  if (allowed !== null) reply.header('access-control-allow-origin', allowed);
  return allowed !== null;
}

/**
 * CORS for the license API, so a seller's web page on another origin can call it (Fetch standard).
 * The API reads no cookies and answers no credentials (Access-Control-Allow-Credentials is never
 * sent), so allowing any origin, the default, exposes nothing a server-side caller could not get:
 * LICENSE_API_CORS_ORIGINS only narrows which pages may read the answers. Preflights are answered
 * for every path under /api/licenses/; an origin not on the list gets 403 and no allow headers.
 * Registered inside the license API's plugin: its hooks reach its routes' answers, errors included.
 */
export function licenseApiCors(app: FastifyInstance, origins: CorsOrigins): void {
  // A callback hook: it runs on every answer of the API's hot path and waits for nothing.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.method !== 'OPTIONS' && allowOrigin(reply, origins, origin(request)))
      reply.header('access-control-expose-headers', EXPOSED);
    done(null, payload);
  });

  app.options('/api/licenses/*', async (request, reply) => {
    const from = origin(request);
    // Sets the allow headers when the origin is allowed.
    if (from !== undefined && !allowOrigin(reply, origins, from)) {
      request.log.info({ origin: from }, 'license api: CORS preflight from an origin not allowed');
      return sendError(request, reply, 'CORS_ORIGIN_REFUSED');
    }
    const asked = request.headers['access-control-request-headers'];
    return reply
      .code(204)
      .header('allow', ALLOWED_METHODS)
      .header('access-control-allow-methods', ALLOWED_METHODS)
      .header(
        'access-control-allow-headers',
        typeof asked === 'string' && HEADER_LIST.test(asked) && asked.length <= 500 ? asked : DEFAULT_HEADERS,
      )
      .header('access-control-max-age', '7200')
      .send();
  });
}

function origin(request: FastifyRequest): string | undefined {
  const value = request.headers.origin;
  return typeof value === 'string' ? value : undefined;
}
