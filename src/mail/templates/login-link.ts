import { html } from '../../web/html.js';
import type { LoginLinkMailParams } from '../outbox.js';
import type { RenderedMail } from './layout.js';
import { mailLayout } from './layout.js';

export function loginLinkMailSubject(): string {
  return 'Tautan masuk akun member Anda';
}

/** The emailed one-time login link: single use, short expiry, only its hash is stored. */
export function renderLoginLinkMail(p: LoginLinkMailParams, link: { url: string; validMinutes: number }): RenderedMail {
  const greeting = p.name ? `Halo ${p.name},` : 'Halo,';
  const adminLine = 'Akun admin: setelah membuka tautan, Anda tetap diminta kata sandi admin.';
  const text = [
    greeting,
    '',
    'Seseorang (semoga Anda) meminta tautan masuk untuk akun ini.',
    '',
    `Masuk: ${link.url}`,
    `(Tautan ini hanya bisa dipakai sekali dan berlaku ${link.validMinutes} menit.)`,
    ...(p.asksPassword ? [adminLine] : []),
    '',
    'Jika Anda tidak memintanya, abaikan email ini; akun Anda tetap aman.',
  ].join('\n');
  const body = html`<h1 style="font-size:20px;margin:0 0 16px;">Tautan masuk</h1>
<p>${greeting}</p>
<p>Seseorang (semoga Anda) meminta tautan masuk untuk akun <strong>${p.email}</strong>.</p>
<p style="margin:24px 0;"><a href="${link.url}" style="background:#1f6feb;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block;">Masuk sekarang</a></p>
<p style="font-size:13px;color:#52606d;">Tautan ini hanya bisa dipakai sekali dan berlaku ${link.validMinutes} menit. Jika tombol tidak berfungsi, salin alamat ini ke browser:<br>${link.url}</p>
${p.asksPassword ? html`<p>${adminLine}</p>` : ''}
<p style="font-size:13px;color:#52606d;">Jika Anda tidak memintanya, abaikan email ini; akun Anda tetap aman.</p>`;
  return { text, html: mailLayout(loginLinkMailSubject(), body) };
}
