import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PresentedCookies } from './sessions.js';

/**
 * Cookie names and attributes. HttpOnly: page scripts (and injected ones) never read the tokens.
 * SameSite=Lax: not sent on cross-site POSTs. On https the `__Host-` prefix makes the browser
 * refuse the cookie unless it is Secure, host-only and path=/ (no subdomain can plant one). The
 * CSRF secret needs it as much as the session: a secret tossed in by a sibling subdomain is one
 * whose tokens the attacker knows (OWASP ASVS 3.4.4, 4.2.2).
 */
export interface AuthCookies {
  session: string;
  device: string;
  csrf: string;
  secure: boolean;
}

export function authCookies(publicUrl: string): AuthCookies {
  const secure = publicUrl.startsWith('https://');
  const prefix = secure ? '__Host-' : '';
  return {
    session: `${prefix}gerbang_session`,
    device: `${prefix}gerbang_device`,
    csrf: `${prefix}gerbang_csrf`,
    secure,
  };
}

/** Chrome caps cookie lifetimes at 400 days; the device cookie asks for that. */
const DEVICE_COOKIE_MAX_AGE_S = 400 * 86_400;

export function presentedCookies(request: FastifyRequest, names: AuthCookies): PresentedCookies {
  return presentedIn(request.cookies, names);
}

/** The same from cookies parsed without a Fastify request (the event stream is answered below Fastify). */
export function presentedIn(
  cookies: Readonly<Record<string, string | undefined>>,
  names: AuthCookies,
): PresentedCookies {
  return { session: cookies[names.session], device: cookies[names.device] };
}

export function setSessionCookie(reply: FastifyReply, names: AuthCookies, value: string, maxAgeMs: number): void {
  reply.setCookie(names.session, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: names.secure,
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}

export function setDeviceCookie(reply: FastifyReply, names: AuthCookies, value: string): void {
  reply.setCookie(names.device, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: names.secure,
    maxAge: DEVICE_COOKIE_MAX_AGE_S,
  });
}

/** Logout clears the session cookie even if the database call failed (the browser forgets it regardless). */
export function clearSessionCookie(reply: FastifyReply, names: AuthCookies): void {
  reply.clearCookie(names.session, { path: '/', httpOnly: true, sameSite: 'lax', secure: names.secure });
}
