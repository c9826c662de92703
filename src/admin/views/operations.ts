import type { Config } from '../../config/index.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import type { TestPing } from '../../webhooks/index.js';
import { when } from './shell.js';

/** A warning the seller cannot miss when buyers' mail does not leave the server. */
export function mailStateNotice(mail: Config['mail']): SafeHtml | '' {
  if (mail.transport === 'none')
    return html`<p class="error" role="alert" id="mail-warning">Email tidak dikirim: server ini diatur tanpa email (MAIL_TRANSPORT=none). Pembeli tidak menerima lisensi atau akun lewat email; kirimkan sendiri dari halaman Email.</p>`;
  if (mail.paused)
    return html`<p class="error" role="alert" id="mail-warning">Pengiriman email dijeda (MAIL_PAUSED): email tersimpan di antrean dan terkirim setelah server dijalankan tanpa MAIL_PAUSED.</p>`;
  return '';
}

/** "The Test URL button works": the last dashboard test, so the seller sees the connection. */
export function lynkTestLine(ping: TestPing | null, timeZone: string): SafeHtml {
  if (!ping)
    return html`<p class="muted" id="lynk-test">Belum ada tes dari Lynk.id (tombol "Test URL" di pengaturan webhook Lynk.id).</p>`;
  const signed = ping.lastSigned ? 'bertanda tangan sah' : 'tanpa tanda tangan sah';
  return html`<p class="ok" id="lynk-test">Tes dari Lynk.id diterima ${when(ping.lastAt, timeZone)} (${signed}; ${ping.count} kali).</p>`;
}
