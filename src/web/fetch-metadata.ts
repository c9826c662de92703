import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/** Paths whose unsafe requests come from other sites by design and carry no cookie authority. */
const CROSS_SITE_ALLOWED = ['/webhook/', '/webhooks/', '/api/licenses/', '/api/admin/'];

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Fetch Metadata check, a second line behind the CSRF token: a browser says in `Sec-Fetch-Site`
 * where a request came from, and a page on another site — or on a sibling subdomain, which can
 * also plant cookies — has no business posting our forms. Browsers that send no such header, and
 * server-to-server callers, are left to the CSRF token. Webhooks, the license API and the
 * bearer-token admin API use no cookies, so a cross-site caller gains nothing there.
 */
export function isCrossSiteFormPost(method: string, url: string, site: string | string[] | undefined): boolean {
  if (!UNSAFE.has(method)) return false;
  if (site !== 'cross-site' && site !== 'same-site') return false;
  return !CROSS_SITE_ALLOWED.some((prefix) => url.startsWith(prefix));
}

export function fetchMetadataCheck(app: FastifyInstance): void {
  // A callback hook: every request passes here, and it costs no promise.
  app.addHook('onRequest', (request, _reply, done) => {
    if (isCrossSiteFormPost(request.method, request.url, request.headers['sec-fetch-site']))
      return done(new AppError('CSRF_REJECTED'));
    done();
  });
}
