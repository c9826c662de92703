import { SESSION_ENDED_MESSAGES } from '../realtime/index.js';
import { formatAgo, formatDateTime } from '../shared/format.js';
import type { SafeHtml } from '../web/html.js';
import { html } from '../web/html.js';
import { page } from '../web/layout.js';
import type { LiveDevice } from './sessions.js';

const LOGIN_SCRIPT = ['/assets/login.js'];

/** Messages the login page shows after a redirect (?alasan=…); unknown values show nothing. */
export const LOGIN_NOTICES: Readonly<Record<string, { text: string; kind: 'ok' | 'error' }>> = {
  takeover: { text: SESSION_ENDED_MESSAGES.takeover, kind: 'error' },
  logout: { text: SESSION_ENDED_MESSAGES.logout, kind: 'ok' },
  keluar: { text: SESSION_ENDED_MESSAGES.logout, kind: 'ok' },
  expired: { text: SESSION_ENDED_MESSAGES.expired, kind: 'error' },
  admin: { text: SESSION_ENDED_MESSAGES.admin, kind: 'error' },
  password_changed: { text: SESSION_ENDED_MESSAGES.password_changed, kind: 'error' },
  ended_by_member: { text: SESSION_ENDED_MESSAGES.ended_by_member, kind: 'error' },
  batal: { text: 'Login dibatalkan. Akun tetap aktif di perangkat lain.', kind: 'ok' },
  admin_dibuat: { text: 'Admin dibuat. Masuk dengan email dan kata sandi admin.', kind: 'ok' },
  tautan: {
    text: 'Jika email tersebut terdaftar, tautan masuk sudah kami kirim. Periksa kotak masuk Anda.',
    kind: 'ok',
  },
  lupa_sandi: {
    text: 'Jika email tersebut terdaftar, tautan untuk membuat kata sandi baru sudah kami kirim. Periksa kotak masuk Anda.',
    kind: 'ok',
  },
  email_changed: { text: SESSION_ENDED_MESSAGES.email_changed, kind: 'error' },
};

export interface ConflictView {
  devices: readonly LiveDevice[];
  takeoverToken: string;
  /** "Tetap gunakan di sini" left in the window; null: no limit. */
  takeoversLeft?: { remaining: number; limit: number; windowMs: number } | null;
  /** The site's host, as the old modal named it ("Website ini (domain) sedang aktif …"). */
  domain: string;
  now: number;
  timeZone: string;
}

export interface LoginView {
  csrf: string;
  email?: string;
  /** The page to go back to after signing in (already checked). */
  returnTo?: string;
  error?: string;
  notice?: { text: string; kind: 'ok' | 'error' };
  conflict?: ConflictView;
}

function notice(view: { error?: string; notice?: { text: string; kind: 'ok' | 'error' } }): SafeHtml | '' {
  if (view.error) return html`<p class="error" role="alert" id="login-message">${view.error}</p>`;
  if (view.notice) return html`<p class="${view.notice.kind}" role="status" id="login-message">${view.notice.text}</p>`;
  return '';
}

/**
 * The conflict modal with the old system's texts (seed 000, "Modal Konflik Sesi"). Both buttons are
 * real forms, so the choice works without JavaScript; "keep" carries a one-time confirmation token
 * bound to this browser, never the password.
 */
export function conflictModal(csrf: string, c: ConflictView): SafeHtml {
  const devices = c.devices.map(
    (d) =>
      html`<li><strong>${d.browser}</strong> di <strong>${d.os}</strong><br><span class="muted">Terakhir aktif ${formatAgo(d.lastSeenAt, c.now)} (${formatDateTime(d.lastSeenAt, c.timeZone)})</span></li>`,
  );
  return html`<div id="alert-modal" class="alert-overlay" role="dialog" aria-modal="true" aria-labelledby="alert-title">
<div class="alert-modal">
<div class="alert-body">
<h3 class="alert-title" id="alert-title">Konflik Sesi Terdeteksi</h3>
<p class="alert-text">Website ini (<span class="domain">${c.domain}</span>) sedang aktif di tab atau perangkat lain.</p>
<ul class="devices">${devices}</ul>
<div class="info-box">Beberapa sesi aktif tidak diizinkan karena alasan keamanan.</div>
${c.takeoversLeft ? html`<p class="muted" id="takeovers-left">Sisa "Tetap gunakan di sini" untuk akun ini: ${String(c.takeoversLeft.remaining)} dari ${String(c.takeoversLeft.limit)} dalam ${String(Math.round(c.takeoversLeft.windowMs / 3_600_000))} jam.</p>` : ''}
</div>
<div class="alert-footer">
<form method="post" action="/login/batal">
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="token" value="${c.takeoverToken}">
<button type="submit" class="secondary" id="use-other-device">Gunakan di perangkat lain</button>
</form>
<form method="post" action="/login/ambil-alih" data-fingerprint>
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="token" value="${c.takeoverToken}">
<input type="hidden" name="fingerprint" value="">
<button type="submit" id="keep-here">Tetap gunakan di sini</button>
</form>
</div>
</div>
</div>`;
}

export function loginPage(view: LoginView): string {
  return page(
    'Masuk',
    html`<h1>Masuk member</h1>
${notice(view)}
<form method="post" action="/login" id="formLogin" data-fingerprint>
<input type="hidden" name="_csrf" value="${view.csrf}">
<input type="hidden" name="fingerprint" value="">
${view.returnTo ? html`<input type="hidden" name="lanjut" value="${view.returnTo}">` : ''}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${view.email ?? ''}">
<label for="password">Kata sandi</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1000">
<button type="submit">Masuk</button>
</form>
<div class="links"><a href="/login/tautan">Kirim tautan masuk ke email saya</a><a href="/login/lupa-sandi" id="forgot-password">Lupa kata sandi?</a></div>
<p class="muted">Membeli lisensi tanpa akun member? Masuk lewat tautan email untuk melihat kunci lisensi Anda.</p>
${view.conflict ? conflictModal(view.csrf, view.conflict) : ''}`,
    { scripts: LOGIN_SCRIPT },
  );
}

export interface LinkFormView {
  csrf: string;
  error?: string;
}

/** The one "email me a link" form: a login link, or a link to choose a new password. */
function emailLinkForm(csrf: string, action: string, button: string): SafeHtml {
  return html`<form method="post" action="${action}">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="254">
<button type="submit">${button}</button>
</form>`;
}

export function linkRequestPage(view: LinkFormView): string {
  return page(
    'Tautan masuk',
    html`<h1>Masuk lewat email</h1>
${notice(view)}
<p>Masukkan email yang Anda pakai saat membeli. Kami kirim tautan masuk sekali pakai yang berlaku sebentar. Pembeli lisensi tanpa akun member juga bisa masuk dengan cara ini.</p>
${emailLinkForm(view.csrf, '/login/tautan/kirim', 'Kirim tautan')}
<div class="links"><a href="/login">Masuk dengan kata sandi</a></div>`,
  );
}

/** "Lupa kata sandi?": a one-time link to choose a new password (members; admins use the shell). */
export function forgotPasswordPage(view: LinkFormView): string {
  return page(
    'Lupa kata sandi',
    html`<h1>Lupa kata sandi</h1>
${notice(view)}
<p>Masukkan email akun Anda. Kami kirim tautan sekali pakai untuk membuat kata sandi baru. Setelah kata sandi disimpan, Anda langsung masuk dan sesi di perangkat lain berakhir.</p>
${emailLinkForm(view.csrf, '/login/lupa-sandi', 'Kirim tautan')}
<div class="links"><a href="/login">Kembali ke halaman masuk</a></div>`,
  );
}

/**
 * GET of an emailed link only shows a button: mail scanners that prefetch links must not burn it.
 * An admin's link asks for the admin password too (the mailbox alone does not open the console).
 */
export function linkConfirmPage(view: {
  csrf: string;
  token: string;
  email: string;
  asksPassword?: boolean;
  error?: string;
}): string {
  const password = view.asksPassword
    ? html`<p class="muted">Akun admin: tautan dari email tetap memerlukan kata sandi admin. Batas percobaan akun yang terkunci tidak berlaku lewat tautan ini.</p>
<label for="password">Kata sandi admin</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1000">`
    : '';
  return page(
    'Tautan masuk',
    html`<h1>Masuk sebagai ${view.email}</h1>
${notice(view)}
<form method="post" action="/login/tautan" data-fingerprint>
<input type="hidden" name="_csrf" value="${view.csrf}">
<input type="hidden" name="token" value="${view.token}">
<input type="hidden" name="fingerprint" value="">
${password}
<button type="submit" id="use-link">Masuk</button>
</form>`,
    { scripts: LOGIN_SCRIPT },
  );
}

/**
 * A link that no longer works offers a new one on the spot: the email field posts to the same
 * request as the link's own page (the same answer whether or not the address is known).
 */
export function invalidLinkPage(csrf: string, newLink: { action: string; button: string } = LOGIN_LINK): string {
  return page(
    'Tautan tidak berlaku',
    html`<h1>Tautan tidak berlaku</h1>
<p class="error">Tautan ini sudah dipakai, kedaluwarsa, atau tidak lengkap.</p>
<h2>Minta tautan baru</h2>
${emailLinkForm(csrf, newLink.action, newLink.button)}
<div class="links"><a href="/login">Masuk dengan kata sandi</a></div>`,
  );
}

export const LOGIN_LINK = { action: '/login/tautan/kirim', button: 'Kirim tautan masuk baru' } as const;
export const PASSWORD_LINK = { action: '/login/lupa-sandi', button: 'Kirim tautan kata sandi baru' } as const;

export function logoutConfirmPage(csrf: string): string {
  return page(
    'Keluar',
    html`<h1>Keluar dari akun?</h1>
<form method="post" action="/auth/logout">
<input type="hidden" name="_csrf" value="${csrf}">
<button type="submit" id="confirm-logout">Keluar</button>
</form>`,
  );
}
