import { formatDate } from '../../shared/format.js';
import { html } from '../../web/html.js';
import type { RegistrationMailParams } from '../outbox.js';
import type { RenderedMail } from './layout.js';
import { mailLayout } from './layout.js';

export function registrationMailSubject(p: RegistrationMailParams): string {
  const order = orderOf(p);
  const subject = p.repeatPurchase ? 'Pembelian Member Berhasil' : 'Pendaftaran Member Berhasil';
  return order === null ? subject : `${subject} - Order #${order}`;
}

/**
 * The order the account came from; none for a member the seller made by hand in the console (its
 * mails carry "-", as mails queued before this rule do), and then the mail names no order.
 */
function orderOf(p: RegistrationMailParams): string | null {
  return p.orderNo === '-' || p.orderNo.trim() === '' ? null : p.orderNo;
}

export interface RegistrationLinks {
  setPasswordUrl: string;
  validHours: number;
  loginUrl: string;
  /** One-time login link (replaces the old ?username=&password= URL). */
  loginLinkUrl: string;
  loginLinkMinutes: number;
}

/** How long the membership now runs, when this mail knows it. */
function membershipLine(p: RegistrationMailParams, timeZone: string): string[] {
  if (p.membershipEndsAt === undefined) return [];
  if (p.membershipEndsAt === null) return ['Masa aktif member: selamanya.'];
  const until = formatDate(p.membershipEndsAt, timeZone);
  return [p.repeatPurchase ? `Masa aktif diperpanjang sampai ${until}.` : `Masa aktif member sampai ${until}.`];
}

/** What the mail says first: a new account, or a purchase for an account this address already has. */
function opening(p: RegistrationMailParams, timeZone: string): { heading: string; lines: string[] } {
  if (p.repeatPurchase)
    return {
      heading: 'Pembelian Member Berhasil',
      lines: [
        `Pembelian member dengan order ${p.orderNo} sudah kami terima untuk akun ${p.email}, yang sudah terdaftar sebelumnya. ${membershipLine(p, timeZone).join(' ')}`.trim(),
        'Masuk lewat tautan di bawah. Jika Anda belum pernah mendaftar atau tidak tahu kata sandinya, buat kata sandi baru lewat tautan di bawah: kata sandi lama tidak berlaku lagi setelahnya.',
      ],
    };
  return {
    heading: 'Pendaftaran Member Berhasil',
    lines: [
      `Akun member Anda sudah dibuat. ${membershipLine(p, timeZone).join(' ')}`.trim(),
      p.passwordPolicy === 'phone'
        ? 'Kata sandi awal Anda adalah nomor HP yang Anda isi saat membeli. Kata sandi itu baru bisa dipakai setelah Anda masuk sekali lewat tautan di email ini; sebaiknya segera ganti melalui tautan di bawah.'
        : 'Silakan buat kata sandi Anda melalui tautan di bawah ini.',
    ],
  };
}

/**
 * The registration mail: username and a one-time link to choose a password. With the
 * `phone` policy the initial password is the phone number, as before, and the link is still offered
 * (one link opened proves the mailbox before that password works). A repeat purchase of membership
 * reaches the mailbox too, so its owner learns of an account someone else may have opened.
 */
export function renderRegistrationMail(
  p: RegistrationMailParams,
  links: RegistrationLinks,
  timeZone = 'Asia/Jakarta',
): RenderedMail {
  const greeting = p.name ? `Halo ${p.name},` : 'Halo,';
  const order = orderOf(p);
  const { heading, lines } = opening(p, timeZone);
  const text = [
    greeting,
    '',
    ...lines.slice(0, 1),
    '',
    `Username: ${p.email}`,
    ...lines.slice(1),
    '',
    `Buat kata sandi: ${links.setPasswordUrl}`,
    `(Tautan ini hanya bisa dipakai sekali dan berlaku ${links.validHours} jam.)`,
    '',
    `Atau langsung masuk sekarang (sekali pakai, berlaku ${links.loginLinkMinutes} menit): ${links.loginLinkUrl}`,
    '',
    `Setelah itu, masuk di: ${links.loginUrl}`,
    ...(order === null ? [] : ['', `Order: ${order}`]),
  ].join('\n');
  const body = html`<h1 style="font-size:20px;margin:0 0 16px;">${heading}</h1>
<p>${greeting}</p>
<p>${lines[0] ?? ''}</p>
<p><strong>Username:</strong> ${p.email}</p>
${lines.slice(1).map((line) => html`<p>${line}</p>`)}
<p style="margin:24px 0;"><a href="${links.setPasswordUrl}" style="background:#1f6feb;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block;">Buat kata sandi</a></p>
<p style="font-size:13px;color:#52606d;">Tautan ini hanya bisa dipakai sekali dan berlaku ${links.validHours} jam. Jika tombol tidak berfungsi, salin alamat ini ke browser:<br>${links.setPasswordUrl}</p>
<p>Atau <a href="${links.loginLinkUrl}">langsung masuk sekarang</a> (tautan sekali pakai, berlaku ${links.loginLinkMinutes} menit).</p>
<p>Setelah itu, masuk di <a href="${links.loginUrl}">${links.loginUrl}</a>.</p>
${order === null ? '' : html`<p style="font-size:14px;color:#52606d;">Order: ${order}</p>`}`;
  return { text, html: mailLayout(registrationMailSubject(p), body) };
}
