import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/** Paths whose unsafe requests come from other sites by design and carry no cookie authority. */
const CROSS_SITE_ALLOWED = ['/webhook/', '/webhooks/', '/api/licenses/', '/api/admin/'];

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Fetch Metadata check, a second line behind the CSRF token: a browser says in `Sec-Fetch-Site`
 * where a request came from, and a page on another site — or on a sibling subdomain, which can
 * also plant cookies — has no business posting our forms. A browser too old to send that header
 * (Safari before 16.4 on older iPhones) still sends `Origin` with a form POST: one naming a host
 * that is neither this request's nor PUBLIC_URL's is refused the same way. Server-to-server
 * callers send neither and are left to the CSRF token. Webhooks, the license API and the
 * bearer-token admin API use no cookies, so a cross-site caller gains nothing there.
 */
export function isCrossSiteFormPost(
  method: string,
  url: string,
  site: string | string[] | undefined,
  origin?: { header: string | string[] | undefined; ownHosts: readonly string[] },
): boolean {
  if (!UNSAFE.has(method)) return false;
  if (CROSS_SITE_ALLOWED.some((prefix) => url.startsWith(prefix))) return false;
  if (site !== undefined) return site === 'cross-site' || site === 'same-site';
  return origin !== undefined && foreignOrigin(origin.header, origin.ownHosts);
}

/**
 * An `Origin` naming another host; "null" (a sandboxed or privacy-stripped page) and junk name none.
 * Host names are compared without ports: cookies do not tell ports apart either.
 */
function foreignOrigin(header: string | string[] | undefined, ownHosts: readonly string[]): boolean {
  if (typeof header !== 'string' || header === 'null') return false;
  const named = hostName(header);
  return named !== null && !ownHosts.some((host) => hostName(`http://${host}`) === named);
}

function hostName(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export function fetchMetadataCheck(app: FastifyInstance, publicUrl: string): void {
  const publicHost = new URL(publicUrl).host;
  // A callback hook: every request passes here, and it costs no promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const { headers } = request;
    const ownHosts = [publicHost, headers.host ?? ''];
    const forwarded = headers['x-forwarded-host'];
    if (typeof forwarded === 'string') ownHosts.push(forwarded.split(',')[0]?.trim() ?? '');
    if (
      isCrossSiteFormPost(request.method, request.url, headers['sec-fetch-site'], { header: headers.origin, ownHosts })
    )
      return done(new AppError('CSRF_REJECTED'));
    done();
  });
}
