import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthCookies } from './cookies.js';
import { setDeviceCookie, setSessionCookie } from './cookies.js';
import type { AuthDeps, LoginContext, LoginResult } from './login.js';
import { completeLogin } from './login.js';

/** Who is knocking, from a request: the browser's cookies, its fingerprint and address. */
export function loginContext(request: FastifyRequest, cookies: AuthCookies, fingerprint: string): LoginContext {
  return {
    token: request.cookies[cookies.device],
    sessionCookie: request.cookies[cookies.session],
    fingerprint,
    userAgent: String(request.headers['user-agent'] ?? ''),
    ip: request.ip,
  };
}

/** The cookies of a login that succeeded. */
export function setLoginCookies(
  reply: FastifyReply,
  cookies: AuthCookies,
  auth: AuthDeps,
  result: Extract<LoginResult, { ok: true }>,
): void {
  if (result.deviceToken) setDeviceCookie(reply, cookies, result.deviceToken);
  setSessionCookie(reply, cookies, result.session.value, auth.settings.sessionMaxAgeMs);
}

/** Signs a browser in after it proved itself another way (a new password, a confirmed email, setup). */
export type SignIn = (
  request: FastifyRequest,
  reply: FastifyReply,
  memberId: number,
  fingerprint?: string,
) => Promise<boolean>;

/**
 * A session for this browser, under the device rule. Called right after the member's other
 * sessions ended (a new password, a new email) or for the first admin, so it takes over rather
 * than asks: the one who proved the mailbox or the password is the one to keep.
 */
export function sessionStarter(auth: AuthDeps, cookies: AuthCookies): SignIn {
  return async (request, reply, memberId, fingerprint = '') => {
    const member = await auth.db.selectFrom('members').selectAll().where('id', '=', memberId).executeTakeFirst();
    if (!member) return false;
    const result = await completeLogin(auth, member, loginContext(request, cookies, fingerprint), true);
    if (!result.ok) return false;
    setLoginCookies(reply, cookies, auth, result);
    return true;
  };
}
