import { html } from '../../web/html.js';
import type { RegistrationMailParams } from '../outbox.js';
import type { RenderedMail } from './layout.js';
import { mailLayout } from './layout.js';

export function registrationMailSubject(p: RegistrationMailParams): string {
  return `Pendaftaran Member Berhasil - Order #${p.orderNo}`;
}

export interface RegistrationLinks {
  setPasswordUrl: string;
  validHours: number;
  loginUrl: string;
  /** One-time login link (replaces the old ?username=&password= URL). */
  loginLinkUrl: string;
  loginLinkMinutes: number;
}

/**
 * The mail the old system never sent: username and a one-time link to choose a password. With the
 * `phone` policy the initial password is the phone number, as before, and the link is still offered.
 */
export function renderRegistrationMail(p: RegistrationMailParams, links: RegistrationLinks): RenderedMail {
  const greeting = p.name ? `Halo ${p.name},` : 'Halo,';
  const passwordLine =
    p.passwordPolicy === 'phone'
      ? 'Kata sandi awal Anda adalah nomor HP yang Anda isi saat membeli. Sebaiknya segera ganti melalui tautan di bawah.'
      : 'Silakan buat kata sandi Anda melalui tautan di bawah ini.';
  const text = [
    greeting,
    '',
    'Akun member Anda sudah dibuat.',
    '',
    `Username: ${p.email}`,
    passwordLine,
    '',
    `Buat kata sandi: ${links.setPasswordUrl}`,
    `(Tautan ini hanya bisa dipakai sekali dan berlaku ${links.validHours} jam.)`,
    '',
    `Atau langsung masuk sekarang (sekali pakai, berlaku ${links.loginLinkMinutes} menit): ${links.loginLinkUrl}`,
    '',
    `Setelah itu, masuk di: ${links.loginUrl}`,
    '',
    `Order: ${p.orderNo}`,
  ].join('\n');
  const body = html`<h1 style="font-size:20px;margin:0 0 16px;">Pendaftaran Member Berhasil</h1>
<p>${greeting}</p>
<p>Akun member Anda sudah dibuat.</p>
<p><strong>Username:</strong> ${p.email}</p>
<p>${passwordLine}</p>
<p style="margin:24px 0;"><a href="${links.setPasswordUrl}" style="background:#1f6feb;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block;">Buat kata sandi</a></p>
<p style="font-size:13px;color:#52606d;">Tautan ini hanya bisa dipakai sekali dan berlaku ${links.validHours} jam. Jika tombol tidak berfungsi, salin alamat ini ke browser:<br>${links.setPasswordUrl}</p>
<p>Atau <a href="${links.loginLinkUrl}">langsung masuk sekarang</a> (tautan sekali pakai, berlaku ${links.loginLinkMinutes} menit).</p>
<p>Setelah itu, masuk di <a href="${links.loginUrl}">${links.loginUrl}</a>.</p>
<p style="font-size:14px;color:#52606d;">Order: ${p.orderNo}</p>`;
  return { text, html: mailLayout(registrationMailSubject(p), body) };
}
