import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import type { ErrorCode } from '../errors.js';
import { errorTable } from '../errors.js';
import { emailProblem, peekOneTimeToken } from '../members/index.js';
import { formatDateTime } from '../shared/format.js';
import { asksForJson, sendError, sendPage } from '../web/respond.js';
import type { AuthCookies } from './cookies.js';
import { clearSessionCookie, presentedCookies, setDeviceCookie } from './cookies.js';
import type { GuardDeps } from './guard.js';
import { memberGuard } from './guard.js';
import type { AuthDeps, LoginContext, LoginResult } from './login.js';
import { cancelTakeover, confirmTakeover, loginWithPassword, logout } from './login.js';
import type { LinkLoginResult, LinkPurpose } from './login-links.js';
import { loginWithLink, requestLoginLink } from './login-links.js';
import { emailBody, linkBody, loginBody, tokenBody, tokenQuery } from './login-schema.js';
import type { LinkFormView, LoginView } from './pages.js';
import {
  forgotPasswordPage,
  invalidLinkPage,
  LOGIN_NOTICES,
  linkConfirmPage,
  linkRequestPage,
  loginPage,
  logoutConfirmPage,
} from './pages.js';
import { safeReturnPath } from './return-path.js';
import { checkSession } from './sessions.js';
import { loginContext, setLoginCookies } from './sign-in.js';

export interface AuthRouteOptions {
  auth: AuthDeps;
  config: Config;
  cookies: AuthCookies;
  onMailQueued?: () => void;
}

/** Where a signed-in browser belongs: admins to the operator console, members to their area. */
function homeOf(role: 'member' | 'admin'): string {
  return role === 'admin' ? '/admin' : '/member';
}

function retryText(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  return minutes <= 1 ? 'sekitar 1 menit' : `${minutes} menit`;
}

/** Why "keep here" was refused, when it is possible again, and the two ways forward. */
export function takeoverLimitedText(
  limit: { retryAt: number; limit: number; windowMs: number },
  config: Pick<Config, 'displayTimeZone'>,
  settings: Pick<AuthDeps['settings'], 'sellerContact'>,
): string {
  const hours = Math.round(limit.windowMs / 3_600_000);
  const seller = settings.sellerContact ? `hubungi penjual: ${settings.sellerContact}` : 'hubungi penjual';
  return `Akun ini sudah ${limit.limit} kali dipindahkan ke perangkat lain dalam ${hours} jam terakhir, jadi "Tetap gunakan di sini" belum bisa dipakai. Bisa lagi mulai ${formatDateTime(limit.retryAt, config.displayTimeZone)}. Sekarang Anda bisa keluar dari perangkat yang sedang dipakai (menu Perangkat saya atau tombol Keluar di sana), lalu masuk di sini. Jika perangkat itu bukan milik Anda, ${seller}.`;
}

export const authRoutes: FastifyPluginAsync<AuthRouteOptions> = async (
  app,
  { auth, config, cookies, onMailQueued },
) => {
  const guardDeps: GuardDeps = { db: auth.db, runtime: auth.runtime, settings: auth.settings, cookies };
  const domain = new URL(config.publicUrl).host;

  const context = (request: FastifyRequest, fingerprintValue: string): LoginContext =>
    loginContext(request, cookies, fingerprintValue);

  /** A refused login: JSON for API clients, otherwise the login page with the message. */
  const fail = (
    request: FastifyRequest,
    reply: FastifyReply,
    code: ErrorCode,
    message: string = errorTable[code].message,
    view: Partial<LoginView> = {},
  ) => {
    const status = errorTable[code].status;
    if (asksForJson(request)) return sendError(request, reply, code, { message, json: true });
    return sendPage(reply, status, loginPage({ csrf: reply.generateCsrf(), error: message, ...view }));
  };

  /** One place turns a login outcome into cookies and an answer (page or JSON). */
  const answer = (
    request: FastifyRequest,
    reply: FastifyReply,
    result: LoginResult,
    email?: string,
    returnTo: string | null = null,
  ) => {
    const view = { ...(email === undefined ? {} : { email }), ...(returnTo ? { returnTo } : {}) };
    if (result.ok) {
      setLoginCookies(reply, cookies, auth, result);
      const next = returnTo ?? homeOf(result.role);
      if (asksForJson(request)) return reply.send({ status: 'signed_in', redirect: next });
      return reply.redirect(next, 303);
    }
    switch (result.code) {
      case 'SESSION_CONFLICT': {
        if (result.deviceToken) setDeviceCookie(reply, cookies, result.deviceToken);
        if (asksForJson(request)) {
          return sendError(request, reply, 'SESSION_CONFLICT', {
            json: true,
            envelope: {
              devices: result.devices.map((d) => ({ browser: d.browser, os: d.os, lastSeenAt: d.lastSeenAt })),
              takeoverToken: result.takeoverToken,
              takeoversLeft: result.takeoversLeft?.remaining ?? null,
            },
          });
        }
        const conflict = {
          devices: result.devices,
          takeoverToken: result.takeoverToken,
          takeoversLeft: result.takeoversLeft,
          domain,
          now: auth.runtime.now(),
          timeZone: config.displayTimeZone,
        };
        return sendPage(reply, 409, loginPage({ csrf: reply.generateCsrf(), conflict, ...view }));
      }
      case 'RATE_LIMITED': {
        const seconds = Math.ceil(result.retryAfterMs / 1000);
        reply.header('retry-after', String(seconds));
        // The same words for every account (no telling admins apart): the way in that stays open.
        return fail(
          request,
          reply,
          'RATE_LIMITED',
          `Terlalu banyak percobaan masuk. Coba lagi dalam ${retryText(result.retryAfterMs)}. Atau masuk sekarang lewat tautan yang kami kirim ke email Anda: "Kirim tautan masuk ke email saya".`,
          view,
        );
      }
      case 'SERVER_BUSY': {
        reply.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
        return fail(request, reply, 'SERVER_BUSY', undefined, view);
      }
      case 'TAKEOVER_LIMITED': {
        reply.header('retry-after', String(Math.max(1, Math.ceil((result.retryAt - auth.runtime.now()) / 1000))));
        return fail(request, reply, 'TAKEOVER_LIMITED', takeoverLimitedText(result, config, auth.settings), view);
      }
      default:
        return fail(request, reply, result.code, undefined, view);
    }
  };

  app.get('/login', async (request, reply) => {
    const check = await checkSession(auth.db, presentedCookies(request, cookies), auth.runtime.now());
    const query = request.query as Record<string, unknown>;
    const returnTo = safeReturnPath(query.lanjut);
    if (check.status === 'live') return reply.redirect(returnTo ?? homeOf(check.role), 303);
    // Old bookmarks may carry ?username=&password=; those are ignored (and redacted from logs):
    // credentials never travel in URLs.
    const reason = query.alasan;
    // Own keys only: ?alasan=__proto__ must not find Object.prototype.
    const notice =
      typeof reason === 'string' && Object.hasOwn(LOGIN_NOTICES, reason) ? LOGIN_NOTICES[reason] : undefined;
    return sendPage(
      reply,
      200,
      loginPage({ csrf: reply.generateCsrf(), ...(notice ? { notice } : {}), ...(returnTo ? { returnTo } : {}) }),
    );
  });

  app.post('/login', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = loginBody.safeParse(request.body);
    if (!body.success)
      return fail(request, reply, 'BAD_REQUEST', emailProblem(body.error, 'Isi email dan kata sandi dengan benar.'));
    const { email, password, takeover } = body.data;
    const result = await loginWithPassword(
      auth,
      { email, password, takeover },
      context(request, body.data.fingerprint),
    );
    return answer(request, reply, result, email, safeReturnPath(body.data.lanjut));
  });

  app.post('/login/ambil-alih', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = tokenBody.safeParse(request.body);
    const result: LoginResult = body.success
      ? await confirmTakeover(auth, body.data.token, context(request, body.data.fingerprint))
      : { ok: false, code: 'TAKEOVER_EXPIRED' };
    return answer(request, reply, result);
  });

  app.post('/login/batal', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = tokenBody.safeParse(request.body);
    // Not even the shape of a cancel: refused like every other malformed form post.
    if (!body.success) return fail(request, reply, 'BAD_REQUEST');
    await cancelTakeover(auth, body.data.token);
    if (asksForJson(request)) return reply.send({ status: 'cancelled' });
    return reply.redirect('/login?alasan=batal', 303);
  });

  app.get('/login/tautan', async (request, reply) => {
    reply.header('referrer-policy', 'no-referrer');
    const query = tokenQuery.safeParse(request.query);
    if (!query.success) return sendPage(reply, 200, linkRequestPage({ csrf: reply.generateCsrf() }));
    const owner = await peekOneTimeToken(auth.db, 'login_link', query.data.token, auth.runtime.now());
    if (!owner) return sendPage(reply, 410, invalidLinkPage(reply.generateCsrf()));
    return sendPage(
      reply,
      200,
      linkConfirmPage({
        csrf: reply.generateCsrf(),
        token: query.data.token,
        email: owner.email,
        asksPassword: owner.role === 'admin',
      }),
    );
  });

  app.post('/login/tautan', { preHandler: app.csrfProtection }, async (request, reply) => {
    reply.header('referrer-policy', 'no-referrer');
    const body = linkBody.safeParse(request.body);
    const result: LinkLoginResult = body.success
      ? await loginWithLink(auth, body.data.token, context(request, body.data.fingerprint), body.data.password)
      : { ok: false, code: 'LINK_INVALID' };
    if (!result.ok && result.code === 'LINK_INVALID') {
      if (asksForJson(request)) return sendError(request, reply, 'LINK_INVALID', { json: true });
      return sendPage(reply, 410, invalidLinkPage(reply.generateCsrf()));
    }
    if (!result.ok && result.code === 'PASSWORD_NEEDED') {
      const message = result.wrong ? errorTable.INVALID_CREDENTIALS.message : 'Masukkan kata sandi admin.';
      if (asksForJson(request)) return sendError(request, reply, 'INVALID_CREDENTIALS', { message, json: true });
      const token = body.success ? body.data.token : '';
      const view = { csrf: reply.generateCsrf(), token, email: result.email, asksPassword: true, error: message };
      return sendPage(reply, 401, linkConfirmPage(view));
    }
    return answer(request, reply, result);
  });

  /**
   * "Kirim tautan masuk" and "Lupa kata sandi?": an emailed one-time link, the same answer whether
   * or not the address is an account's (no enumeration), limited per IP and per address.
   */
  const linkRequest = (path: string, purpose: LinkPurpose, formPage: (view: LinkFormView) => string, done: string) =>
    app.post(path, { preHandler: app.csrfProtection }, async (request, reply) => {
      const body = emailBody.safeParse(request.body);
      if (!body.success) {
        const message = emailProblem(body.error, 'Isi email dengan benar.');
        if (asksForJson(request)) return sendError(request, reply, 'BAD_REQUEST', { message, json: true });
        return sendPage(reply, 400, formPage({ csrf: reply.generateCsrf(), error: message }));
      }
      const outcome = await requestLoginLink(auth, body.data.email, request.ip, purpose);
      if (!outcome.ok) {
        reply.header('retry-after', String(Math.ceil(outcome.retryAfterMs / 1000)));
        const message = `Terlalu banyak permintaan tautan. Coba lagi dalam ${retryText(outcome.retryAfterMs)}.`;
        if (asksForJson(request)) return sendError(request, reply, 'RATE_LIMITED', { message, json: true });
        return sendPage(reply, 429, formPage({ csrf: reply.generateCsrf(), error: message }));
      }
      if (outcome.queued) onMailQueued?.();
      if (asksForJson(request)) return reply.code(202).send({ status: 'accepted' });
      return reply.redirect(`/login?alasan=${done}`, 303);
    });
  // The address bar keeps this path after a refused email: reloading or bookmarking it shows the form.
  app.get('/login/tautan/kirim', async (_request, reply) =>
    sendPage(reply, 200, linkRequestPage({ csrf: reply.generateCsrf() })),
  );
  linkRequest('/login/tautan/kirim', 'login_link', linkRequestPage, 'tautan');

  app.get('/login/lupa-sandi', async (_request, reply) =>
    sendPage(reply, 200, forgotPasswordPage({ csrf: reply.generateCsrf() })),
  );
  linkRequest('/login/lupa-sandi', 'password_reset', forgotPasswordPage, 'lupa_sandi');

  const signOut = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      await logout(auth, request.cookies[cookies.session]);
    } finally {
      // Cleared even if the database call failed: the browser forgets the session regardless.
      clearSessionCookie(reply, cookies);
    }
    if (asksForJson(request)) return reply.send({ status: 'signed_out' });
    return reply.redirect('/login?alasan=keluar', 303);
  };
  app.post('/auth/logout', { preHandler: app.csrfProtection }, signOut);
  // The old system's GET /logout, kept for links and bookmarks. A GET cannot carry a CSRF token, so
  // a request from another site or subdomain (a hostile page logging members out) gets a
  // confirmation button instead; typed URLs and our own links (none / same-origin) log out at once.
  app.get('/logout', async (request, reply) => {
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site')
      return sendPage(reply, 200, logoutConfirmPage(reply.generateCsrf()));
    return signOut(request, reply);
  });

  app.get('/api/session', { preHandler: memberGuard(guardDeps) }, async (request, reply) => {
    const member = request.member;
    reply.header('cache-control', 'no-store');
    return { member: { email: member?.email, name: member?.name }, expiresAt: member?.expiresAt };
  });
};
