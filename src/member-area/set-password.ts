import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { SignIn } from '../auth/index.js';
import { invalidLinkPage, newPasswordFields, PASSWORD_LINK } from '../auth/index.js';
import type { Runtime } from '../clock.js';
import type { Database } from '../db/index.js';
import type { TokenOwner } from '../members/index.js';
import {
  checkNewPassword,
  consumeSetPasswordToken,
  hashPassword,
  markEmailProven,
  peekSetPasswordToken,
  revokeMemberLinks,
  setMemberPassword,
} from '../members/index.js';
import { html } from '../web/html.js';
import { page } from '../web/layout.js';
import { sendPage } from '../web/respond.js';

export interface MemberRouteOptions {
  db: Kysely<Database>;
  runtime: Runtime;
  /** Ends the member's sessions everywhere once the password changed (whoever knew the old one is out). */
  endSessions: (memberId: number) => Promise<unknown>;
  /** Then signs this browser in: whoever chose the password through the mailbox is the one to keep. */
  signIn: SignIn;
}

const tokenQuery = z.object({ token: z.string().min(20).max(200) });
const setPasswordForm = z.object({
  token: z.string().min(20).max(200),
  password: z.string().max(1000),
  password_confirm: z.string().max(1000),
  fingerprint: z
    .string()
    .regex(/^([0-9a-f]{64})?$/)
    .default(''),
});

/**
 * GET/POST /akun/atur-sandi — the one-time link from the registration mail. GET only shows the form
 * (mail scanners that prefetch links must not burn the token); POST consumes the token atomically.
 */
export const memberRoutes: FastifyPluginAsync<MemberRouteOptions> = async (
  app,
  { db, runtime, endSessions, signIn },
) => {
  // The token is in this page's URL: keep it out of Referer headers (and caches: sendPage).
  const send = (reply: FastifyReply, status: number, body: string) =>
    sendPage(reply.header('referrer-policy', 'no-referrer'), status, body);

  const form = (token: string, email: string, csrf: string, error?: string) =>
    page(
      'Buat kata sandi',
      html`<h1>Buat kata sandi</h1>
<p class="muted">Akun: <strong>${email}</strong></p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/akun/atur-sandi" data-fingerprint>
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="token" value="${token}">
<input type="hidden" name="fingerprint" value="">
${newPasswordFields()}
<p class="muted">Setelah disimpan, Anda langsung masuk di sini dan sesi di perangkat lain berakhir.</p>
<button type="submit" id="save-password">Simpan kata sandi</button>
</form>`,
      { scripts: ['/assets/login.js'] },
    );
  // A dead link offers a new one at once: the same request as "Lupa kata sandi?".
  const invalid = (csrf: string) => invalidLinkPage(csrf, PASSWORD_LINK);

  /**
   * An admin's password is held to the admin rule and is never replaced by mailbox access alone:
   * a set-password link of an admin is no link at all.
   */
  const liveOwner = async (token: string): Promise<TokenOwner | null> => {
    const owner = await peekSetPasswordToken(db, token, runtime.now());
    return owner?.role === 'member' ? owner : null;
  };

  app.get('/akun/atur-sandi', async (request, reply) => {
    const query = tokenQuery.safeParse(request.query);
    if (!query.success) return send(reply, 400, invalid(reply.generateCsrf()));
    const owner = await liveOwner(query.data.token);
    if (!owner) return send(reply, 410, invalid(reply.generateCsrf()));
    return send(reply, 200, form(query.data.token, owner.email, reply.generateCsrf()));
  });

  app.post('/akun/atur-sandi', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = setPasswordForm.safeParse(request.body);
    if (!body.success) return send(reply, 400, invalid(reply.generateCsrf()));
    const { token, password, password_confirm } = body.data;
    const owner = await liveOwner(token);
    if (!owner) return send(reply, 410, invalid(reply.generateCsrf()));
    const problem =
      password !== password_confirm ? 'Kedua kata sandi tidak sama.' : checkNewPassword(password, owner.email);
    if (problem) return send(reply, 422, form(token, owner.email, reply.generateCsrf(), problem));

    const passwordHash = await hashPassword(password);
    const memberId = await db.transaction().execute(async (trx) => {
      const now = runtime.now();
      const id = await consumeSetPasswordToken(trx, token, now);
      if (id === null) return null;
      await setMemberPassword(trx, id, passwordHash, now);
      // Links sent before (the rest of the registration mail, requested login links) were issued
      // for the old password: they end with it. The mailbox is proven by this very link.
      await revokeMemberLinks(trx, id, now);
      await markEmailProven(trx, id, now);
      return id;
    });
    if (memberId === null) return send(reply, 410, invalid(reply.generateCsrf()));
    await endSessions(memberId);
    request.log.info({ memberId }, 'member set a password through a one-time link');
    if (await signIn(request, reply, memberId, body.data.fingerprint)) return reply.redirect('/member?sandi=baru', 303);
    return send(
      reply,
      200,
      page(
        'Kata sandi tersimpan',
        html`<h1>Kata sandi tersimpan</h1><p class="ok">Kata sandi Anda sudah disimpan.</p><p>Silakan <a href="/login">masuk</a> dengan email <strong>${owner.email}</strong> dan kata sandi baru Anda.</p>`,
      ),
    );
  });
};
