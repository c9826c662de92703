import { html } from '../../web/html.js';
import type { LicenseMailParams, LicensePageLink } from '../outbox.js';
import type { RenderedMail } from './layout.js';
import { formatPaidAt, mailLayout } from './layout.js';

// The old system's subject line, kept so buyers recognise the mail (seed 000 §1).
export function licenseMailSubject(p: LicenseMailParams): string {
  return `Pembayaran Berhasil - Order #${p.orderNo}`;
}

export function renderLicenseMail(p: LicenseMailParams, page?: LicensePageLink): RenderedMail {
  const greeting = p.name ? `Halo ${p.name},` : 'Halo,';
  const paidAt = formatPaidAt(p.paidAt);
  const lines = p.items.flatMap((item) => item.keys.map((key) => ({ title: item.title, key })));
  const text = [
    greeting,
    '',
    'Terima kasih, pembayaran Anda sudah kami terima. Berikut kunci lisensi Anda:',
    '',
    ...lines.map((l) => `- ${l.title}: ${l.key}`),
    '',
    `Order: ${p.orderNo}`,
    `Transaksi: ${p.transactionNo}`,
    `Email: ${p.email}`,
    `Waktu pembayaran: ${paidAt}`,
    '',
    ...(page ? [`Lihat semua lisensi dan perangkat Anda kapan saja (masuk lewat tautan email): ${page.url}`, ''] : []),
    'Simpan email ini baik-baik. Jangan bagikan kunci lisensi Anda kepada orang lain.',
  ].join('\n');
  const body = html`<h1 style="font-size:20px;margin:0 0 16px;">Pembayaran Berhasil</h1>
<p>${greeting}</p>
<p>Terima kasih, pembayaran Anda sudah kami terima. Berikut kunci lisensi Anda:</p>
<ul style="padding-left:20px;">
${lines.map((l) => html`<li style="margin:6px 0;">${l.title}: <code style="font-size:15px;font-weight:bold;">${l.key}</code></li>\n`)}
</ul>
<p style="font-size:14px;color:#52606d;">Order: ${p.orderNo}<br>Transaksi: ${p.transactionNo}<br>Email: ${p.email}<br>Waktu pembayaran: ${paidAt}</p>
${page ? html`<p>Lihat semua lisensi dan perangkat Anda kapan saja di <a href="${page.url}">halaman Lisensi saya</a> (masuk lewat tautan email, tanpa kata sandi).</p>` : ''}
<p>Simpan email ini baik-baik. Jangan bagikan kunci lisensi Anda kepada orang lain.</p>`;
  return { text, html: mailLayout(licenseMailSubject(p), body) };
}
