import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import type { Runtime } from '../clock.js';
import type { Database } from '../db/index.js';
import type { StreamAuth } from '../realtime/index.js';
import { prefersHtml, sendError } from '../web/respond.js';
import type { AuthCookies } from './cookies.js';
import { presentedCookies, presentedIn } from './cookies.js';
import { loginPath, safeReturnPath } from './return-path.js';
import type { AuthSettings, LiveSession } from './sessions.js';
import { checkSession, touchSession } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in member, set by the member guard on protected routes. */
    member: LiveSession | null;
  }
}

/** Where a member whose password must be replaced is sent (src/auth/new-password.ts). */
export const NEW_PASSWORD_PATH = '/akun/sandi-baru';

export interface GuardDeps {
  db: Kysely<Database>;
  runtime: Runtime;
  settings: AuthSettings;
  cookies: AuthCookies;
}

/**
 * preHandler for protected routes: the session is checked in the database on every request (a
 * revoked session is refused even if the page never heard the realtime event). Pages redirect to
 * /login with the reason; APIs answer 401 JSON.
 */
export function memberGuard(
  deps: GuardDeps,
  options: { allowPasswordChange?: boolean } = {},
): preHandlerAsyncHookHandler {
  return async function requireMember(request: FastifyRequest, reply: FastifyReply) {
    const now = deps.runtime.now();
    const check = await checkSession(deps.db, presentedCookies(request, deps.cookies), now);
    if (check.status === 'live') {
      await touchSession(deps.db, check, deps.settings, now);
      request.member = check;
      // A password anyone could guess (an imported phone-number default) is replaced before the
      // member sees anything else; only the page that replaces it lets them through.
      if (check.mustChangePassword && !options.allowPasswordChange) {
        reply.header('cache-control', 'no-store');
        if (!prefersHtml(request)) return sendError(request, reply, 'PASSWORD_CHANGE_REQUIRED');
        return reply.redirect(NEW_PASSWORD_PATH, 303);
      }
      return;
    }
    const reason = check.status === 'revoked' ? (check.reason ?? 'expired') : 'expired';
    reply.header('cache-control', 'no-store');
    if (!prefersHtml(request)) {
      return sendError(request, reply, 'UNAUTHENTICATED', { details: { reason } });
    }
    // A browser with no session cookie at all simply goes to the login page, without a message;
    // a page it asked for is where it comes back to after signing in.
    const hadSession = request.cookies[deps.cookies.session] !== undefined;
    const asked = request.method === 'GET' ? safeReturnPath(request.url) : null;
    // The two home pages are where a login lands anyway.
    const returnTo = asked === '/member' || asked === '/admin' ? null : asked;
    return reply.redirect(loginPath(hadSession ? reason : null, returnTo), 303);
  };
}

/**
 * The realtime stream's view of the same check, from its request's parsed cookies (the stream is
 * answered below Fastify: there is no FastifyRequest).
 */
export async function authenticateStream(
  deps: GuardDeps,
  cookies: Readonly<Record<string, string | undefined>>,
): Promise<StreamAuth> {
  const check = await checkSession(deps.db, presentedIn(cookies, deps.cookies), deps.runtime.now());
  if (check.status === 'live')
    return {
      status: 'live',
      sessionId: check.sessionId,
      memberId: check.memberId,
      deviceId: check.deviceId,
      sessionCreatedAt: check.createdAt,
    };
  if (check.status === 'revoked')
    return { status: 'revoked', memberId: check.memberId, deviceId: check.deviceId, reason: check.reason };
  return { status: 'none' };
}

/** The member a guarded route serves (the guard has run, so a missing one is a wiring bug). */
export function signedIn(request: FastifyRequest): LiveSession {
  if (!request.member) throw new Error('member guard did not run');
  return request.member;
}
