import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import type { AuthDeps, SignIn } from '../auth/index.js';
import { changePassword, invalidLinkPage, newPasswordFields, signedIn } from '../auth/index.js';
import { peekOneTimeToken } from '../members/index.js';
import { confirmEmailChange, requestEmailChange } from '../orders/index.js';
import type { SafeHtml } from '../web/html.js';
import { html } from '../web/html.js';
import { page } from '../web/layout.js';
import { memberPage } from '../web/member-layout.js';
import { sendPage } from '../web/respond.js';

export interface AccountRouteOptions {
  auth: AuthDeps;
  requireMember: preHandlerAsyncHookHandler;
  signIn: SignIn;
  onMailQueued?: (() => void) | undefined;
}

const passwordForm = z.object({
  current: z.string().max(1000).default(''),
  password: z.string().max(1000),
  password_confirm: z.string().max(1000),
});
const emailForm = z.object({ email: z.string().max(300), current: z.string().max(1000).default('') });
const tokenQuery = z.object({ token: z.string().min(20).max(200) });
const tokenForm = z.object({
  token: z.string().min(20).max(200),
  fingerprint: z
    .string()
    .regex(/^([0-9a-f]{64})?$/)
    .default(''),
});

const NOTICES: Record<string, string> = {
  sandi: 'Kata sandi baru tersimpan. Sesi di perangkat lain sudah diakhiri.',
  email: 'Tautan konfirmasi sudah kami kirim ke email baru. Email akun berganti setelah tautan itu dibuka.',
  email_baru: 'Email akun sudah diganti. Lisensi dan pembelian Anda ikut pindah ke email baru.',
};

/**
 * "Akun saya" for members and admins: change the password (the current one first) and the email
 * (confirmed from the new mailbox). Admins get the same pages with a way back to the console.
 */
export const accountRoutes: FastifyPluginAsync<AccountRouteOptions> = async (app, opts) => {
  const { auth, requireMember } = opts;

  /** Members see their navigation; an admin sees a way back to the console. */
  const accountPage = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, body: SafeHtml) => {
    const member = signedIn(request);
    const csrf = reply.generateCsrf();
    return sendPage(
      reply,
      status,
      member.role === 'admin'
        ? page(title, html`<p><a href="/admin">← Konsol admin</a></p>${body}`, { wide: true })
        : memberPage(title, csrf, body),
    );
  };

  const passwordSection = (
    csrf: string,
    hasCurrent: boolean,
    error?: string,
  ) => html`<section class="account" id="change-password">
<h2>Ubah kata sandi</h2>
${error ? html`<p class="error" role="alert" id="password-error">${error}</p>` : ''}
<form method="post" action="/akun/sandi">
<input type="hidden" name="_csrf" value="${csrf}">
${
  hasCurrent
    ? html`<label for="current">Kata sandi saat ini</label>
<input id="current" name="current" type="password" autocomplete="current-password" required maxlength="1000">`
    : html`<p class="muted">Akun ini belum punya kata sandi (Anda masuk lewat tautan email). Buat satu di sini bila ingin masuk dengan kata sandi.</p>`
}
${newPasswordFields()}
<button type="submit" id="save-password">Simpan kata sandi</button>
</form>
</section>`;

  const emailSection = (
    csrf: string,
    email: string,
    hasCurrent: boolean,
    error?: string,
  ) => html`<section class="account" id="change-email">
<h2>Ganti email</h2>
<p>Email sekarang: <strong id="account-email">${email}</strong></p>
${error ? html`<p class="error" role="alert" id="email-error">${error}</p>` : ''}
<form method="post" action="/akun/email">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="new-email">Email baru</label>
<input id="new-email" name="email" type="email" autocomplete="email" required maxlength="254">
${
  hasCurrent
    ? html`<label for="email-current">Kata sandi saat ini</label>
<input id="email-current" name="current" type="password" autocomplete="current-password" required maxlength="1000">`
    : ''
}
<p class="muted">Kami kirim tautan konfirmasi ke email baru; email lama diberi tahu. Lisensi dan pembelian Anda ikut pindah ke email baru.</p>
<button type="submit" id="save-email">Kirim tautan konfirmasi</button>
</form>
</section>`;

  const hasPassword = async (memberId: number) => {
    const row = await auth.db
      .selectFrom('members')
      .select('password_hash')
      .where('id', '=', memberId)
      .executeTakeFirst();
    return (row?.password_hash ?? '') !== '';
  };

  const overview = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status = 200,
    errors: { password?: string; email?: string } = {},
  ) => {
    const member = signedIn(request);
    const csrf = reply.generateCsrf();
    const current = await hasPassword(member.memberId);
    const done = (request.query as Record<string, unknown>).selesai;
    const notice = typeof done === 'string' && Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined;
    return accountPage(
      request,
      reply,
      status,
      'Akun saya',
      html`<h1>Akun saya</h1>
${notice ? html`<p class="ok" role="status" id="account-notice">${notice}</p>` : ''}
${passwordSection(csrf, current, errors.password)}
${emailSection(csrf, member.email, current, errors.email)}`,
    );
  };

  app.get('/akun', { preHandler: requireMember }, (request, reply) => overview(request, reply));
  // The old name of the page; "Ubah kata sandi" links here.
  app.get('/akun/sandi', { preHandler: requireMember }, (request, reply) => overview(request, reply));

  app.post('/akun/sandi', { preHandler: [requireMember, app.csrfProtection] }, async (request, reply) => {
    const member = signedIn(request);
    const form = passwordForm.safeParse(request.body);
    if (!form.success) return overview(request, reply, 400, { password: 'Isi kata sandi dengan benar.' });
    if (form.data.password !== form.data.password_confirm)
      return overview(request, reply, 422, { password: 'Kedua kata sandi tidak sama.' });
    const actor = {
      type: member.role === 'admin' ? ('admin' as const) : ('member' as const),
      id: member.memberId,
      label: member.email,
      ip: request.ip,
    };
    const result = await changePassword(
      auth,
      member,
      { current: form.data.current, password: form.data.password },
      actor,
    );
    if (!result.ok) {
      const message =
        result.code === 'WEAK_PASSWORD'
          ? (result.message ?? 'Kata sandi terlalu lemah.')
          : result.code === 'RATE_LIMITED'
            ? 'Terlalu banyak percobaan. Coba lagi nanti.'
            : 'Kata sandi saat ini salah.';
      return overview(request, reply, result.code === 'RATE_LIMITED' ? 429 : 422, { password: message });
    }
    return reply.redirect('/akun?selesai=sandi', 303);
  });

  app.post('/akun/email', { preHandler: [requireMember, app.csrfProtection] }, async (request, reply) => {
    const member = signedIn(request);
    const form = emailForm.safeParse(request.body);
    if (!form.success) return overview(request, reply, 400, { email: 'Isi email dengan benar.' });
    const result = await requestEmailChange(auth, member, { newEmail: form.data.email, password: form.data.current });
    if (!result.ok)
      return overview(request, reply, result.code === 'RATE_LIMITED' ? 429 : 422, { email: result.message });
    opts.onMailQueued?.();
    return reply.redirect('/akun?selesai=email', 303);
  });

  // The confirmation link: GET only shows a button (mail scanners prefetch links), POST uses it.
  const send = (reply: FastifyReply, status: number, body: string) =>
    sendPage(reply.header('referrer-policy', 'no-referrer'), status, body);
  const confirmPage = (csrf: string, token: string) =>
    page(
      'Konfirmasi email baru',
      html`<h1>Konfirmasi email baru</h1>
<p>Tekan tombol di bawah untuk memakai email ini untuk akun Anda. Sesi di semua perangkat lain berakhir, dan Anda masuk di sini dengan email baru.</p>
<form method="post" action="/akun/email/konfirmasi" data-fingerprint>
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="token" value="${token}">
<input type="hidden" name="fingerprint" value="">
<button type="submit" id="confirm-email">Konfirmasi email</button>
</form>`,
      { scripts: ['/assets/login.js'] },
    );

  app.get('/akun/email/konfirmasi', async (request, reply) => {
    const query = tokenQuery.safeParse(request.query);
    if (!query.success) return send(reply, 400, invalidLinkPage(reply.generateCsrf()));
    const owner = await peekOneTimeToken(auth.db, 'email_change', query.data.token, auth.runtime.now());
    if (!owner) return send(reply, 410, invalidLinkPage(reply.generateCsrf()));
    return send(reply, 200, confirmPage(reply.generateCsrf(), query.data.token));
  });

  app.post('/akun/email/konfirmasi', { preHandler: app.csrfProtection }, async (request, reply) => {
    const form = tokenForm.safeParse(request.body);
    if (!form.success) return send(reply, 400, invalidLinkPage(reply.generateCsrf()));
    const result = await confirmEmailChange(auth, form.data.token, request.ip);
    if (!result.ok && result.code === 'EMAIL_TAKEN')
      return send(
        reply,
        409,
        page(
          'Email sudah dipakai',
          html`<h1>Email sudah dipakai</h1><p class="error">Email ini sudah dipakai akun lain, jadi email akun Anda tidak diganti.</p><p><a href="/login">Masuk</a></p>`,
        ),
      );
    if (!result.ok) return send(reply, 410, invalidLinkPage(reply.generateCsrf()));
    opts.onMailQueued?.();
    const signedInHere = await opts.signIn(request, reply, result.memberId, form.data.fingerprint);
    return reply.redirect(signedInHere ? '/akun?selesai=email_baru' : '/login?alasan=email_changed', 303);
  });
};
