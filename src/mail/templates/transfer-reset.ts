import { html } from '../../web/html.js';
import type { TransferResetMailParams } from '../outbox.js';
import type { RenderedMail } from './layout.js';
import { mailLayout } from './layout.js';

export function transferResetMailSubject(): string {
  return 'Konfirmasi permintaan reset perangkat lisensi';
}

/** One click proves the mailbox asked for the reset; the seller (or the monthly rule) then grants it. */
export function renderTransferResetMail(
  p: TransferResetMailParams,
  link: { url: string; validHours: number },
): RenderedMail {
  const greeting = p.name ? `Halo ${p.name},` : 'Halo,';
  const text = [
    greeting,
    '',
    `Anda meminta reset batas pelepasan perangkat untuk lisensi ${p.productTitle} (${p.licenseKey}).`,
    '',
    `Konfirmasi: ${link.url}`,
    `(Tautan ini hanya bisa dipakai sekali dan berlaku ${link.validHours} jam.)`,
    '',
    'Jika Anda tidak memintanya, abaikan email ini.',
  ].join('\n');
  const body = html`<h1 style="font-size:20px;margin:0 0 16px;">Reset perangkat lisensi</h1>
<p>${greeting}</p>
<p>Anda meminta reset batas pelepasan perangkat untuk lisensi <strong>${p.productTitle}</strong> (<code>${p.licenseKey}</code>).</p>
<p style="margin:24px 0;"><a href="${link.url}" style="background:#1f6feb;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block;">Konfirmasi permintaan</a></p>
<p style="font-size:13px;color:#52606d;">Tautan ini hanya bisa dipakai sekali dan berlaku ${link.validHours} jam. Jika tombol tidak berfungsi, salin alamat ini ke browser:<br>${link.url}</p>
<p style="font-size:13px;color:#52606d;">Jika Anda tidak memintanya, abaikan email ini.</p>`;
  return { text, html: mailLayout(transferResetMailSubject(), body) };
}
